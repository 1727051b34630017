import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../adapters/aws-clients.js';
import { storeCall } from '../adapters/dynamo-errors.js';
import {
  type RegistryFaultSettings,
  RegistryFaults,
  type WebhookFaultSettings,
  WebhookFaults,
} from '../api/schemas.js';
import { config } from '../config.js';
import { SandboxKeys } from '../infra/resources.js';

/** Webhook faults of the simulated external parties, stored so every sandbox function sees the same. */
export type Party = 'taxAuthority' | 'paymentGateway';
export type AllFaults = Record<Party, WebhookFaultSettings> & { civilRegistry: RegistryFaultSettings };

const NONE: WebhookFaultSettings = WebhookFaults.parse({});

export const readFaults = async (): Promise<AllFaults> => {
  const result = await storeCall(() =>
    dynamo().send(
      new GetCommand({ TableName: config().sandboxTable, Key: SandboxKeys.faults, ConsistentRead: true }),
    ),
  );
  return {
    taxAuthority: { ...NONE, ...(result.Item?.taxAuthority as WebhookFaultSettings | undefined) },
    paymentGateway: { ...NONE, ...(result.Item?.paymentGateway as WebhookFaultSettings | undefined) },
    civilRegistry: {
      ...RegistryFaults.parse({}),
      ...(result.Item?.civilRegistry as RegistryFaultSettings | undefined),
    },
  };
};

export const writeFaults = async (update: Partial<AllFaults>): Promise<AllFaults> => {
  const next = { ...(await readFaults()), ...update };
  await storeCall(() =>
    dynamo().send(
      new PutCommand({ TableName: config().sandboxTable, Item: { ...SandboxKeys.faults, ...next } }),
    ),
  );
  return next;
};

/**
 * How many copies of one webhook go out, and after what delay each: drop -> none; duplicates -> extra
 * copies; delay -> SQS DelaySeconds; reorder -> each copy gets a random extra delay so later events can
 * overtake earlier ones.
 */
export const planDeliveries = (
  faults: WebhookFaultSettings,
  random: () => number = Math.random,
): number[] => {
  if (random() < faults.dropRate) return [];
  let copies = 1;
  while (copies < 25 && random() < faults.duplicateRate) copies += 1;
  const baseSeconds = Math.ceil(faults.delayMs / 1000);
  return Array.from({ length: copies }, () =>
    Math.min(900, baseSeconds + (faults.reorder ? Math.floor(random() * 5) : 0)),
  );
};
