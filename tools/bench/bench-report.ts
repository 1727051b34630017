import { mkdirSync, writeFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { resolve } from 'node:path';
import { percentile, ratio } from '../common/stats.js';
import type { PriceSheet } from './prices.js';
import type { RunResult } from './run-workload.js';
import type { summarizeDesign } from './summary.js';
import { fmt, repositoryRoot, settings } from './workload.js';

/** The bench's report: the side-by-side table on stdout, and the whole as JSON for `npm run capacity`. */
type DesignSummary = ReturnType<typeof summarizeDesign>;

/** kuota and the baseline, metric by metric, as a Markdown table. */
export const comparisonTable = (kuota: DesignSummary, base: DesignSummary, prices: PriceSheet): string => {
  const rows: [string, number, number, number][] = [
    ['intake p50 (ms)', kuota.intakeP50Ms, base.intakeP50Ms, 0],
    ['intake p95 (ms)', kuota.intakeP95Ms, base.intakeP95Ms, 0],
    ['intake p99 (ms)', kuota.intakeP99Ms, base.intakeP99Ms, 0],
    ['time to a payable order p50 (ms)', kuota.timeToPayableP50Ms, base.timeToPayableP50Ms, 0],
    ['time to a payable order p99 (ms)', kuota.timeToPayableP99Ms, base.timeToPayableP99Ms, 0],
    ['completed orders/s (to FULFILLED)', kuota.completedOrdersPerSecond, base.completedOrdersPerSecond, 1],
    ['orders fulfilled', kuota.ordersFulfilled, base.ordersFulfilled, 0],
    ['stamps sold', kuota.stampsSold, base.stampsSold, 0],
    [
      'orders refused/rejected (sold out, cap)',
      (kuota.outcomes.REFUSED ?? 0) + (kuota.outcomes.REJECTED ?? 0),
      (base.outcomes.REFUSED ?? 0) + (base.outcomes.REJECTED ?? 0),
      0,
    ],
    [
      'orders failed or timed out',
      (kuota.outcomes.ERROR ?? 0) + (kuota.outcomes.TIMEOUT ?? 0),
      (base.outcomes.ERROR ?? 0) + (base.outcomes.TIMEOUT ?? 0),
      0,
    ],
    ['HTTP 429 answers (client retried)', kuota.http429, base.http429, 0],
    ['HTTP 5xx answers', kuota.http5xx, base.http5xx, 0],
    ['network errors', kuota.httpNetworkErrors, base.httpNetworkErrors, 0],
    ['DynamoDB write units / stamp', kuota.perStamp.dynamoDbWriteUnits, base.perStamp.dynamoDbWriteUnits, 2],
    [
      '  of which index writes',
      kuota.perStamp.dynamoDbIndexWriteUnits,
      base.perStamp.dynamoDbIndexWriteUnits,
      2,
    ],
    ['DynamoDB read units / stamp', kuota.perStamp.dynamoDbReadUnits, base.perStamp.dynamoDbReadUnits, 2],
    ['DynamoDB requests / stamp', kuota.perStamp.dynamoDbRequests, base.perStamp.dynamoDbRequests, 2],
    ['SQS requests / stamp', kuota.perStamp.sqsRequests, base.perStamp.sqsRequests, 2],
    ['handler invocations / stamp', kuota.perStamp.handlerInvocations, base.perStamp.handlerInvocations, 2],
    ['API requests / stamp', kuota.perStamp.apiRequests, base.perStamp.apiRequests, 2],
    [
      'Lambda GB-s / stamp (quiet durations)',
      kuota.perStamp.lambdaGbSeconds,
      base.perStamp.lambdaGbSeconds,
      4,
    ],
    [
      'Lambda GB-s / stamp (surge durations)',
      kuota.perStamp.lambdaGbSecondsUnderSurge,
      base.perStamp.lambdaGbSecondsUnderSurge,
      4,
    ],
    [
      `cost / 1M stamps, USD (${prices.region})`,
      kuota.costPerMillionStamps.total,
      base.costPerMillionStamps.total,
      2,
    ],
    [
      '  DynamoDB',
      kuota.costPerMillionStamps.dynamoDbWrites + kuota.costPerMillionStamps.dynamoDbReads,
      base.costPerMillionStamps.dynamoDbWrites + base.costPerMillionStamps.dynamoDbReads,
      2,
    ],
    ['  SQS', kuota.costPerMillionStamps.sqs, base.costPerMillionStamps.sqs, 2],
    [
      '  Lambda (requests + GB-s)',
      kuota.costPerMillionStamps.lambdaRequests + kuota.costPerMillionStamps.lambdaCompute,
      base.costPerMillionStamps.lambdaRequests + base.costPerMillionStamps.lambdaCompute,
      2,
    ],
    ['  API Gateway (REST)', kuota.costPerMillionStamps.apiGateway, base.costPerMillionStamps.apiGateway, 2],
  ];
  const table = [
    `| metric | kuota | baseline | kuota ÷ baseline |`,
    `|---|---:|---:|---:|`,
    ...rows.map(
      ([label, k, b, digits]) =>
        `| ${label} | ${fmt(k, digits)} | ${fmt(b, digits)} | ${Number.isFinite(ratio(k, b)) ? `${fmt(ratio(k, b), 2)}×` : '—'} |`,
    ),
  ].join('\n');
  return table;
};

/** Prints the table and the notes, writes test-artifacts/bench/bench.json and docs/bench-latest.json. */
export const reportBench = (input: {
  readonly kuota: DesignSummary;
  readonly base: DesignSummary;
  readonly prices: PriceSheet;
  readonly quiet: ReadonlyMap<string, number>;
  readonly loadAverages: readonly number[];
  readonly results: readonly RunResult[];
  readonly identityCheckMs: readonly number[];
  readonly benchStarted: number;
}): void => {
  const { kuota, base, prices, quiet, loadAverages, results, identityCheckMs, benchStarted } = input;
  const table = comparisonTable(kuota, base, prices);
  console.log('');
  console.log(table);
  console.log('');
  const hottest = (summary: typeof kuota) =>
    summary.partitionClasses
      .slice(0, 4)
      .map(
        (entry) =>
          `${entry.name} (${entry.scope}, ${entry.keys} key${entry.keys === 1 ? '' : 's'}): ${fmt(entry.writeUnitsPerStamp, 2)} WRU/stamp`,
      )
      .join('; ');
  console.log(`  shared partitions, kuota:    ${hottest(kuota)}`);
  console.log(`  shared partitions, baseline: ${hottest(base)}`);
  const byKind = (
    summary: typeof kuota,
    units: 'writeUnitsByItemKind' | 'readUnitsByItemKind' = 'writeUnitsByItemKind',
  ) =>
    Object.entries(summary[units])
      .map(([kind, units]) => `${kind} ${fmt(units, 2)}`)
      .join(', ');
  console.log(`  WRU/stamp by item, kuota:    ${byKind(kuota)}`);
  console.log(`  WRU/stamp by item, baseline: ${byKind(base)}`);
  console.log(`  RRU/stamp by item, kuota:    ${byKind(kuota, 'readUnitsByItemKind')}`);
  console.log(`  RRU/stamp by item, baseline: ${byKind(base, 'readUnitsByItemKind')}`);
  console.log(
    `  invariants: kuota ${kuota.invariantsOk ? 'ok' : `VIOLATED (${kuota.invariantDetails.join('; ')})`}, ` +
      `baseline ${base.invariantsOk ? 'ok' : `VIOLATED (${base.invariantDetails.join('; ')})`}`,
  );
  console.log(
    `  prices: ${prices.region}, ${prices.asOf}; Lambda compute at durations from the quiet pass ` +
      `(${[...quiet].map(([id, ms]) => `${id} ${fmt(ms)} ms`).join(', ')})`,
  );
  console.log(
    `  load average during the runs: ${loadAverages.map((value) => fmt(value, 1)).join(' → ')} on ${cpus().length} cores`,
  );

  const kuotaOrdersPlaced = settings.orders * settings.rounds;
  const identityCheck = {
    registryCalls: identityCheckMs.length,
    registryCallsPerOrder: identityCheckMs.length / Math.max(1, kuotaOrdersPlaced),
    callP50Ms: percentile(identityCheckMs, 50),
    callP99Ms: percentile(identityCheckMs, 99),
    // The confirmed claim is read with the reservation's first read and written in its own write.
    kuotaDynamoDbRequestsPerOrder: 0,
  };
  console.log(
    `  identity check (kuota only): ${fmt(identityCheck.registryCalls)} registry calls for ${fmt(kuotaOrdersPlaced)} orders ` +
      `(${fmt(identityCheck.registryCallsPerOrder, 2)} per order), each p50 ${fmt(identityCheck.callP50Ms)} / p99 ` +
      `${fmt(identityCheck.callP99Ms)} ms in sequence before the reservation; no kuota DynamoDB request or unit of its own`,
  );

  const report = {
    generatedAt: new Date().toISOString(),
    identityCheck,
    command: 'npm run bench',
    machine: {
      cpus: cpus().length,
      cpuModel: cpus()[0]?.model ?? 'unknown',
      node: process.version,
      loadAverages,
    },
    quietDurationsMs: Object.fromEntries(quiet),
    settings,
    prices,
    wallClockSeconds: (Date.now() - benchStarted) / 1000,
    kuota,
    baseline: base,
    table,
    runs: results.map((result) => ({
      design: result.design,
      round: result.round,
      seconds: result.seconds,
      intakeP99Ms: percentile(result.intakeMs, 99),
      ordersFulfilled: result.ordersFulfilled,
      stampsSold: result.stampsSold,
      completedOrdersPerSecond: result.completedOrdersPerSecond,
      outcomes: result.outcomes,
      reasons: result.reasons,
      statuses: result.statuses,
      writeUnits: result.meter.dynamodb.writeUnits,
      readUnits: result.meter.dynamodb.readUnits,
      invocations: result.invocations,
      invariant: result.invariant,
    })),
  };
  mkdirSync(resolve(repositoryRoot, 'test-artifacts/bench'), { recursive: true });
  writeFileSync(
    resolve(repositoryRoot, 'test-artifacts/bench/bench.json'),
    `${JSON.stringify(report, null, 2)}\n`,
  );
  writeFileSync(resolve(repositoryRoot, 'docs/bench-latest.json'), `${JSON.stringify(report, null, 2)}\n`);
  console.log('  wrote test-artifacts/bench/bench.json and docs/bench-latest.json');
  console.log(`  wall clock ${fmt((Date.now() - benchStarted) / 1000, 0)} s`);
};
