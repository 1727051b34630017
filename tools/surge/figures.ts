import type { checkInvariants } from './invariants.js';
import type { CrashReport, LedgerVerdict, SurgeReport, SurgeTarget, TimelinePoint } from './model.js';
import type { Behaviour } from './population.js';
import type { SurgeRun } from './run-state.js';
import { histogram, summarize } from './stats.js';

/** The surge's figures, from the client's records and the HTTP tallies: the report's numbers. */

const round1 = (value: number) => Math.round(value * 10) / 10;

/** Answers by route and status ("network error" for none), their sum by status, and the 5xx among them. */
export const answersByRoute = (run: SurgeRun) => {
  const byStatus: Record<string, number> = {};
  const byRoute: Record<string, Record<string, number>> = {};
  let fiveXx = 0;
  for (const [route, statuses] of run.http.stats.byRoute) {
    byRoute[route] = {};
    for (const [status, count] of statuses) {
      const label = status === 0 ? 'network error' : String(status);
      (byRoute[route] as Record<string, number>)[label] = count;
      byStatus[label] = (byStatus[label] ?? 0) + count;
      if (status >= 500) fiveXx += count;
    }
  }
  return { byStatus, byRoute, fiveXx };
};

/** How many of `items` fall under each key. */
const countBy = <T>(items: readonly T[], key: (item: T) => string | undefined): Record<string, number> => {
  const counts: Record<string, number> = {};
  for (const item of items) {
    const name = key(item);
    if (name !== undefined) counts[name] = (counts[name] ?? 0) + 1;
  }
  return counts;
};

export const surgeReport = (input: {
  readonly run: SurgeRun;
  readonly target: SurgeTarget;
  readonly startedAt: Date;
  readonly t0: number;
  readonly settledAt: number;
  readonly setup: SurgeReport['setup'];
  readonly answers: ReturnType<typeof answersByRoute>;
  readonly checked: ReturnType<typeof checkInvariants>;
  readonly ledger: LedgerVerdict | null;
  readonly crash: CrashReport | null;
  readonly warnings: readonly string[];
  readonly timeline: TimelinePoint[];
}): SurgeReport => {
  const { run, t0, checked, answers, timeline } = input;
  const { options, records, population, http, surgeStart, arrivalsEnd } = run;
  const accepted = records.filter((record) => record.outcome === 'ACCEPTED');
  const statusCount = (status: string) => accepted.filter((record) => record.final?.status === status).length;
  const rejected = countBy(accepted, (record) =>
    record.final?.status === 'REJECTED' ? (record.final.reason ?? 'UNKNOWN') : undefined,
  );
  const refusedAtIntake = countBy(records, (record) =>
    record.outcome === 'REFUSED' && record.refused
      ? `${record.refused.status} ${record.refused.code}`
      : undefined,
  );
  const byFinal = countBy(accepted, (record) => record.final?.status ?? 'UNSEEN');
  const behaviours: Record<Behaviour, number> = { pay: 0, late: 0, never: 0, twice: 0 };
  for (const applicant of population.applicants)
    if (applicant.kind === 'honest') behaviours[applicant.behaviour] += 1;
  const perSecond = timeline.map((point) => point.acceptedPerSecond);
  const finishedAt = new Date();
  const { queueDrainedAt, lastAcceptAt } = run;
  return {
    tool: 'kuota surge',
    runId: run.runId,
    baseUrl: input.target.baseUrl,
    startedAt: input.startedAt.toISOString(),
    finishedAt: finishedAt.toISOString(),
    options,
    durations: {
      setupS: round1((surgeStart - t0) / 1000),
      arrivalsS: options.durationSeconds,
      settleS: round1((input.settledAt - arrivalsEnd) / 1000),
      totalS: round1((finishedAt.getTime() - t0) / 1000),
    },
    setup: input.setup,
    population: {
      applicants: population.applicants.length,
      honest: population.applicants.filter((applicant) => applicant.kind === 'honest').length,
      scalpers: population.applicants.filter((applicant) => applicant.kind === 'scalper').length,
      scalperNiks: population.scalperNiks,
      behaviours,
      plannedOrders: population.applicants.reduce((sum, applicant) => sum + applicant.orders.length, 0),
    },
    orders: {
      placed: records.length,
      accepted: accepted.length,
      refusedAtIntake,
      gaveUpAfter429: records.filter((record) => record.outcome === 'GAVE_UP').length,
      aborted: records.filter((record) => record.outcome === 'ABORTED').length,
      reserved: accepted.filter((record) => record.payment).length,
      fulfilled: statusCount('FULFILLED'),
      rejected,
      expired: statusCount('EXPIRED'),
      refunded: statusCount('REFUNDED'),
      refundPending: statusCount('REFUND_PENDING'),
      unsettled: accepted.filter((record) => !record.settled).length,
      explained: accepted.filter((record) => !record.settled && record.explained).length,
      stampsSold: accepted.reduce(
        (sum, record) => sum + (record.final?.status === 'FULFILLED' ? record.quantity : 0),
        0,
      ),
      byStatus: byFinal,
    },
    payments: {
      captures: records.reduce((sum, record) => sum + record.captures, 0),
      uncertainCaptures: records.reduce((sum, record) => sum + record.uncertainCaptures, 0),
      paidIdr: records.reduce((sum, record) => sum + record.captures * (record.payment?.amountIdr ?? 0), 0),
      refundedIdr: accepted.reduce(
        (sum, record) =>
          sum + (record.final?.refund?.status === 'COMPLETED' ? record.final.refund.amountIdr : 0),
        0,
      ),
      latePaidOnTimeBecauseTtlTooLong: records.filter((record) => record.lateButPaidOnTime).length,
    },
    latencyMs: {
      intakeRequests: summarize(run.intakeLatencies),
      intakeAccepted: summarize(run.acceptedLatencies),
      intakeToAccepted: summarize(accepted.map((record) => record.acceptMs ?? 0)),
      acceptedToReserved: summarize(run.reserveTimes),
      timeToPayable: summarize(
        accepted
          .filter((record) => record.payment !== undefined)
          .map((record) => (record.acceptMs ?? 0) + (record.reserveMs ?? 0)),
      ),
      histogram: histogram(run.intakeLatencies, [5, 10, 20, 50, 100, 200, 500, 1_000, 2_000, 5_000, 10_000]),
    },
    throughput: {
      requests: http.stats.requests,
      requestsPerSecond: round1(http.stats.requests / Math.max(0.001, (finishedAt.getTime() - t0) / 1000)),
      peakAcceptedPerSecond: perSecond.length > 0 ? Math.max(...perSecond) : 0,
      meanAcceptedPerSecond: round1(accepted.length / Math.max(0.001, options.durationSeconds)),
    },
    queue: {
      maxDepth: run.maxQueueDepth,
      drainedAtSeconds: queueDrainedAt === undefined ? null : round1((queueDrainedAt - surgeStart) / 1000),
      drainSecondsAfterArrivals:
        queueDrainedAt === undefined ? null : round1(Math.max(0, queueDrainedAt - arrivalsEnd) / 1000),
      ordersOutOfQueueSecondsAfterArrivals: accepted.every((record) => record.leftQueueAt !== undefined)
        ? round1(Math.max(0, ...accepted.map((record) => (record.leftQueueAt ?? 0) - arrivalsEnd)) / 1000)
        : null,
      drainSecondsAfterLastAccept:
        queueDrainedAt === undefined || lastAcceptAt === 0
          ? null
          : round1(Math.max(0, queueDrainedAt - lastAcceptAt) / 1000),
    },
    errors: {
      byStatus: answers.byStatus,
      fiveXx: answers.fiveXx,
      networkErrors: http.stats.networkErrors,
      byRoute: answers.byRoute,
    },
    vendors: checked.vendors,
    ledger: input.ledger,
    crash: input.crash,
    invariants: checked.invariants,
    violations: [...checked.violations],
    warnings: [...input.warnings, ...checked.warnings],
    timeline,
  };
};
