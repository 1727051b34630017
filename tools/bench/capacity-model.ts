import { consumerMaxConcurrency } from '../../lib/infra/resources.js';

/**
 * From what one stamp costs in requests and capacity units (measured by `npm run bench`) and AWS's
 * documented limits, how many stamps per second one reseller and the whole country can sell, and which
 * limit binds first. Pure arithmetic: every input is explicit, so the tests can check it by hand.
 */

/** AWS limits (defaults as documented; several are soft quotas that a support case can raise). */
export interface AwsLimits {
  /** DynamoDB: one partition serves at most 1,000 WCU/s and 3,000 RCU/s, whatever the table's mode. */
  readonly partitionWriteUnitsPerSecond: number;
  readonly partitionReadUnitsPerSecond: number;
  /** DynamoDB on-demand: default per-table throughput quota (40,000 RRU/s and 40,000 WRU/s). */
  readonly tableWriteUnitsPerSecond: number;
  readonly tableReadUnitsPerSecond: number;
  /** Lambda: default account concurrency per Region (soft). */
  readonly lambdaAccountConcurrency: number;
  /** Lambda: each function scales by this many execution environments every 10 seconds. */
  readonly lambdaScalingPer10Seconds: number;
  /** Lambda SQS event source (standard queue): concurrent batches it can process at most. */
  readonly sqsPollerMaxConcurrency: number;
  /** ... starting at this many, growing by this many a minute while messages wait. */
  readonly sqsPollerInitialConcurrency: number;
  readonly sqsPollerScalingPerMinute: number;
  /** API Gateway: account-level steady-state throttle per Region (requests per second). */
  readonly apiGatewayRequestsPerSecond: number;
  /**
   * DynamoDB transactions that touch one item are serialised: one that overlaps another on the same item is
   * cancelled (TransactionConflict). At ~10 ms per transaction an item takes about 100 a second before
   * conflicts dominate; a modelling assumption, not a documented quota.
   */
  readonly transactionsPerItemPerSecond: number;
}

export const AWS_DEFAULT_LIMITS: AwsLimits = {
  partitionWriteUnitsPerSecond: 1_000,
  partitionReadUnitsPerSecond: 3_000,
  tableWriteUnitsPerSecond: 40_000,
  tableReadUnitsPerSecond: 40_000,
  lambdaAccountConcurrency: 1_000,
  lambdaScalingPer10Seconds: 1_000,
  sqsPollerMaxConcurrency: 1_000,
  sqsPollerInitialConcurrency: 5,
  sqsPollerScalingPerMinute: 300,
  apiGatewayRequestsPerSecond: 10_000,
  transactionsPerItemPerSecond: 100,
};

/**
 * Soft quotas raised for a deadline (each through a Service Quotas request or support case), with the page
 * that documents the default. Hard limits (per partition, per item) cannot be raised and stay as they are.
 */
export const DEADLINE_QUOTAS: readonly {
  readonly limit: keyof AwsLimits;
  readonly value: number;
  readonly quota: string;
  readonly source: string;
}[] = [
  {
    limit: 'apiGatewayRequestsPerSecond',
    value: 50_000,
    quota:
      'API Gateway: throttle quota per account, per Region across HTTP, REST, WebSocket APIs (10,000 rps)',
    source: 'Amazon API Gateway Developer Guide, "Amazon API Gateway quotas"',
  },
  {
    limit: 'lambdaAccountConcurrency',
    value: 10_000,
    // Deployed with `-c accountConcurrency=10000`, so the queue consumers scale with it (cdk/stack.ts).
    quota: 'Lambda: concurrent executions per Region (1,000); deploy with -c accountConcurrency=10000',
    source: 'AWS Lambda Developer Guide, "Lambda quotas"',
  },
  {
    limit: 'tableWriteUnitsPerSecond',
    value: 200_000,
    quota: 'DynamoDB: table-level write throughput, on-demand (40,000 WRU/s per table)',
    source: 'Amazon DynamoDB Developer Guide, "Service, account, and table quotas in Amazon DynamoDB"',
  },
  {
    limit: 'tableReadUnitsPerSecond',
    value: 200_000,
    quota: 'DynamoDB: table-level read throughput, on-demand (40,000 RRU/s per table)',
    source: 'Amazon DynamoDB Developer Guide, "Service, account, and table quotas in Amazon DynamoDB"',
  },
];

export const withDeadlineQuotas = (limits: AwsLimits): AwsLimits => ({
  ...limits,
  ...Object.fromEntries(DEADLINE_QUOTAS.map((quota) => [quota.limit, quota.value])),
});

/** A group of partition keys a design writes for every stamp: one reseller's shards, an index's buckets… */
export interface PartitionClass {
  readonly name: string;
  /** `reseller`: the keys of one reseller (its stamps load them); `national`: shared by every sale. */
  readonly scope: 'reseller' | 'national';
  /** Distinct keys the load spreads over (measured). */
  readonly keys: number;
  /** True for a reseller's stock shards (and what is sharded like them): `shards` then replaces `keys`. */
  readonly sharded: boolean;
  /** Units on the whole class per stamp sold (by that reseller for `reseller`, by anyone for `national`). */
  readonly writeUnitsPerStamp: number;
  readonly readUnitsPerStamp: number;
  /** Its items are written inside transactions (2 WRU per write), so they also conflict with each other. */
  readonly transactional?: boolean;
}

export interface FunctionLoad {
  readonly id: string;
  readonly trigger: 'api' | 'queue' | 'schedule';
  readonly invocationsPerStamp: number;
  readonly meanDurationMs: number;
  readonly memoryMb: number;
  /** A queue consumer's event source maximum concurrency (the stack sets one per queue). */
  readonly maxConcurrency?: number;
}

export interface DesignMeasurements {
  readonly design: string;
  readonly apiRequestsPerStamp: number;
  readonly tables: readonly { name: string; writeUnitsPerStamp: number; readUnitsPerStamp: number }[];
  readonly partitionClasses: readonly PartitionClass[];
  readonly functions: readonly FunctionLoad[];
}

export interface ModelOptions {
  /** Stock shards per reseller (kuota's KUOTA_STOCK_SHARDS); applies to sharded classes. */
  readonly shards: number;
  /** Resellers selling at the same time (10 of the 26 sold to the public in 2024). */
  readonly activeResellers: number;
  /** Stamps to sell (11 M: the top of the CASN 2024 estimate). */
  readonly stamps: number;
  /** Multiplies measured Lambda durations (measured locally under the surge; AWS may be faster). */
  readonly durationScale: number;
  readonly limits: AwsLimits;
}

export interface Limit {
  readonly name: string;
  readonly stampsPerSecond: number;
  readonly detail: string;
}

export interface CapacityResult {
  readonly design: string;
  readonly perReseller: {
    readonly stampsPerSecond: number;
    readonly binding: Limit;
    readonly limits: Limit[];
  };
  /** One reseller's own partitions only (what no account quota increase can raise). */
  readonly resellerKeys: { readonly stampsPerSecond: number; readonly binding?: Limit };
  readonly national: { readonly stampsPerSecond: number; readonly binding: Limit; readonly limits: Limit[] };
  /** Seconds to sell `stamps` at the national rate, and the warm-up (scaling) it needs first. */
  readonly secondsForStamps: number;
  readonly rampSeconds: number;
}

const perSecond = (budget: number, perStamp: number): number => (perStamp > 0 ? budget / perStamp : Infinity);

const lowest = (limits: Limit[]): Limit =>
  limits.reduce((best, limit) => (limit.stampsPerSecond < best.stampsPerSecond ? limit : best));

const fmt = (value: number, digits = 2) =>
  value.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: 0 });

/** Partition limits of one class: its busiest key (load spread evenly over `keys`) at 1,000 WCU / 3,000 RCU. */
export const partitionLimit = (partitionClass: PartitionClass, options: ModelOptions): Limit => {
  const keys = Math.max(1, partitionClass.sharded ? options.shards : partitionClass.keys);
  const writes = perSecond(
    options.limits.partitionWriteUnitsPerSecond * keys,
    partitionClass.writeUnitsPerStamp,
  );
  const reads = perSecond(
    options.limits.partitionReadUnitsPerSecond * keys,
    partitionClass.readUnitsPerStamp,
  );
  const byWrites = writes <= reads;
  if (partitionClass.transactional) {
    // Each transactional write of an item bills 2 WRU (items under 1 KB): writes per stamp on the class.
    const transactions = perSecond(
      options.limits.transactionsPerItemPerSecond * keys,
      partitionClass.writeUnitsPerStamp / 2,
    );
    if (transactions < Math.min(writes, reads)) {
      return {
        name: `transactions per item: ${partitionClass.name}`,
        stampsPerSecond: transactions,
        detail: `${keys} item(s) × ${fmt(options.limits.transactionsPerItemPerSecond, 0)} transactions/s ÷ ${fmt(partitionClass.writeUnitsPerStamp / 2)} transactional writes per stamp`,
      };
    }
  }
  return {
    name: `partition: ${partitionClass.name}`,
    stampsPerSecond: Math.min(writes, reads),
    detail: byWrites
      ? `${keys} key(s) × ${fmt(options.limits.partitionWriteUnitsPerSecond, 0)} WCU/s ÷ ${fmt(partitionClass.writeUnitsPerStamp)} WRU per stamp`
      : `${keys} key(s) × ${fmt(options.limits.partitionReadUnitsPerSecond, 0)} RCU/s ÷ ${fmt(partitionClass.readUnitsPerStamp)} RRU per stamp`,
  };
};

/** Lambda concurrency one stamp per second needs: Σ invocations per stamp × seconds per invocation. */
export const concurrencyPerStampPerSecond = (
  functions: readonly FunctionLoad[],
  durationScale: number,
): number =>
  functions.reduce((sum, fn) => sum + fn.invocationsPerStamp * (fn.meanDurationMs / 1000) * durationScale, 0);

export const capacity = (design: DesignMeasurements, options: ModelOptions): CapacityResult => {
  const { limits } = options;
  const resellerLimits = design.partitionClasses
    .filter((partitionClass) => partitionClass.scope === 'reseller')
    .map((partitionClass) => partitionLimit(partitionClass, options));

  const national: Limit[] = [];
  for (const partitionClass of design.partitionClasses.filter((entry) => entry.scope === 'national')) {
    national.push(partitionLimit(partitionClass, options));
  }
  for (const table of design.tables) {
    const writes = perSecond(limits.tableWriteUnitsPerSecond, table.writeUnitsPerStamp);
    const reads = perSecond(limits.tableReadUnitsPerSecond, table.readUnitsPerStamp);
    national.push({
      name: `table quota: ${table.name}`,
      stampsPerSecond: Math.min(writes, reads),
      detail:
        writes <= reads
          ? `${fmt(limits.tableWriteUnitsPerSecond, 0)} WRU/s ÷ ${fmt(table.writeUnitsPerStamp)} WRU per stamp`
          : `${fmt(limits.tableReadUnitsPerSecond, 0)} RRU/s ÷ ${fmt(table.readUnitsPerStamp)} RRU per stamp`,
    });
  }
  national.push({
    name: 'API Gateway account throttle',
    stampsPerSecond: perSecond(limits.apiGatewayRequestsPerSecond, design.apiRequestsPerStamp),
    detail: `${fmt(limits.apiGatewayRequestsPerSecond, 0)} req/s ÷ ${fmt(design.apiRequestsPerStamp)} requests per stamp`,
  });
  const concurrencyPerStamp = concurrencyPerStampPerSecond(design.functions, options.durationScale);
  national.push({
    name: 'Lambda account concurrency',
    stampsPerSecond: perSecond(limits.lambdaAccountConcurrency, concurrencyPerStamp),
    detail: `${fmt(limits.lambdaAccountConcurrency, 0)} ÷ ${fmt(concurrencyPerStamp, 4)} concurrent executions per stamp/s`,
  });
  for (const fn of design.functions.filter((entry) => entry.trigger === 'queue')) {
    const perStamp = concurrencyPerStampPerSecond([fn], options.durationScale);
    // The stack scales each consumer with the account's quota (`consumerMaxConcurrency`, context
    // `accountConcurrency`), so a raised quota deployed as such raises the consumers' bounds with it.
    const deployed =
      fn.maxConcurrency === undefined
        ? Infinity
        : consumerMaxConcurrency({ maxConcurrency: fn.maxConcurrency }, limits.lambdaAccountConcurrency);
    const bound = Math.min(limits.sqsPollerMaxConcurrency, deployed);
    national.push({
      name: `SQS event source: ${fn.id}`,
      stampsPerSecond: perSecond(bound, perStamp),
      detail: `${fmt(bound, 0)} concurrent batches (its maximum concurrency at an account concurrency of ${fmt(limits.lambdaAccountConcurrency, 0)}) ÷ ${fmt(perStamp, 4)} per stamp/s`,
    });
  }
  const activeResellers = Math.max(1, options.activeResellers);
  const perResellerFloor = resellerLimits.length > 0 ? lowest(resellerLimits) : undefined;
  if (perResellerFloor) {
    national.push({
      name: `${activeResellers} resellers at their own limit`,
      stampsPerSecond: perResellerFloor.stampsPerSecond * activeResellers,
      detail: `${activeResellers} × ${fmt(perResellerFloor.stampsPerSecond, 0)} stamps/s (${perResellerFloor.name})`,
    });
  }
  const nationalBinding = lowest(national);
  const resellerAll = [
    ...resellerLimits,
    ...national.filter((limit) => !limit.name.includes('resellers at')),
  ];
  const resellerBinding = lowest(resellerAll);

  const rate = nationalBinding.stampsPerSecond;
  // Warm-up: Lambda adds 1,000 environments per 10 s per function; the SQS event source starts at 5 batches
  // and adds 300 a minute. The queue consumer's ramp dominates when it needs many concurrent batches.
  const rampSeconds = Math.max(
    0,
    ...design.functions.map((fn) => {
      const needed = fn.invocationsPerStamp * rate * (fn.meanDurationMs / 1000) * options.durationScale;
      if (fn.trigger === 'schedule') return 0;
      if (fn.trigger === 'queue') {
        return (
          (Math.max(0, needed - limits.sqsPollerInitialConcurrency) / limits.sqsPollerScalingPerMinute) * 60
        );
      }
      return (needed / limits.lambdaScalingPer10Seconds) * 10;
    }),
  );
  const ownKeys = resellerLimits.length > 0 ? lowest(resellerLimits) : undefined;
  return {
    design: design.design,
    resellerKeys: ownKeys
      ? { stampsPerSecond: ownKeys.stampsPerSecond, binding: ownKeys }
      : { stampsPerSecond: Infinity },
    perReseller: {
      stampsPerSecond: resellerBinding.stampsPerSecond,
      binding: resellerBinding,
      limits: resellerAll.sort((a, b) => a.stampsPerSecond - b.stampsPerSecond),
    },
    national: {
      stampsPerSecond: rate,
      binding: nationalBinding,
      limits: national.sort((a, b) => a.stampsPerSecond - b.stampsPerSecond),
    },
    secondsForStamps: options.stamps / rate,
    rampSeconds,
  };
};
