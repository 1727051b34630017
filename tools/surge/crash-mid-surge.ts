import type { CrashReport, OrderRecord, SurgeHooks } from './model.js';

/**
 * `--crash-at N`: the stack dies mid-surge and comes back while the applicants keep going. Started once,
 * by the N-th accepted order; the run waits for `done` before its checks (the stack must be back).
 */
export interface MidSurgeCrash {
  /** Kills and restarts the stack, once, in the background. */
  readonly start: () => void;
  /** Resolves once the crash (if started) is over, restarted or failed. */
  readonly done: () => Promise<void>;
  /** What it did and what became of the orders it caught; null without --crash-at. */
  readonly report: (records: readonly OrderRecord[], surgeStart: number) => CrashReport | null;
}

const processes = (pids: Readonly<Record<string, number>>) =>
  Object.entries(pids)
    .map(([name, pid]) => `${name} pid ${pid}`)
    .join(', ');

const round1 = (value: number) => Math.round(value * 10) / 10;

export const midSurgeCrash = (
  plan: SurgeHooks['crash'],
  log: (line: string) => void,
  /** The accepted orders so far, as the log line says it once the kill is done. */
  acceptedCount: () => number,
): MidSurgeCrash => {
  const crash: {
    run?: Promise<void>;
    killStartedAt?: number;
    killedAt?: number;
    restartedAt?: number;
    killed?: Readonly<Record<string, number>>;
    restarted?: Readonly<Record<string, number>>;
    error?: string;
  } = {};
  const start = () => {
    if (!plan || crash.run) return;
    crash.run = (async () => {
      crash.killStartedAt = Date.now();
      try {
        crash.killed = await plan.kill();
        crash.killedAt = Date.now();
        log(
          `crash: the stack was killed after ${acceptedCount()} accepted orders (${processes(crash.killed)}); restarting it on the same state`,
        );
        crash.restarted = await plan.restart();
        crash.restartedAt = Date.now();
        log(
          `crash: the stack is back after ${((crash.restartedAt - crash.killedAt) / 1000).toFixed(1)} s (${processes(crash.restarted)})`,
        );
      } catch (error) {
        crash.error = String(error);
        log(`crash: ${crash.error}`);
      }
    })();
  };
  const report = (records: readonly OrderRecord[], surgeStart: number): CrashReport | null => {
    if (!plan) return null;
    const killStart = crash.killStartedAt;
    // The kill takes a moment (the runtime, then DynamoDB Local after one more write): an answer the old
    // stack sent before it died may reach its client during it. Such an order was settled by the old stack,
    // so it was not open at the crash; only one still unsettled once every process is dead is. Nor is one
    // whose client saw it settled while the stack was down: no process was there to settle it, so that was
    // the old stack's last answer read late (seen once in CI: 11 of 12 "open" orders settled after the
    // restart, the 12th during the outage).
    const dead = crash.killedAt ?? killStart;
    const back = crash.restartedAt ?? dead;
    const before =
      killStart === undefined ? [] : records.filter((r) => (r.acceptedAt ?? Infinity) <= killStart);
    const open =
      back === undefined ? [] : before.filter((r) => r.settledAt === undefined || r.settledAt >= back);
    return {
      afterAccepted: plan.afterAccepted,
      happened: crash.killedAt !== undefined && crash.restartedAt !== undefined,
      killedAtSeconds: crash.killedAt === undefined ? null : round1((crash.killedAt - surgeStart) / 1000),
      downSeconds:
        crash.killedAt === undefined || crash.restartedAt === undefined
          ? null
          : round1((crash.restartedAt - crash.killedAt) / 1000),
      killed: crash.killed ?? null,
      restarted: crash.restarted ?? null,
      acceptedBeforeCrash: before.length,
      openAtCrash: open.length,
      openAtCrashSettledAfterRestart: open.filter(
        (r) => r.settled && r.settledAt !== undefined && r.settledAt >= (crash.restartedAt ?? Infinity),
      ).length,
      ...(crash.error ? { error: crash.error } : {}),
    };
  };
  return { start, done: async () => crash.run, report };
};
