/**
 * `npm run capacity`: how many stamps per second kuota (and the baseline) can sell on AWS, per reseller and
 * nationally, how long 11 M stamps take, and which limit binds first. Reads the units per stamp that
 * `npm run bench` measured (docs/bench-latest.json) and applies AWS's documented limits
 * (tools/bench/capacity-model.ts).
 *
 * Options: `npm run capacity -- --help` (the table below).
 */
import { readFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  AWS_DEFAULT_LIMITS,
  type CapacityResult,
  capacity,
  DEADLINE_QUOTAS,
  type DesignMeasurements,
  type FunctionLoad,
  type PartitionClass,
  withDeadlineQuotas,
} from '../tools/bench/capacity-model.js';
import { scriptArgs } from '../tools/common/args.js';

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..');

const { values: args } = scriptArgs({
  name: 'capacity',
  usage:
    'npm run capacity -- [options]\n\nSustainable stamps/s on AWS, per reseller and nationally, from the units per stamp `npm run bench` measured.',
  options: {
    shards: { type: 'string', value: 'N', help: 'stock shards of kuota (default: KUOTA_STOCK_SHARDS, 32)' },
    resellers: { type: 'string', value: 'N', help: 'resellers selling at once (10)' },
    stamps: { type: 'string', value: 'N', help: 'stamps to sell (11,000,000)' },
    'duration-scale': { type: 'string', value: 'X', help: 'multiplies the measured Lambda durations (1)' },
    'lambda-concurrency': { type: 'string', value: 'N', help: "the account's Lambda concurrency (1,000)" },
    'api-rps': { type: 'string', value: 'N', help: 'API Gateway requests per second (10,000)' },
    bench: { type: 'string', value: 'FILE', help: 'the bench report to read (docs/bench-latest.json)' },
    json: { type: 'boolean', help: 'print the result as JSON' },
  },
});
type NumberOption = 'shards' | 'resellers' | 'stamps' | 'duration-scale' | 'lambda-concurrency' | 'api-rps';
const numberArgument = (name: NumberOption, fallback: number): number => {
  const raw = args[name];
  if (raw === undefined) return fallback;
  const value = Number(raw.replace(/_/g, ''));
  if (!(value > 0)) throw new Error(`--${name} must be a positive number`);
  return value;
};

/** The configured default shard count (lib/config.ts), without needing the rest of the configuration. */
const configuredShards = (): number => {
  const source = readFileSync(resolve(repositoryRoot, 'lib/config.ts'), 'utf8');
  const match = /stockShardCount:[^\n]*\.default\((\d+)\)/.exec(source);
  return Number(process.env.KUOTA_STOCK_SHARDS ?? match?.[1] ?? 32);
};

interface BenchSummary {
  readonly perStamp: { readonly apiRequests: number };
  readonly byTable: Record<string, { writeUnitsPerStamp: number; readUnitsPerStamp: number }>;
  readonly partitionClasses: PartitionClass[];
  readonly functions: (FunctionLoad & { surgeMeanDurationMs?: number })[];
}

const measurementsOf = (design: string, summary: BenchSummary): DesignMeasurements => ({
  design,
  apiRequestsPerStamp: summary.perStamp.apiRequests,
  tables: Object.entries(summary.byTable).map(([name, units]) => ({ name, ...units })),
  partitionClasses: summary.partitionClasses,
  functions: summary.functions.map((fn) => ({
    id: fn.id,
    trigger: fn.trigger,
    invocationsPerStamp: fn.invocationsPerStamp,
    meanDurationMs: fn.meanDurationMs,
    memoryMb: fn.memoryMb,
    ...(fn.maxConcurrency ? { maxConcurrency: fn.maxConcurrency } : {}),
  })),
});

const fmt = (value: number, digits = 0) =>
  Number.isFinite(value)
    ? value.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
    : 'unlimited';

const duration = (seconds: number): string => {
  if (!Number.isFinite(seconds)) return '—';
  if (seconds < 120) return `${fmt(seconds, 0)} s`;
  if (seconds < 7_200) return `${fmt(seconds / 60, 1)} min`;
  return `${fmt(seconds / 3_600, 1)} h`;
};

/** kuota beside the baseline: per reseller, nationally, and the time the stamps take. */
const printSummary = (title: string, results: readonly CapacityResult[], stamps: number) => {
  const [kuota, baseline] = results as [CapacityResult, CapacityResult];
  console.log(`| ${title} | kuota | baseline |`);
  console.log('|---|---:|---:|');
  const row = (label: string, pick: (result: CapacityResult) => string) =>
    console.log(`| ${label} | ${pick(kuota)} | ${pick(baseline)} |`);
  row('stamps/s, one reseller: its own partitions', (result) => fmt(result.resellerKeys.stampsPerSecond));
  row('  bound by', (result) => result.resellerKeys.binding?.name ?? '—');
  row('stamps/s, one reseller: all limits', (result) => fmt(result.perReseller.stampsPerSecond));
  row('  binds first', (result) => result.perReseller.binding.name);
  row('stamps/s, nationally', (result) => fmt(result.national.stampsPerSecond));
  row('  binds first', (result) => result.national.binding.name);
  row(`time to serve ${fmt(stamps)} stamps`, (result) => duration(result.secondsForStamps));
  row('scaling warm-up before full rate', (result) => duration(result.rampSeconds));
};

const main = () => {
  const benchFile = resolve(repositoryRoot, args.bench ?? 'docs/bench-latest.json');
  const bench = JSON.parse(readFileSync(benchFile, 'utf8')) as {
    generatedAt: string;
    kuota: BenchSummary;
    baseline: BenchSummary;
  };
  const options = {
    shards: numberArgument('shards', configuredShards()),
    activeResellers: numberArgument('resellers', 10),
    stamps: numberArgument('stamps', 11_000_000),
    durationScale: numberArgument('duration-scale', 1),
    limits: {
      ...AWS_DEFAULT_LIMITS,
      lambdaAccountConcurrency: numberArgument(
        'lambda-concurrency',
        AWS_DEFAULT_LIMITS.lambdaAccountConcurrency,
      ),
      apiGatewayRequestsPerSecond: numberArgument('api-rps', AWS_DEFAULT_LIMITS.apiGatewayRequestsPerSecond),
    },
  };
  const results: CapacityResult[] = [
    capacity(measurementsOf('kuota', bench.kuota), options),
    // The baseline has one counter per reseller: shards do not apply to it.
    capacity(measurementsOf('baseline', bench.baseline), { ...options, shards: 1 }),
  ];
  // The same designs with the soft quotas a deadline would raise (hard per-partition/per-item limits stay).
  const raisedOptions = { ...options, limits: withDeadlineQuotas(options.limits) };
  const raised: CapacityResult[] = [
    capacity(measurementsOf('kuota', bench.kuota), raisedOptions),
    capacity(measurementsOf('baseline', bench.baseline), { ...raisedOptions, shards: 1 }),
  ];
  if (args.json) {
    console.log(JSON.stringify({ options, results, raisedOptions, raised }, null, 2));
    return;
  }
  console.log(
    `capacity on AWS, from ${benchFile.replace(`${repositoryRoot}/`, '')} (measured ${bench.generatedAt})`,
  );
  console.log(
    `  assumptions: ${options.shards} stock shards (kuota), ${options.activeResellers} resellers selling at once, ` +
      `${fmt(options.stamps)} stamps; per partition ${fmt(options.limits.partitionWriteUnitsPerSecond)} WCU/s and ` +
      `${fmt(options.limits.partitionReadUnitsPerSecond)} RCU/s; on-demand table quota ${fmt(options.limits.tableWriteUnitsPerSecond)} ` +
      `WRU/s and RRU/s; Lambda account concurrency ${fmt(options.limits.lambdaAccountConcurrency)} (scaling +` +
      `${fmt(options.limits.lambdaScalingPer10Seconds)} per 10 s per function); SQS event source up to ` +
      `${fmt(options.limits.sqsPollerMaxConcurrency)} concurrent batches (+${options.limits.sqsPollerScalingPerMinute}/min from ` +
      `${options.limits.sqsPollerInitialConcurrency}); SQS standard queue throughput unlimited; API Gateway ` +
      `${fmt(options.limits.apiGatewayRequestsPerSecond)} req/s per account; Lambda durations as measured (×${options.durationScale})`,
  );
  console.log('');
  printSummary('', results, options.stamps);
  console.log('');
  console.log('With the soft quotas raised for the deadline (hard limits unchanged):');
  for (const quota of DEADLINE_QUOTAS)
    console.log(`  ${quota.quota} → ${fmt(quota.value)}  [${quota.source}]`);
  console.log('');
  printSummary('raised quotas', raised, options.stamps);
  for (const result of [
    ...results,
    ...raised.map((entry) => ({ ...entry, design: `${entry.design} (raised quotas)` })),
  ]) {
    console.log('');
    console.log(`${result.design}: every limit, lowest first (stamps/s)`);
    for (const limit of result.national.limits) {
      console.log(`  ${fmt(limit.stampsPerSecond).padStart(12)}  ${limit.name}  (${limit.detail})`);
    }
    const resellerOnly = result.perReseller.limits.filter(
      (limit) => !result.national.limits.some((national) => national.name === limit.name),
    );
    for (const limit of resellerOnly) {
      console.log(
        `  ${fmt(limit.stampsPerSecond).padStart(12)}  one reseller: ${limit.name}  (${limit.detail})`,
      );
    }
  }
};

main();
