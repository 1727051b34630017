import { isFatal, sleep } from './client.js';
import type { SurgeHooks, TimelinePoint } from './model.js';
import type { SurgeRun } from './run-state.js';
import { summarize } from './stats.js';

/** 5xx answers so far, every route. */
export const fiveXxSoFar = (run: SurgeRun) => {
  let total = 0;
  for (const statuses of run.http.stats.byRoute.values())
    for (const [status, count] of statuses) if (status >= 500) total += count;
  return total;
};

/**
 * Live progress and the timeline: once a second, the queue depth (from a storefront's offer) and the
 * run's tallies, as a point of the report's timeline and a snapshot for `hooks.onProgress`. Runs until
 * `stop`, which resolves once the last sample is taken.
 */
export const startSampler = (
  run: SurgeRun,
  offerResellerId: string,
  hooks: SurgeHooks,
  stopped: () => boolean,
) => {
  const timeline: TimelinePoint[] = [];
  const { http } = run;
  let lastRequests = http.stats.requests;
  let lastAccepted = 0;
  let lastSample = Date.now();
  const offerPath = `/v1/storefronts/${offerResellerId}/offer`;
  let sampling = true;
  const windowLatencies = () => run.intakeLatencies.slice(-500);
  const readQueueDepth = async () => {
    try {
      const offer = await http.get<{ queue?: { depth: number } }>(offerPath);
      if (offer.status === 200 && offer.body.queue) {
        run.queueDepth = offer.body.queue.depth;
        run.maxQueueDepth = Math.max(run.maxQueueDepth, run.queueDepth);
        if (
          run.queueDepth === 0 &&
          run.acceptedCount > 0 &&
          run.queueDrainedAt === undefined &&
          Date.now() > run.arrivalsEnd
        )
          run.queueDrainedAt = Date.now();
        if (run.queueDepth > 0) run.queueDrainedAt = undefined;
      }
      return true;
    } catch (error) {
      return !isFatal(error);
    }
  };
  const sample = () => {
    const now = Date.now();
    const seconds = Math.max(0.001, (now - lastSample) / 1000);
    const point: TimelinePoint = {
      t: Math.round((now - run.surgeStart) / 100) / 10,
      accepted: run.acceptedCount,
      fulfilled: run.fulfilledCount,
      settled: run.settledCount,
      acceptedPerSecond: Math.round((run.acceptedCount - lastAccepted) / seconds),
      requestsPerSecond: Math.round((http.stats.requests - lastRequests) / seconds),
      queueDepth: run.queueDepth ?? null,
      intakeP95Ms: summarize(windowLatencies()).p95,
      inFlight: http.inFlight(),
    };
    timeline.push(point);
    lastRequests = http.stats.requests;
    lastAccepted = run.acceptedCount;
    lastSample = now;
    hooks.onProgress?.({
      phase: run.phase,
      elapsedSeconds: (now - run.surgeStart) / 1000,
      arrived: run.arrived,
      applicants: run.population.applicants.length,
      accepted: run.acceptedCount,
      fulfilled: run.fulfilledCount,
      settled: run.settledCount,
      ordersAccepted: run.acceptedCount,
      requestsPerSecond: point.requestsPerSecond,
      acceptedPerSecond: point.acceptedPerSecond,
      queueDepth: run.queueDepth,
      intakeP95Ms: summarize(run.intakeLatencies).p95,
      fiveXx: fiveXxSoFar(run),
      inFlight: http.inFlight(),
      requests: http.stats.requests,
    });
  };
  const loop = (async () => {
    while (sampling && !stopped()) {
      await sleep(1_000);
      if (!sampling || stopped()) break;
      // A cap or deadline reached ends the sampling (no sample after it).
      if (!(await readQueueDepth())) break;
      sample();
    }
  })();
  return {
    timeline,
    stop: async () => {
      sampling = false;
      await loop;
    },
  };
};
