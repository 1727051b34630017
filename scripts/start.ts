import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { withStoreRetries } from '../lib/adapters/dynamo-errors.js';
import { resellerStore } from '../lib/adapters/reseller-store.js';
import { config } from '../lib/config.js';
import { mintSandboxSigningMaterial, type SandboxSigningMaterial } from '../lib/documents/pki.js';
import { EnvVar } from '../lib/infra/resources.js';
import { JavaMissingError, startDynamoDbLocal, startSqsEmulator } from '../lib/runtime/emulators.js';
import { bootLocalCloud, newLocalSecrets } from '../lib/runtime/local-cloud.js';
import { seedParties } from '../lib/runtime/seed.js';
import type { Secrets } from '../lib/secrets.js';
import { scriptArgs } from '../tools/common/args.js';

/**
 * `npm start`: DynamoDB Local and fauxqs (SQS, S3), both persisted under .kuota/, the tables and queues of
 * the CDK stack, 26 seeded resellers and the regulator, and the HTTP API on KUOTA_PORT (default 3000).
 * `npm start -- --fresh` wipes .kuota/ first. `npm start -- --faults 0.2` injects DynamoDB faults (throttling,
 * transaction conflicts, lost responses) into 20% of the stack's requests of each kind (KUOTA_FAULT_*).
 * `--state-dir DIR` keeps the state in DIR instead of .kuota/; `--visibility-timeout S` sets every queue's
 * visibility timeout (default 6x its consumer's timeout, as deployed), so a message whose consumer died
 * with the process comes back after S seconds (the surge's crash test uses both).
 */
const { values: flags } = scriptArgs({
  name: 'kuota',
  usage:
    'npm start -- [options]\n\nThe whole platform on http://127.0.0.1:$KUOTA_PORT (default 3000), its state under .kuota/.',
  options: {
    fresh: { type: 'boolean', help: 'wipe the state directory first' },
    faults: {
      type: 'string',
      value: 'RATE',
      help: "inject DynamoDB faults into this share of the stack's requests (0-1)",
    },
    'state-dir': { type: 'string', value: 'DIR', help: 'keep the state in DIR instead of .kuota/' },
    'visibility-timeout': {
      type: 'string',
      value: 'S',
      help: "every queue's visibility timeout, seconds (1-43200)",
    },
  },
});
const refuse = (message: string): never => {
  console.error(`kuota: ${message}`);
  process.exit(1);
};

const stateFlag = flags['state-dir'];
if (stateFlag !== undefined && (stateFlag.trim() === '' || stateFlag.startsWith('--')))
  refuse('--state-dir takes a directory (e.g. --state-dir .kuota-demo)');
const stateDirectory = resolve(process.cwd(), stateFlag ?? '.kuota');
const fresh = flags.fresh === true;
const port = Number(process.env.KUOTA_PORT ?? 3000);

const visibilityFlag = flags['visibility-timeout'];
const visibilityTimeoutSeconds = visibilityFlag === undefined ? undefined : Number(visibilityFlag);
if (
  visibilityTimeoutSeconds !== undefined &&
  (visibilityFlag?.trim() === '' ||
    !Number.isInteger(visibilityTimeoutSeconds) ||
    visibilityTimeoutSeconds < 1 ||
    visibilityTimeoutSeconds > 43_200)
)
  refuse(`--visibility-timeout takes whole seconds from 1 to 43200, not ${visibilityFlag || 'nothing'}`);

const faultFlag = (): string | undefined => {
  const value = flags.faults;
  if (value === undefined) return undefined;
  const rate = Number(value);
  if (value.trim() === '' || !Number.isFinite(rate) || rate < 0 || rate > 1)
    refuse(`--faults takes a rate between 0 and 1 (e.g. --faults 0.2), not ${value || 'nothing'}`);
  return String(rate);
};
const faultRate = faultFlag();
const faultEnv: Record<string, string> =
  faultRate === undefined
    ? {}
    : {
        [EnvVar.faultThrottleRate]: faultRate,
        [EnvVar.faultTransactionConflictRate]: faultRate,
        [EnvVar.faultLostResponseRate]: faultRate,
      };

/** Emulators started so far, stopped when the start fails (DynamoDB Local must not outlive it). */
const started: { stop(): Promise<void> }[] = [];

const main = async () => {
  if (fresh) rmSync(stateDirectory, { recursive: true, force: true });
  mkdirSync(stateDirectory, { recursive: true });

  const secretsFile = join(stateDirectory, 'secrets.json');
  // A state directory from an older version keeps its secrets and gets the ones it lacks.
  const secrets: Secrets = {
    ...newLocalSecrets(),
    ...(existsSync(secretsFile) ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Partial<Secrets>) : {}),
  };
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });

  // The sandbox CA (root → issuer signing certificate), minted at first start and kept: documents stamped
  // earlier still verify after a restart. root-ca.pem is what a PDF reader or pdfsig is told to trust.
  const signingDirectory = join(stateDirectory, 'signing');
  const signingFile = join(signingDirectory, 'issuer.json');
  mkdirSync(signingDirectory, { recursive: true });
  const signing: SandboxSigningMaterial = existsSync(signingFile)
    ? (JSON.parse(readFileSync(signingFile, 'utf8')) as SandboxSigningMaterial)
    : await mintSandboxSigningMaterial();
  writeFileSync(signingFile, JSON.stringify(signing, null, 2), { mode: 0o600 });
  writeFileSync(join(signingDirectory, 'root-ca.pem'), signing.rootCertificatePem);

  console.log('kuota: starting DynamoDB Local and the SQS emulator...');
  const dynamoDb = await startDynamoDbLocal({ dataDirectory: join(stateDirectory, 'dynamodb') });
  started.push(dynamoDb);
  // Queued and delayed messages (order timers, reservations, webhook deliveries) and stored documents
  // survive a restart, even after a kill, as they do on SQS and S3.
  const sqs = await startSqsEmulator({ dataDirectory: join(stateDirectory, 'sqs') });
  started.push(sqs);
  const cloud = await bootLocalCloud({
    dynamoDbEndpoint: dynamoDb.endpoint,
    sqsEndpoint: sqs.endpoint,
    prefix: 'kuota-local',
    port,
    secrets,
    signing,
    runSchedules: true,
    visibilityTimeoutSeconds,
    extraEnv: { KUOTA_LOG_LEVEL: process.env.KUOTA_LOG_LEVEL ?? 'WARN', ...faultEnv },
  });
  const { faults } = config();
  const faultsOn = Object.values(faults).some((rate) => rate > 0);
  if (faultsOn) {
    console.log(
      `kuota: FAULT INJECTION ON: DynamoDB throttling ${faults.throttleRate}, transaction conflicts ${faults.transactionConflictRate}, lost responses ${faults.lostResponseRate}`,
    );
  }

  // Where the running stack lives, for `npm run ledger:check` and `npm run surge` (the process ids for the
  // surge's crash test, which kills them).
  writeFileSync(
    join(stateDirectory, 'runtime.json'),
    `${JSON.stringify({ apiBaseUrl: cloud.runtime.url, dynamoDbEndpoint: dynamoDb.endpoint, sqsEndpoint: sqs.endpoint, tables: cloud.tables, queues: cloud.queues, pids: { runtime: process.pid, dynamoDb: dynamoDb.pid } }, null, 2)}\n`,
  );
  const credentialsFile = join(stateDirectory, 'credentials.json');
  const apiBaseUrl = `http://127.0.0.1:${port}`;
  if (!existsSync(credentialsFile) || !(await withStoreRetries(() => resellerStore.getReseller('R01')))) {
    const seeded = await seedParties();
    const credentials = {
      apiBaseUrl,
      resellers: seeded.resellers,
      regulatorKey: seeded.regulatorKey,
      webhookSecrets: {
        taxAuthority: secrets.taxAuthorityWebhookSecret,
        paymentGateway: secrets.paymentGatewayWebhookSecret,
      },
    };
    writeFileSync(credentialsFile, `${JSON.stringify(credentials, null, 2)}\n`, { mode: 0o600 });
    console.log('kuota: seeded 26 resellers (R01-R26) and the regulator');
  } else {
    console.log('kuota: kept the data and credentials of the previous run (use --fresh to wipe)');
  }

  console.log(`
kuota is running
  API          ${apiBaseUrl}
  OpenAPI      ${apiBaseUrl}/openapi.json
  credentials  ${credentialsFile}
  DynamoDB     ${dynamoDb.endpoint}  (data in ${join(stateDirectory, 'dynamodb')})
  SQS, S3      ${sqs.endpoint}  (data in ${join(stateDirectory, 'sqs')})
  sandbox CA   ${join(signingDirectory, 'root-ca.pem')}${faultsOn ? `\n  faults       DynamoDB throttling ${faults.throttleRate}, conflicts ${faults.transactionConflictRate}, lost responses ${faults.lostResponseRate}` : ''}
Press Ctrl-C to stop.`);

  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    console.log('\nkuota: stopping...');
    await cloud.stop().catch(() => undefined);
    await sqs.stop().catch(() => undefined);
    await dynamoDb.stop().catch(() => undefined);
    process.exit(0);
  };
  process.on('SIGINT', () => void stop());
  process.on('SIGTERM', () => void stop());
};

main().catch(async (error: unknown) => {
  if (error instanceof JavaMissingError) {
    console.error(`kuota: ${error.message}`);
  } else {
    console.error('kuota: failed to start:', error);
  }
  for (const emulator of started.reverse()) await emulator.stop().catch(() => undefined);
  process.exit(1);
});
