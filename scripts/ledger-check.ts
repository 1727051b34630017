import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { checkLedger, formatLedgerReport } from '../lib/usecases/ledger-check.js';

/**
 * `npm run ledger:check`: audits the stored stock, ledger and quota orders of a running kuota.
 *
 * Finds the stack in KUOTA_DYNAMODB_ENDPOINT + KUOTA_MAIN_TABLE, or else in .kuota/runtime.json (written by
 * `npm start`). Exit codes: 0 balanced, 1 any difference, 2 the stack cannot be found or reached.
 */
const LOOPBACK = /^https?:\/\/(localhost|127\.\d+\.\d+\.\d+|\[::1\])(:\d+)?\/?$/;

const unreachable = (message: string): never => {
  console.error(`ledger:check: ${message}`);
  process.exit(2);
};

const locateStack = (): { endpoint: string | undefined; mainTable: string; from: string } => {
  const endpoint = process.env.KUOTA_DYNAMODB_ENDPOINT || undefined;
  const mainTable = process.env.KUOTA_MAIN_TABLE || undefined;
  if (mainTable) return { endpoint, mainTable, from: 'environment' };
  const file = resolve(process.cwd(), '.kuota', 'runtime.json');
  if (!existsSync(file)) {
    return unreachable(
      `no running stack found: start one with \`npm start\` (writes ${file}) or set KUOTA_DYNAMODB_ENDPOINT and KUOTA_MAIN_TABLE`,
    );
  }
  try {
    const runtime = JSON.parse(readFileSync(file, 'utf8')) as {
      dynamoDbEndpoint?: string;
      tables?: { main?: string };
    };
    if (!runtime.dynamoDbEndpoint || !runtime.tables?.main)
      throw new Error('missing dynamoDbEndpoint or tables.main');
    return { endpoint: runtime.dynamoDbEndpoint, mainTable: runtime.tables.main, from: file };
  } catch (error) {
    return unreachable(`${file} is not readable: ${String(error)}`);
  }
};

const main = async () => {
  const stack = locateStack();
  const local = stack.endpoint !== undefined && LOOPBACK.test(stack.endpoint);
  const client = new DynamoDBClient({
    region: process.env.AWS_REGION ?? 'ap-southeast-3',
    ...(stack.endpoint ? { endpoint: stack.endpoint } : {}),
    ...(local ? { credentials: { accessKeyId: 'local', secretAccessKey: 'local' } } : {}),
    maxAttempts: 2,
  });
  try {
    await client.send(new DescribeTableCommand({ TableName: stack.mainTable }));
  } catch (error) {
    unreachable(
      `cannot reach table ${stack.mainTable} at ${stack.endpoint ?? 'the AWS default endpoint'} (from ${stack.from}): ${error instanceof Error ? error.message || error.name : String(error)}. Is \`npm start\` running?`,
    );
  }
  console.log(`ledger:check of ${stack.mainTable} at ${stack.endpoint ?? 'AWS'}\n`);
  const report = await checkLedger({
    client: DynamoDBDocumentClient.from(client),
    mainTable: stack.mainTable,
  });
  console.log(formatLedgerReport(report));
  client.destroy();
  process.exit(report.balanced ? 0 : 1);
};

main().catch((error: unknown) => {
  console.error('ledger:check failed:', error);
  process.exit(2);
});
