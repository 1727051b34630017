import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { mainStore } from '../lib/adapters/main-store.js';
import { JavaMissingError, startDynamoDbLocal, startSqsEmulator } from '../lib/runtime/emulators.js';
import { bootLocalCloud, newLocalSecrets } from '../lib/runtime/local-cloud.js';
import { seedParties } from '../lib/runtime/seed.js';
import type { Secrets } from '../lib/secrets.js';

/**
 * `npm start`: DynamoDB Local (persisted under .kuota/), fauxqs, the tables and queues of the CDK stack,
 * 26 seeded resellers and the regulator, and the HTTP API on PORT (default 3000).
 * `npm start -- --fresh` wipes .kuota/ first.
 */
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED = 'true';
const stateDirectory = resolve(process.cwd(), '.kuota');
const fresh = process.argv.includes('--fresh');
const port = Number(process.env.PORT ?? 3000);

const main = async () => {
  if (fresh) rmSync(stateDirectory, { recursive: true, force: true });
  mkdirSync(stateDirectory, { recursive: true });

  const secretsFile = join(stateDirectory, 'secrets.json');
  const secrets: Secrets = existsSync(secretsFile)
    ? (JSON.parse(readFileSync(secretsFile, 'utf8')) as Secrets)
    : newLocalSecrets();
  writeFileSync(secretsFile, JSON.stringify(secrets, null, 2), { mode: 0o600 });

  console.log('kuota: starting DynamoDB Local and the SQS emulator...');
  const dynamoDb = await startDynamoDbLocal({ dataDirectory: join(stateDirectory, 'dynamodb') });
  const sqs = await startSqsEmulator({});
  const cloud = await bootLocalCloud({
    dynamoDbEndpoint: dynamoDb.endpoint,
    sqsEndpoint: sqs.endpoint,
    prefix: 'kuota-local',
    port,
    secrets,
    runSchedules: true,
    extraEnv: { KUOTA_LOG_LEVEL: process.env.KUOTA_LOG_LEVEL ?? 'WARN' },
  });

  // Where the running stack lives, for `npm run ledger:check` and `npm run surge`.
  writeFileSync(
    join(stateDirectory, 'runtime.json'),
    `${JSON.stringify({ apiBaseUrl: `http://127.0.0.1:${port}`, dynamoDbEndpoint: dynamoDb.endpoint, sqsEndpoint: sqs.endpoint, tables: cloud.tables, queues: cloud.queues }, null, 2)}\n`,
  );
  const credentialsFile = join(stateDirectory, 'credentials.json');
  const apiBaseUrl = `http://127.0.0.1:${port}`;
  if (!existsSync(credentialsFile) || !(await mainStore.getReseller('R01'))) {
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
  SQS          ${sqs.endpoint}
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

main().catch((error: unknown) => {
  if (error instanceof JavaMissingError) {
    console.error(`kuota: ${error.message}`);
  } else {
    console.error('kuota: failed to start:', error);
  }
  process.exit(1);
});
