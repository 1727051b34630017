import { seededRandom } from '../common/random.js';
import { runApplicant } from './applicant.js';
import { sleep } from './client.js';
import { midSurgeCrash } from './crash-mid-surge.js';
import { answersByRoute, surgeReport } from './figures.js';
import { giveTheRestTime, refreshOrders, waitForQuiet } from './final-look.js';
import { createHttpClient, type HttpClient } from './http.js';
import { checkInvariants } from './invariants.js';
import {
  DEFAULT_TUNING,
  type LedgerVerdict,
  type OrderRecord,
  type SurgeHooks,
  type SurgeResult,
  type SurgeTarget,
  type SurgeTuning,
  type VendorRow,
} from './model.js';
import type { SurgeOptions } from './options.js';
import { buildPopulation } from './population.js';
import type { SurgeRun } from './run-state.js';
import { startSampler } from './sampler.js';
import {
  applyWebhookFaults,
  checkStackIsThere,
  readVendors,
  restoreWebhookFaults,
  stockStorefronts,
} from './setup.js';

export * from './model.js';
export type { HttpClient };

/**
 * The surge engine: given a running kuota (base URL + credentials), it stocks the storefronts through the
 * wholesale API, lets the applicants arrive on the curve, follows every order to its end as a real client
 * would (Idempotency-Key retries, Retry-After, polling with the Order-Token, paying by QRIS in the sandbox),
 * then checks every invariant from the outside. HTTP only; `hooks.ledgerCheck` is the one look inside.
 * The phases: setup (./setup.ts), the applicants (./applicant.ts, with ./sampler.ts and
 * ./crash-mid-surge.ts beside them), the last look (./final-look.ts), the checks (./invariants.ts) and
 * the report (./figures.ts).
 */
export const runSurge = async (
  target: SurgeTarget,
  options: SurgeOptions,
  hooks: SurgeHooks = {},
  tuning: SurgeTuning = DEFAULT_TUNING,
): Promise<SurgeResult> => {
  const run = { stopped: false };
  try {
    return await surge(target, options, hooks, tuning, run);
  } finally {
    // Whatever happened, no background loop outlives the run.
    run.stopped = true;
  }
};

/** A test stack's scheduled jobs, run every few seconds from the start (stocking needs them too). */
const startBackgroundWork = (hooks: SurgeHooks, log: (line: string) => void, stopped: () => boolean) => {
  let background = true;
  const work = hooks.whileRunning
    ? (async () => {
        while (background && !stopped()) {
          await sleep((hooks.whileRunning?.everySeconds ?? 5) * 1000);
          if (!background || stopped()) break;
          await hooks.whileRunning
            ?.run()
            .catch((error: unknown) => log(`background work failed: ${String(error)}`));
        }
      })()
    : Promise.resolve();
  return {
    work,
    stop: () => {
      background = false;
    },
  };
};

const surge = async (
  target: SurgeTarget,
  options: SurgeOptions,
  hooks: SurgeHooks,
  tuning: SurgeTuning,
  lifetime: { stopped: boolean },
): Promise<SurgeResult> => {
  const log = hooks.log ?? (() => undefined);
  const stopped = () => lifetime.stopped;
  const startedAt = new Date();
  const t0 = Date.now();
  const deadline = t0 + options.maxWallSeconds * 1000;
  const runId = `${options.seed.toString(36)}${t0.toString(36)}`;
  const http = createHttpClient({
    baseUrl: target.baseUrl,
    concurrency: options.concurrency,
    maxRequests: options.maxRequests,
    deadline,
    clientAddresses: options.clientAddresses,
  });
  // The last stretch of the wall time is kept for the checks from the outside.
  const checkReserve = Math.min(15_000, options.maxWallSeconds * 200);
  const warnings: string[] = [];
  const setupProblems: string[] = [];
  const participating = target.resellers.slice(0, options.resellers);
  const resellerIds = participating.map((reseller) => reseller.id);

  // ---- Setup: the stack is there, its webhook faults (restored at the end), its stock.
  await checkStackIsThere(http, target);
  const background = startBackgroundWork(hooks, log, stopped);
  const previousFaults = options.webhookFaults
    ? await applyWebhookFaults(http, options.webhookFaults, setupProblems)
    : undefined;
  const stockStarted = Date.now();
  const stockedResellers =
    options.stock > 0
      ? await stockStorefronts({
          http,
          resellers: participating,
          runId,
          stock: options.stock,
          until: Math.min(deadline, stockStarted + tuning.stockTimeoutSeconds * 1000),
          timeoutSeconds: tuning.stockTimeoutSeconds,
          setupProblems,
        })
      : 0;
  const allocationSeconds = (Date.now() - stockStarted) / 1000;
  for (const problem of setupProblems) log(`setup: ${problem}`);
  log(
    `setup: ${stockedResellers} storefronts stocked with ${options.stock} stamps each in ${allocationSeconds.toFixed(1)} s`,
  );

  // The regulator's figures before the first applicant: the surge's effect is the difference.
  const before = await readVendors(http, target.regulatorKey, Math.min(deadline, Date.now() + 60_000));
  const reservedBefore = resellerIds.reduce((sum, id) => sum + (before.get(id)?.reserved ?? 0), 0);
  if (reservedBefore > 0)
    warnings.push(
      `the stack was not quiet: ${reservedBefore} stamps were reserved by earlier orders before the surge; if those expire or sell during the run, the regulator differences include them (start with --fresh)`,
    );

  // ---- The applicants, with the live sampler and (--crash-at) the crash beside them.
  const surgeStart = Date.now();
  const arrivalsEnd = surgeStart + options.durationSeconds * 1000;
  const settleHardStop = deadline - checkReserve;
  let acceptedSoFar = 0;
  const crash = midSurgeCrash(hooks.crash, log, () => acceptedSoFar);
  const run: SurgeRun = {
    http,
    options,
    tuning,
    runId,
    population: buildPopulation(options, resellerIds),
    records: [],
    intakeLatencies: [],
    acceptedLatencies: [],
    acceptTimes: [],
    reserveTimes: [],
    surgeStart,
    arrivalsEnd,
    settleHardStop,
    intakeUntil: Math.min(settleHardStop, arrivalsEnd + tuning.intakeGraceSeconds * 1000),
    random: seededRandom(options.seed ^ 0x5eed),
    onAccepted: (count) => {
      acceptedSoFar = count;
      if (hooks.crash && count === hooks.crash.afterAccepted) crash.start();
    },
    phase: 'setup',
    arrived: 0,
    acceptedCount: 0,
    fulfilledCount: 0,
    settledCount: 0,
    lastAcceptAt: 0,
    fatal: undefined,
    queueDepth: undefined,
    maxQueueDepth: 0,
    queueDrainedAt: undefined,
  };
  const sampler = startSampler(run, resellerIds[0] ?? 'R01', hooks, stopped);
  run.phase = 'surge';
  log(`surge: ${run.population.applicants.length} applicants arriving over ${options.durationSeconds} s`);
  const applicantRuns = run.population.applicants.map((applicant) => runApplicant(run, applicant));
  await sleep(arrivalsEnd - Date.now());
  run.phase = 'settle';
  await Promise.all(applicantRuns);
  // A crash still restarting is waited for (its stack must be there for the checks).
  await crash.done();
  const settledAt = Date.now();
  if (run.fatal) warnings.push(`the run was cut short: ${run.fatal}`);

  // ---- Quiet: queue empty, then the stack's last word on every accepted order, read just before the
  // regulator's figures.
  run.phase = 'check';
  await waitForQuiet(run, Math.min(deadline - checkReserve / 2, Date.now() + 15_000));
  const followed = run.records.filter((record) => record.outcome === 'ACCEPTED' && record.statusUrl);
  await refreshOrders(run, followed, deadline);
  await giveTheRestTime(run, followed, Math.min(deadline - checkReserve / 2, Date.now() + 20_000), deadline);
  background.stop();
  await sampler.stop();
  // A background run still going is given a little time, not the rest of the wall time; then one more
  // read of every order, so the tallies and the regulator's figures describe the same moment.
  await Promise.race([background.work, sleep(Math.max(0, Math.min(20_000, deadline - Date.now() - 5_000)))]);
  await refreshOrders(run, followed, deadline);
  let after: Map<string, VendorRow> = new Map();
  try {
    after = await readVendors(http, target.regulatorKey, deadline);
  } catch (error) {
    warnings.push(`could not read the regulator's vendors after the surge: ${String(error)}`);
  }
  const ledger = await ledgerVerdict(hooks);
  if (options.webhookFaults && previousFaults) await restoreWebhookFaults(http, previousFaults, warnings);
  http.close();

  // ---- Invariants and the report.
  const answers = answersByRoute(run);
  const crashReport = crash.report(run.records, surgeStart);
  const checked = checkInvariants({
    options,
    records: run.records,
    niks: run.population.niks.length,
    resellerIds,
    before,
    after,
    ledger,
    fiveXx: answers.fiveXx,
    byRoute: answers.byRoute,
    crash: crashReport,
  });
  const report = surgeReport({
    run,
    target,
    startedAt,
    t0,
    settledAt,
    setup: {
      stockedResellers,
      stockPerReseller: options.stock,
      allocationSeconds: Math.round(allocationSeconds * 10) / 10,
      problems: setupProblems,
    },
    answers,
    checked,
    ledger,
    crash: crashReport,
    warnings,
    timeline: sampler.timeline,
  });
  return { report, violations: checked.violations };
};

/** The ledger audit, once the stack is quiet; a failure of the audit itself is a difference. */
const ledgerVerdict = async (hooks: SurgeHooks): Promise<LedgerVerdict | null> => {
  if (!hooks.ledgerCheck) return null;
  try {
    return await hooks.ledgerCheck();
  } catch (error) {
    return {
      balanced: false,
      differences: [`the ledger check failed: ${String(error)}`],
      soldByReseller: {},
    };
  }
};

export type { OrderRecord };
