import { backgroundFunctions, LAMBDA_ARCHITECTURE } from '../../lib/infra/functions.js';
import { Queues } from '../../lib/infra/resources.js';
import { mean, percentile } from '../common/stats.js';
import type { BenchContext } from './bench-stack.js';
import { costPerMillionStamps, type PriceSheet } from './prices.js';
import type { RunResult } from './run-workload.js';
import { type Design, StatusTally } from './workload.js';

/**
 * Partition keys of one buyer, one order or one client: never shared, so never hot, and left out of the
 * classes. `LAPSES#` is one client's (source IP's) lapse count of an hour: every bench client shares the
 * loopback address, so here it is one key, which it never is on AWS; even a carrier-grade NAT address
 * shared by thousands of phones reads it at 0.5 RRU an order, 6,000 orders/s before its partition's
 * 3,000 RCU/s bind.
 */
const PER_BUYER_PREFIXES = [
  'SORDER#',
  'NIKDAY#',
  'RATE#',
  'PAYMENT#',
  'SERIAL#',
  'ORDER#',
  'REFUND#',
  'LAPSES#',
];

type Runs = readonly RunResult[];

/** A figure summed over the runs. */
const sumOver = (mine: Runs, pick: (result: RunResult) => number) =>
  mine.reduce((total, result) => total + pick(result), 0);

/** Every run's requests by kind and status, in one tally. */
const mergeStatuses = (mine: Runs) => {
  const statuses = new StatusTally();
  for (const result of mine) {
    for (const [kind, byStatus] of Object.entries(result.statuses)) {
      for (const [status, count] of Object.entries(byStatus)) {
        for (let i = 0; i < count; i += 1) statuses.add(kind, Number(status));
      }
    }
  }
  return statuses;
};

/**
 * Each function's invocations and GB-seconds: billed at the quiet pass's mean duration where it has one
 * (under the surge, durations are mostly queueing on the one event loop), and at the surge's as well.
 */
const functionFigures = (
  bench: BenchContext,
  design: Design,
  mine: Runs,
  quiet: ReadonlyMap<string, number>,
  stamps: number,
) =>
  (design === 'kuota' ? bench.kuotaFunctions : bench.baselineFunctions).map((fn) => {
    const invocations = sumOver(mine, (result) => result.invocations[fn.id] ?? 0);
    const timed = mine.reduce(
      (total, result) => {
        const tally = result.durationsMs[fn.id] ?? { count: 0, totalMs: 0 };
        return { count: total.count + tally.count, totalMs: total.totalMs + tally.totalMs };
      },
      { count: 0, totalMs: 0 },
    );
    const surgeMeanDurationMs = timed.count > 0 ? timed.totalMs / timed.count : 0;
    const meanDurationMs = quiet.get(fn.id) ?? surgeMeanDurationMs;
    const consumed = backgroundFunctions.find((spec) => spec.id === fn.id)?.trigger;
    return {
      id: fn.id,
      trigger: fn.trigger,
      memoryMb: fn.memoryMb,
      ...(consumed?.kind === 'queue' ? { maxConcurrency: Queues[consumed.queue].maxConcurrency } : {}),
      invocations,
      invocationsPerStamp: invocations / stamps,
      meanDurationMs,
      surgeMeanDurationMs,
      gbSeconds: invocations * (meanDurationMs / 1000) * (fn.memoryMb / 1024),
      surgeGbSeconds: invocations * (surgeMeanDurationMs / 1000) * (fn.memoryMb / 1024),
    };
  });

/** The meter's totals over the runs; SQS requests leave out the pollers' empty receives. */
const meterTotals = (mine: Runs) => ({
  wru: sumOver(mine, (result) => result.meter.dynamodb.writeUnits),
  rru: sumOver(mine, (result) => result.meter.dynamodb.readUnits),
  indexWru: sumOver(mine, (result) => result.meter.dynamodb.indexWriteUnits),
  dynamoRequests: sumOver(mine, (result) => result.meter.dynamodb.requests),
  sqsRequests: sumOver(mine, (result) => result.meter.sqs.requests - result.meter.sqs.emptyReceives),
  emptyReceives: sumOver(mine, (result) => result.meter.sqs.emptyReceives),
});

/** Units per stamp by table, named without the bench's `bench-` prefix. */
const unitsByTable = (mine: Runs, stamps: number) => {
  const byTable: Record<string, { writeUnits: number; readUnits: number }> = {};
  for (const result of mine) {
    for (const [table, tally] of Object.entries(result.meter.dynamodb.byTable)) {
      const name = table.replace(/^bench-/, '');
      byTable[name] ??= { writeUnits: 0, readUnits: 0 };
      (byTable[name] as { writeUnits: number }).writeUnits += tally.writeUnits;
      (byTable[name] as { readUnits: number }).readUnits += tally.readUnits;
    }
  }
  return Object.fromEntries(
    Object.entries(byTable).map(([name, units]) => [
      name,
      { writeUnitsPerStamp: units.writeUnits / stamps, readUnitsPerStamp: units.readUnits / stamps },
    ]),
  );
};

/** Requests and units by DynamoDB command, summed over the runs. */
const unitsByCommand = (mine: Runs) => {
  type CommandUnits = { requests: number; conditionFailed: number; writeUnits: number; readUnits: number };
  const byCommand: Record<string, CommandUnits> = {};
  for (const result of mine) {
    for (const [command, tally] of Object.entries(result.meter.dynamodb.byCommand)) {
      byCommand[command] ??= { requests: 0, conditionFailed: 0, writeUnits: 0, readUnits: 0 };
      const entry = byCommand[command] as CommandUnits;
      entry.requests += tally.requests;
      // Refused writes are billed: how many of the requests they were shows where write units went to waste.
      entry.conditionFailed += tally.conditionFailed;
      entry.writeUnits += tally.writeUnits;
      entry.readUnits += tally.readUnits;
    }
  }
  return byCommand;
};

/** Latencies over the runs: intake, and from the first POST to the QR in the client's hands. */
const latencyFigures = (mine: Runs) => {
  const intake = mine.flatMap((result) => result.intakeMs);
  return {
    intakeP50Ms: percentile(intake, 50),
    intakeP95Ms: percentile(intake, 95),
    intakeP99Ms: percentile(intake, 99),
    timeToPayableP50Ms: percentile(
      mine.flatMap((result) => result.payableMs),
      50,
    ),
    timeToPayableP99Ms: percentile(
      mine.flatMap((result) => result.payableMs),
      99,
    ),
  };
};

/** How the journeys ended over the runs, and why those that did not sell did not. */
const outcomeFigures = (mine: Runs) => ({
  outcomes: Object.fromEntries(
    ['FULFILLED', 'REFUSED', 'REJECTED', 'ERROR', 'TIMEOUT'].map((key) => [
      key,
      sumOver(mine, (result) => result.outcomes[key] ?? 0),
    ]),
  ),
  reasons: mine.reduce<Record<string, number>>((all, result) => {
    for (const [reason, count] of Object.entries(result.reasons)) all[reason] = (all[reason] ?? 0) + count;
    return all;
  }, {}),
});

/** The error report's counts; 409 and 404 are answers the clients expect, so not "other 4xx". */
const httpFigures = (statuses: StatusTally) => ({
  httpStatuses: statuses.counts,
  http429: statuses.count((status) => status === 429),
  http5xx: statuses.count((status) => status >= 500),
  httpNetworkErrors: statuses.count((status) => status === 0),
  http4xxOther: statuses.count(
    (status) => status >= 400 && status < 500 && status !== 429 && status !== 409 && status !== 404,
  ),
});

/** One design's figures over its runs: latencies, outcomes, units and invocations per stamp, cost. */
export const summarizeDesign = (
  bench: BenchContext,
  { results, quiet }: { readonly results: readonly RunResult[]; readonly quiet: ReadonlyMap<string, number> },
  prices: PriceSheet,
  design: Design,
) => {
  const mine = results.filter((result) => result.design === design);
  const stamps = sumOver(mine, (result) => result.stampsSold);
  const functions = functionFigures(bench, design, mine, quiet, stamps);
  const ofFunctions = (pick: (fn: (typeof functions)[number]) => number) =>
    functions.reduce((total, fn) => total + pick(fn), 0);
  const apiRequests = ofFunctions((fn) => (fn.trigger === 'api' ? fn.invocations : 0));
  const invocations = ofFunctions((fn) => fn.invocations);
  const gbSeconds = ofFunctions((fn) => fn.gbSeconds);
  const surgeGbSeconds = ofFunctions((fn) => fn.surgeGbSeconds);
  const { wru, rru, indexWru, dynamoRequests, sqsRequests, emptyReceives } = meterTotals(mine);
  const usage = {
    stampsSold: stamps,
    dynamoDbWriteUnits: wru,
    dynamoDbReadUnits: rru,
    sqsRequests,
    lambdaInvocations: invocations,
    lambdaGbSeconds: gbSeconds,
    apiGatewayRequests: apiRequests,
  };
  return {
    design,
    runs: mine.length,
    ordersFulfilled: sumOver(mine, (result) => result.ordersFulfilled),
    stampsSold: stamps,
    ...latencyFigures(mine),
    completedOrdersPerSecond: mean(mine.map((result) => result.completedOrdersPerSecond)),
    ...outcomeFigures(mine),
    ...httpFigures(mergeStatuses(mine)),
    perStamp: {
      dynamoDbWriteUnits: wru / stamps,
      dynamoDbIndexWriteUnits: indexWru / stamps,
      dynamoDbReadUnits: rru / stamps,
      dynamoDbRequests: dynamoRequests / stamps,
      sqsRequests: sqsRequests / stamps,
      handlerInvocations: invocations / stamps,
      apiRequests: apiRequests / stamps,
      lambdaGbSeconds: gbSeconds / stamps,
      lambdaGbSecondsUnderSurge: surgeGbSeconds / stamps,
    },
    sqsEmptyReceives: emptyReceives,
    byTable: unitsByTable(mine, stamps),
    byCommand: unitsByCommand(mine),
    functions,
    partitionClasses: sharedPartitions(design, mine, stamps),
    writeUnitsByItemKind: unitsByItemKind(mine, stamps, 'writeUnits'),
    readUnitsByItemKind: unitsByItemKind(mine, stamps, 'readUnits'),
    usage,
    // kuota's functions run on arm64 (cdk/constructs/kuota-function.ts); the baseline gets Lambda's default.
    costPerMillionStamps: costPerMillionStamps(
      usage,
      prices,
      design === 'kuota' ? LAMBDA_ARCHITECTURE : 'x86_64',
    ),
    invariantsOk: mine.every((result) => result.invariant.ok),
    invariantDetails: mine.map((result) => result.invariant.detail),
  };
};

/**
 * Write (or read) units per stamp by the kind of item they landed on (the partition key's first segment, `SORDER`,
 * `STOCK`, `NIKDAY`…, index partitions apart): where a stamp's writes go, largest first.
 */
const unitsByItemKind = (
  mine: Runs,
  stamps: number,
  units: 'writeUnits' | 'readUnits',
): Record<string, number> => {
  const kinds = new Map<string, number>();
  for (const result of mine) {
    for (const entry of result.partitions) {
      const kind = `${entry.index ? `${entry.index} ` : ''}${entry.partition.split('#')[0]}`;
      kinds.set(kind, (kinds.get(kind) ?? 0) + entry[units]);
    }
  }
  return Object.fromEntries(
    [...kinds.entries()]
      .filter(([, units]) => units > 0)
      .sort((a, b) => b[1] - a[1])
      .map(([kind, units]) => [kind, Math.round((units / stamps) * 100) / 100]),
  );
};

/**
 * Whether a hot reseller's partition class spreads over `KUOTA_STOCK_SHARDS` keys (the capacity model then
 * scales it with `--shards`): the stock shards and the ledger's partitions. The reseller order index has
 * buckets of its own (`RESELLER_ORDER_BUCKETS`), which the shard count does not change.
 */
export const shardedLikeStock = (generic: string): boolean => /^(STOCK|LEDGER)#<hot>#<n>$/.test(generic);

/**
 * Shared partition keys (not one buyer's or one order's), grouped by shape, the hot reseller's apart: the
 * 12 that take the most write units per key, per stamp sold, as the capacity model reads them.
 */
const sharedPartitions = (design: Design, mine: Runs, stamps: number) => {
  const classes = new Map<
    string,
    {
      scope: 'reseller' | 'national';
      keys: Set<string>;
      index?: string;
      writeUnits: number;
      readUnits: number;
      sharded: boolean;
    }
  >();
  const hotStamps = mine.reduce((total, result) => total + result.hotStampsSold, 0);
  for (const result of mine) {
    const hot = result.resellers[0] as string;
    for (const entry of result.partitions) {
      if (entry.table.endsWith('-idempotency')) continue;
      if (!entry.index && PER_BUYER_PREFIXES.some((prefix) => entry.partition.startsWith(prefix))) continue;
      const mentions = (id: string) =>
        entry.partition.includes(`#${id}#`) || entry.partition.endsWith(`#${id}`);
      const scope = mentions(hot) ? 'reseller' : 'national';
      if (scope === 'national' && result.resellers.some(mentions)) continue; // the other, cooler resellers
      const generic = entry.partition.replace(`#${hot}`, '#<hot>').replace(/#\d+$/, '#<n>');
      const name = `${entry.index ? `${entry.index} ` : ''}${generic}`;
      const current = classes.get(name) ?? {
        scope,
        keys: new Set<string>(),
        ...(entry.index ? { index: entry.index } : {}),
        writeUnits: 0,
        readUnits: 0,
        sharded: scope === 'reseller' && shardedLikeStock(generic),
      };
      current.keys.add(`${result.round}:${entry.partition}`);
      current.writeUnits += entry.writeUnits;
      current.readUnits += entry.readUnits;
      classes.set(name, current);
    }
  }
  return [...classes.entries()]
    .map(([name, entry]) => ({
      name,
      scope: entry.scope,
      keys: Math.max(1, Math.round(entry.keys.size / mine.length)),
      sharded: entry.sharded,
      // kuota's stock shards change inside transactions (they also conflict with one another).
      transactional: design === 'kuota' && name.startsWith('STOCK#'),
      writeUnitsPerStamp: entry.writeUnits / (entry.scope === 'reseller' ? hotStamps : stamps),
      readUnitsPerStamp: entry.readUnits / (entry.scope === 'reseller' ? hotStamps : stamps),
    }))
    .filter((entry) => entry.writeUnitsPerStamp + entry.readUnitsPerStamp > 0.001)
    .sort((a, b) => b.writeUnitsPerStamp / b.keys - a.writeUnitsPerStamp / a.keys)
    .slice(0, 12);
};
