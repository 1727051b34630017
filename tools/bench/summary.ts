import { backgroundFunctions } from '../../lib/infra/functions.js';
import { Queues } from '../../lib/infra/resources.js';
import { mean, percentile } from '../common/stats.js';
import type { BenchContext } from './bench-stack.js';
import { costPerMillionStamps, type PriceSheet } from './prices.js';
import type { RunResult } from './run-workload.js';
import { type Design, StatusTally } from './workload.js';

/** The bench's aggregation: each design's runs summed into the figures the report compares. */
const PER_BUYER_PREFIXES = ['SORDER#', 'NIKDAY#', 'RATE#', 'PAYMENT#', 'SERIAL#', 'ORDER#', 'REFUND#'];
/** One design's figures over its runs: latencies, outcomes, units and invocations per stamp, cost. */
export const summarizeDesign = (
  bench: BenchContext,
  { results, quiet }: { readonly results: readonly RunResult[]; readonly quiet: ReadonlyMap<string, number> },
  prices: PriceSheet,
  design: Design,
) => {
  const { kuotaFunctions, baselineFunctions } = bench;
  const mine = results.filter((result) => result.design === design);
  const sum = (pick: (result: RunResult) => number) =>
    mine.reduce((total, result) => total + pick(result), 0);
  const stamps = sum((result) => result.stampsSold);
  const orders = sum((result) => result.ordersFulfilled);
  const intake = mine.flatMap((result) => result.intakeMs);
  const statuses = new StatusTally();
  for (const result of mine) {
    for (const [kind, byStatus] of Object.entries(result.statuses)) {
      for (const [status, count] of Object.entries(byStatus)) {
        for (let i = 0; i < count; i += 1) statuses.add(kind, Number(status));
      }
    }
  }
  const functions = (design === 'kuota' ? kuotaFunctions : baselineFunctions).map((fn) => {
    const invocations = sum((result) => result.invocations[fn.id] ?? 0);
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
  const apiRequests = functions
    .filter((fn) => fn.trigger === 'api')
    .reduce((total, fn) => total + fn.invocations, 0);
  const invocations = functions.reduce((total, fn) => total + fn.invocations, 0);
  const gbSeconds = functions.reduce((total, fn) => total + fn.gbSeconds, 0);
  const surgeGbSeconds = functions.reduce((total, fn) => total + fn.surgeGbSeconds, 0);
  const wru = sum((result) => result.meter.dynamodb.writeUnits);
  const rru = sum((result) => result.meter.dynamodb.readUnits);
  const indexWru = sum((result) => result.meter.dynamodb.indexWriteUnits);
  const dynamoRequests = sum((result) => result.meter.dynamodb.requests);
  const sqsRequests = sum((result) => result.meter.sqs.requests - result.meter.sqs.emptyReceives);
  const emptyReceives = sum((result) => result.meter.sqs.emptyReceives);
  const byTable: Record<string, { writeUnits: number; readUnits: number }> = {};
  for (const result of mine) {
    for (const [table, tally] of Object.entries(result.meter.dynamodb.byTable)) {
      const name = table.replace(/^bench-/, '');
      byTable[name] ??= { writeUnits: 0, readUnits: 0 };
      (byTable[name] as { writeUnits: number }).writeUnits += tally.writeUnits;
      (byTable[name] as { readUnits: number }).readUnits += tally.readUnits;
    }
  }
  const byCommand: Record<string, { requests: number; writeUnits: number; readUnits: number }> = {};
  for (const result of mine) {
    for (const [command, tally] of Object.entries(result.meter.dynamodb.byCommand)) {
      byCommand[command] ??= { requests: 0, writeUnits: 0, readUnits: 0 };
      const entry = byCommand[command] as { requests: number; writeUnits: number; readUnits: number };
      entry.requests += tally.requests;
      entry.writeUnits += tally.writeUnits;
      entry.readUnits += tally.readUnits;
    }
  }

  const partitionClasses = sharedPartitions(design, mine, stamps);

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
    ordersFulfilled: orders,
    stampsSold: stamps,
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
    completedOrdersPerSecond: mean(mine.map((result) => result.completedOrdersPerSecond)),
    outcomes: Object.fromEntries(
      ['FULFILLED', 'REFUSED', 'REJECTED', 'ERROR', 'TIMEOUT'].map((key) => [
        key,
        sum((result) => result.outcomes[key] ?? 0),
      ]),
    ),
    reasons: mine.reduce<Record<string, number>>((all, result) => {
      for (const [reason, count] of Object.entries(result.reasons)) all[reason] = (all[reason] ?? 0) + count;
      return all;
    }, {}),
    httpStatuses: statuses.counts,
    http429: statuses.count((status) => status === 429),
    http5xx: statuses.count((status) => status >= 500),
    httpNetworkErrors: statuses.count((status) => status === 0),
    http4xxOther: statuses.count(
      (status) => status >= 400 && status < 500 && status !== 429 && status !== 409 && status !== 404,
    ),
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
    byTable: Object.fromEntries(
      Object.entries(byTable).map(([name, units]) => [
        name,
        { writeUnitsPerStamp: units.writeUnits / stamps, readUnitsPerStamp: units.readUnits / stamps },
      ]),
    ),
    byCommand,
    functions,
    partitionClasses,
    usage,
    costPerMillionStamps: costPerMillionStamps(usage, prices),
    invariantsOk: mine.every((result) => result.invariant.ok),
    invariantDetails: mine.map((result) => result.invariant.detail),
  };
};
/**
 * Shared partition keys (not one buyer's or one order's), grouped by shape, the hot reseller's apart: the
 * 12 that take the most write units per key, per stamp sold, as the capacity model reads them.
 */
const sharedPartitions = (design: Design, mine: readonly RunResult[], stamps: number) => {
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
        sharded: scope === 'reseller' && generic.endsWith('#<n>'),
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
