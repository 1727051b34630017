import { JavaMissingError, startDynamoDbLocal, startSqsEmulator } from './emulators.js';
import { bootLocalCloud, type LocalCloud, newLocalSecrets } from './local-cloud.js';

/**
 * A throw-away kuota for benchmarks: in-memory DynamoDB Local, fauxqs and the local runtime, stopped
 * together on `stop()` or when the process is interrupted (DynamoDB Local is a child Java process that
 * must not outlive it). Without Java it says how to install it and exits with status 2.
 */
export interface EphemeralCloud {
  readonly cloud: LocalCloud;
  /** Registers more clean-up, run in reverse order before the emulators stop. */
  onStop(stop: () => Promise<void>): void;
  stop(): Promise<void>;
}

export const startEphemeralCloud = async (options: {
  prefix: string;
  extraEnv?: Record<string, string>;
  /** Run the EventBridge schedules (sweepers, reconciliation) as `npm start` does. */
  runSchedules?: boolean;
}): Promise<EphemeralCloud> => {
  const stops: (() => Promise<void>)[] = [];
  const stop = async () => {
    for (const step of stops.splice(0).reverse()) await step().catch(() => undefined);
  };
  const interrupted = () => void stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  process.stdout.on('error', interrupted);

  const dynamoDb = await startDynamoDbLocal({}).catch((error: unknown) => {
    if (error instanceof JavaMissingError) {
      console.error(`\n${error.message}`);
      process.exit(2);
    }
    throw error;
  });
  stops.push(() => dynamoDb.stop());
  const sqs = await startSqsEmulator({});
  stops.push(() => sqs.stop());
  const cloud = await bootLocalCloud({
    dynamoDbEndpoint: dynamoDb.endpoint,
    sqsEndpoint: sqs.endpoint,
    prefix: options.prefix,
    port: 0,
    secrets: newLocalSecrets(),
    runSchedules: options.runSchedules ?? false,
    extraEnv: options.extraEnv,
  });
  stops.push(() => cloud.stop());
  return { cloud, onStop: (step) => stops.push(step), stop };
};
