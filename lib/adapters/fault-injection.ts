import {
  ProvisionedThroughputExceededException,
  TransactionCanceledException,
} from '@aws-sdk/client-dynamodb';
import type { DeserializeMiddleware, MetadataBearer, Pluggable } from '@smithy/types';
import { EnvVar } from '../infra/resources.js';

/**
 * Faults that DynamoDB Local never produces but AWS does: throttling, transaction conflicts, and a write
 * that committed while its response was lost. Injected as an SDK middleware so the code under test is the
 * real adapter talking to the real emulator, and the SDK's own retry policy sees the faults as on AWS.
 */
export interface FaultPlan {
  /** Probability that a request fails with ProvisionedThroughputExceededException before reaching the table. */
  readonly throttleRate: number;
  /** Probability that a TransactWriteItems is cancelled with TransactionConflict before reaching the table. */
  readonly transactionConflictRate: number;
  /** Probability that a write reaches the table and commits, but the caller sees a network error. */
  readonly lostResponseRate: number;
  /**
   * Probability that each key of a BatchGetItem comes back unprocessed (as DynamoDB does when throttled):
   * read, but answered in `UnprocessedKeys` instead of `Responses`.
   */
  readonly unprocessedKeyRate?: number;
  /** Restrict the faults to these operations (e.g. ['TransactWriteItemsCommand']); all when empty. */
  readonly commands?: readonly string[];
}

export const NO_FAULTS: FaultPlan = { throttleRate: 0, transactionConflictRate: 0, lostResponseRate: 0 };

let plan: FaultPlan = NO_FAULTS;
let random: () => number = Math.random;
const counters = { throttled: 0, conflicted: 0, responsesLost: 0, keysLeftUnprocessed: 0 };

export const setFaultPlan = (next: FaultPlan, rng: () => number = Math.random): void => {
  plan = next;
  random = rng;
};
export const clearFaults = (): void => setFaultPlan(NO_FAULTS);
export const faultCounters = (): Readonly<typeof counters> => ({ ...counters });

const WRITE_COMMANDS = new Set([
  'PutItemCommand',
  'UpdateItemCommand',
  'DeleteItemCommand',
  'TransactWriteItemsCommand',
  'BatchWriteItemCommand',
]);

class LostResponseError extends Error {
  override readonly name = 'TimeoutError';
  readonly $metadata = {};
}

/**
 * The injected faults model kuota's own DynamoDB. The simulated external parties keep their state in the
 * sandbox table and have fault settings of their own (`POST /sandbox/faults`), so their requests are left
 * alone: a test of kuota under DynamoDB faults must not become a test of a flaky civil registry.
 */
const targetsSandbox = (input: unknown): boolean => {
  const sandboxTable = process.env[EnvVar.sandboxTable];
  if (!sandboxTable || !input || typeof input !== 'object') return false;
  const request = input as {
    TableName?: string;
    TransactItems?: Record<string, { TableName?: string } | undefined>[];
    RequestItems?: Record<string, unknown>;
  };
  if (request.TableName) return request.TableName === sandboxTable;
  if (request.TransactItems)
    return request.TransactItems.every((item) =>
      Object.values(item).some((operation) => operation?.TableName === sandboxTable),
    );
  if (request.RequestItems) return Object.keys(request.RequestItems).every((name) => name === sandboxTable);
  return false;
};

interface BatchGetOutput {
  Responses?: Record<string, Record<string, unknown>[]>;
  UnprocessedKeys?: Record<string, { Keys?: Record<string, unknown>[] }>;
}

/** Moves items of a BatchGetItem's answer, at `rate`, to its UnprocessedKeys (their keys only). */
const leaveKeysUnprocessed = (output: BatchGetOutput, rate: number) => {
  for (const [table, items] of Object.entries(output.Responses ?? {})) {
    const kept: Record<string, unknown>[] = [];
    const left: Record<string, unknown>[] = [];
    for (const item of items) (random() < rate ? left : kept).push(item);
    if (left.length === 0) continue;
    counters.keysLeftUnprocessed += left.length;
    output.Responses = { ...output.Responses, [table]: kept };
    const keys = left.map((item) => ({ pk: item.pk, sk: item.sk }));
    const earlier = output.UnprocessedKeys?.[table]?.Keys ?? [];
    output.UnprocessedKeys = { ...output.UnprocessedKeys, [table]: { Keys: [...earlier, ...keys] } };
  }
};

const faultMiddleware: DeserializeMiddleware<object, MetadataBearer> = (next, context) => async (args) => {
  const command = String((context as { commandName?: string }).commandName ?? '');
  const applies =
    (!plan.commands?.length || plan.commands.includes(command)) &&
    !targetsSandbox((args as { input?: unknown }).input);
  if (applies && plan.throttleRate > 0 && random() < plan.throttleRate) {
    counters.throttled += 1;
    throw new ProvisionedThroughputExceededException({
      message: 'injected: throughput exceeds the partition limit',
      $metadata: {},
    });
  }
  if (
    applies &&
    command === 'TransactWriteItemsCommand' &&
    plan.transactionConflictRate > 0 &&
    random() < plan.transactionConflictRate
  ) {
    counters.conflicted += 1;
    throw new TransactionCanceledException({
      message: 'injected: Transaction cancelled, please refer cancellation reasons for specific reasons',
      $metadata: {},
      CancellationReasons: [{ Code: 'TransactionConflict', Message: 'injected conflict' }],
    });
  }
  const result = await next(args);
  if (applies && command === 'BatchGetItemCommand' && (plan.unprocessedKeyRate ?? 0) > 0)
    leaveKeysUnprocessed(result.output as unknown as BatchGetOutput, plan.unprocessedKeyRate ?? 0);
  if (
    applies &&
    WRITE_COMMANDS.has(command) &&
    plan.lostResponseRate > 0 &&
    random() < plan.lostResponseRate
  ) {
    counters.responsesLost += 1;
    throw new LostResponseError('injected: the write committed but its response was lost');
  }
  return result;
};

export const faultInjectionPlugin: Pluggable<object, MetadataBearer> = {
  applyToStack: (stack) => {
    stack.add(faultMiddleware, { step: 'deserialize', name: 'kuotaFaultInjection', priority: 'high' });
  },
};

/**
 * Named crash points between the steps of a multi-step use case. Disarmed they cost one Set lookup; a test
 * arms one to make the process "die" right there (the error escapes, as a killed Lambda's work would stop)
 * and then checks that redelivery finishes the work exactly once.
 */
export class InjectedCrash extends Error {
  override readonly name = 'InjectedCrash';
}

const armedCrashes = new Map<string, number>();

/** Arms `point` to crash the next `times` times it is reached. */
export const armCrash = (point: string, times = 1): void => {
  armedCrashes.set(point, times);
};
export const disarmCrashes = (): void => armedCrashes.clear();

export const crashPoint = (point: string): void => {
  const remaining = armedCrashes.get(point);
  if (!remaining) return;
  if (remaining <= 1) armedCrashes.delete(point);
  else armedCrashes.set(point, remaining - 1);
  throw new InjectedCrash(`injected crash at ${point}`);
};
