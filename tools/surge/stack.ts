import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { checkLedger } from '../../lib/usecases/ledger-check.js';
import { assertLoopback } from './http.js';
import type { LedgerVerdict, SurgeTarget } from './model.js';

/**
 * The running local stack as `npm start` recorded it: .kuota/credentials.json (API keys) and
 * .kuota/runtime.json (emulator endpoints and table names, for the ledger check).
 */
export class StackNotFound extends Error {
  override readonly name = 'StackNotFound';
}

interface Credentials {
  readonly apiBaseUrl: string;
  readonly resellers: { id: string; name: string; apiKey: string }[];
  readonly regulatorKey: string;
}

interface Runtime {
  readonly apiBaseUrl: string;
  readonly dynamoDbEndpoint: string;
  readonly tables: { main: string; sandbox: string };
}

const readJson = <T>(file: string, what: string): T => {
  if (!existsSync(file))
    throw new StackNotFound(
      `${file} does not exist: is the local stack running? Start it with \`KUOTA_RESERVATION_TTL_SECONDS=20 npm start -- --fresh\` and run the surge from the same directory.`,
    );
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as T;
  } catch (error) {
    throw new StackNotFound(`${file} (${what}) is not readable: ${String(error)}`);
  }
};

export const locateStack = (stateDirectory = resolve(process.cwd(), '.kuota')) => {
  const credentials = readJson<Credentials>(join(stateDirectory, 'credentials.json'), 'API keys');
  const runtime = readJson<Runtime>(join(stateDirectory, 'runtime.json'), 'endpoints');
  if (!credentials.resellers?.length || !credentials.regulatorKey)
    throw new StackNotFound(
      `${join(stateDirectory, 'credentials.json')} holds no reseller or regulator keys`,
    );
  const baseUrl = runtime.apiBaseUrl ?? credentials.apiBaseUrl;
  assertLoopback(baseUrl);
  assertLoopback(runtime.dynamoDbEndpoint);
  const target: SurgeTarget = {
    baseUrl,
    resellers: credentials.resellers,
    regulatorKey: credentials.regulatorKey,
  };
  return { target, runtime };
};

/** The ledger audit against the emulator the stack uses (the only look inside the stack). */
export const ledgerCheckOf =
  (client: DynamoDBDocumentClient, mainTable: string) => async (): Promise<LedgerVerdict> => {
    const report = await checkLedger({ client, mainTable });
    return {
      balanced: report.balanced,
      differences: report.differences,
      soldByReseller: Object.fromEntries(report.resellers.map((line) => [line.resellerId, line.shards.sold])),
    };
  };

/** A client of a local stack's DynamoDB Local (the tools' own: no meter, no injected faults). */
export const localDynamoDb = (endpoint: string, maxAttempts: number) =>
  new DynamoDBClient({
    region: 'ap-southeast-3',
    endpoint,
    credentials: { accessKeyId: 'local', secretAccessKey: 'local' },
    maxAttempts,
  });

export const localLedgerCheck = (runtime: Runtime) => {
  const client = localDynamoDb(runtime.dynamoDbEndpoint, 3);
  return {
    check: ledgerCheckOf(DynamoDBDocumentClient.from(client), runtime.tables.main),
    close: () => client.destroy(),
  };
};
