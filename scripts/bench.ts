/**
 * `npm run bench`: kuota's storefront pipeline against the design a typical team writes first (reserve
 * synchronously in the API handler on one stock counter per reseller, Powertools idempotency), side by
 * side, on the same emulators, with the same surge, in alternating runs (kuota, baseline, kuota, …).
 *
 * It starts its own in-memory DynamoDB Local and fauxqs, kuota's local cloud (real handlers behind the local
 * API Gateway, SQS pollers) and the baseline's own local API (tools/baseline/runtime.ts). Each applicant is a
 * client doing what kuota's storefront page does: place the order (Idempotency-Key; 429 → wait and retry),
 * poll its status every second, pay the QRIS at the sandbox gateway once reserved, poll until FULFILLED.
 * Requests, capacity units (tools/bench/capacity-meter.ts, AWS billing rules), handler invocations and
 * their durations are counted per run, for the design's own tables and queue only (the sandbox's are the
 * external parties').
 *
 * Knobs (environment): BENCH_ORDERS (1000), BENCH_ROUNDS (2; one kuota and one baseline run each),
 * BENCH_CONCURRENCY (200 requests in flight at intake), BENCH_HOT_SHARE (0.6 of orders to one reseller),
 * BENCH_HOT_STOCK (500 stamps: less than its demand of ~1,200), BENCH_OTHER_STOCK (300 for each of 4
 * others), BENCH_SCALPER_SHARE (0.03: NIKs from a small pool, ordering at several storefronts),
 * BENCH_POLL_MS (1000), BENCH_RUN_TIMEOUT_SECONDS (120), KUOTA_STOCK_SHARDS (32), BENCH_PRICE_REGION.
 *
 * Writes test-artifacts/bench/bench.json and docs/bench-latest.json. Exits non-zero if a design oversold.
 */
process.env.KUOTA_LOG_LEVEL ??= 'SILENT';

import { scriptArgs } from '../tools/common/args.js';

// No options, only --help: a bench started by mistake takes minutes.
scriptArgs({
  name: 'bench',
  usage:
    'npm run bench\n\nkuota vs the synchronous single-counter design, side by side, on emulators of its own. It takes no\noptions; its knobs are environment variables: BENCH_ORDERS (1000), BENCH_ROUNDS (2, at most 4), BENCH_CONCURRENCY (200),\nBENCH_HOT_SHARE (0.6), BENCH_HOT_STOCK (500), BENCH_OTHER_STOCK (300), BENCH_SCALPER_SHARE (0.03),\nBENCH_POLL_MS (1000), BENCH_RUN_TIMEOUT_SECONDS (120), KUOTA_STOCK_SHARDS (32), BENCH_PRICE_REGION (us-east-1).',
  options: {},
});

/**
 * The bench's phases, each in tools/bench/: the stack and its stock (bench-stack.ts), the runs
 * (run-workload.ts), the aggregation (summary.ts) and the report (bench-report.ts). Imported once the
 * environment is set: the logger reads its level at load time.
 */
const main = async () => {
  const { PRICES } = await import('../tools/bench/prices.js');
  const { fmt, settings } = await import('../tools/bench/workload.js');
  const { startBenchStack, stockResellers } = await import('../tools/bench/bench-stack.js');
  const { measureDesigns } = await import('../tools/bench/run-workload.js');
  const { summarizeDesign } = await import('../tools/bench/summary.js');
  const { reportBench } = await import('../tools/bench/bench-report.js');

  const prices = PRICES[settings.priceRegion];
  if (!prices) throw new Error(`no prices for ${settings.priceRegion} in tools/bench/prices.ts`);

  console.log('bench: kuota vs the usual design (synchronous reservation on one counter per reseller)');
  console.log(
    `  workload per run: ${fmt(settings.orders)} applicants (1–3 stamps), ${fmt(settings.concurrency)} in flight at intake; ` +
      `${Math.round(settings.hotShare * 100)}% to one hot reseller with ${fmt(settings.hotStock)} stamps, the rest over ` +
      `${settings.otherResellers} others with ${fmt(settings.otherStock)} each; ${Math.round(settings.scalperShare * 100)}% scalper NIKs; ` +
      `${settings.rounds} × (kuota, baseline); ${settings.shards} stock shards for kuota`,
  );

  const stack = await startBenchStack();
  const bench = { ...stack, ...(await stockResellers(stack)) };
  const measured = await measureDesigns(bench);
  const kuota = summarizeDesign(bench, measured, prices, 'kuota');
  const base = summarizeDesign(bench, measured, prices, 'baseline');
  reportBench({
    kuota,
    base,
    prices,
    ...measured,
    identityCheckMs: stack.identityCheckMs,
    benchStarted: stack.benchStarted,
  });
  await stack.stopAll();
  process.exit(kuota.invariantsOk && base.invariantsOk ? 0 : 1);
};

main().catch(async (error: unknown) => {
  console.error('\nbench failed:', error);
  process.exit(1);
});
