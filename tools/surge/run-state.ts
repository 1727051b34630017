import type { Random } from '../common/random.js';
import type { HttpClient } from './http.js';
import type { OrderRecord, SurgeTuning } from './model.js';
import type { SurgeOptions } from './options.js';
import type { Population } from './population.js';

/**
 * What the applicants' phase shares while it runs: the client's records and tallies, read live by the
 * progress sampler and, at the end, by the report. One object, so every phase (tools/surge/applicant.ts,
 * sampler.ts, crash-mid-surge.ts, final-look.ts, figures.ts) works on the same figures.
 */
export interface SurgeRun {
  readonly http: HttpClient;
  readonly options: SurgeOptions;
  readonly tuning: SurgeTuning;
  readonly runId: string;
  readonly population: Population;
  readonly records: OrderRecord[];
  /** Every POST of an order; only those answered 201/202; when each was accepted; 202 to RESERVED. */
  readonly intakeLatencies: number[];
  readonly acceptedLatencies: number[];
  readonly acceptTimes: number[];
  readonly reserveTimes: number[];
  readonly surgeStart: number;
  readonly arrivalsEnd: number;
  /** No order is followed past this: the rest of the wall time is the checks'. */
  readonly settleHardStop: number;
  /** After this, an applicant stops retrying intake after a 429. */
  readonly intakeUntil: number;
  /** The applicants' own decisions (when to pay, how long to wait), seeded. */
  readonly random: Random;
  /** Called with the count once an order is accepted (the crash of --crash-at waits for its N). */
  readonly onAccepted: (acceptedCount: number) => void;
  phase: 'setup' | 'surge' | 'settle' | 'check';
  arrived: number;
  acceptedCount: number;
  fulfilledCount: number;
  settledCount: number;
  lastAcceptAt: number;
  /** Set by the first cap or deadline reached; the applicants still to arrive then stay away. */
  fatal: string | undefined;
  queueDepth: number | undefined;
  maxQueueDepth: number;
  queueDrainedAt: number | undefined;
}
