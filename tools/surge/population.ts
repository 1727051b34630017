import { type Random, randomInt, sample, seededRandom, weightedIndex } from '../common/random.js';
import { generateRegisteredNiks } from './nik.js';
import type { SurgeOptions } from './options.js';

/**
 * Who shows up on deadline day, and when. Honest applicants: one NIK each, one storefront, 1-3 stamps.
 * Scalpers: a handful of NIKs shared among them, 3-6 storefronts each, the most stamps an order allows.
 * Storefront popularity is skewed (a few well-known resellers get most buyers), so some sell out.
 */
export type Behaviour = 'pay' | 'late' | 'never' | 'twice';

export interface PlannedOrder {
  readonly resellerId: string;
  readonly quantity: number;
}

export interface Applicant {
  readonly index: number;
  readonly kind: 'honest' | 'scalper';
  /** Index into the population's NIK list (the NIK itself never leaves memory). */
  readonly nikIndex: number;
  /** Which simulated client (loopback source address) the applicant connects from. */
  readonly client: number;
  /** When the applicant arrives, ms after the surge starts. */
  readonly arrivalMs: number;
  readonly behaviour: Behaviour;
  readonly orders: readonly PlannedOrder[];
}

export interface Population {
  readonly applicants: readonly Applicant[];
  readonly niks: readonly string[];
  readonly scalperNiks: number;
}

/** The arrival rate over time: a ramp from 0 to 1, a spike at `spikeFactor`, then 1 until the end. */
export const arrivalRate = (options: SurgeOptions, seconds: number): number => {
  const { rampSeconds, spikeSeconds, spikeFactor } = options;
  if (seconds < rampSeconds) return rampSeconds > 0 ? seconds / rampSeconds : 1;
  if (seconds < rampSeconds + spikeSeconds) return spikeFactor;
  return 1;
};

/**
 * Arrival times for `count` applicants following the curve: the inverse of its cumulative distribution,
 * evaluated at evenly spaced quantiles with a little jitter (so arrivals are not perfectly regular).
 */
export const arrivalTimes = (options: SurgeOptions, count: number, random: Random): number[] => {
  const steps = Math.max(100, Math.ceil(options.durationSeconds * 20));
  const dt = options.durationSeconds / steps;
  const cumulative: number[] = [0];
  for (let step = 0; step < steps; step += 1) {
    const rate = arrivalRate(options, (step + 0.5) * dt);
    cumulative.push((cumulative[step] ?? 0) + rate * dt);
  }
  const total = cumulative[steps] ?? 1;
  const times: number[] = [];
  let step = 0;
  for (let i = 0; i < count; i += 1) {
    const target = ((i + random()) / count) * total;
    while (step < steps && (cumulative[step + 1] ?? total) < target) step += 1;
    const before = cumulative[step] ?? 0;
    const after = cumulative[step + 1] ?? total;
    const within = after > before ? (target - before) / (after - before) : 0;
    times.push(Math.round((step + within) * dt * 1000));
  }
  return times.sort((a, b) => a - b);
};

export const buildPopulation = (options: SurgeOptions, resellerIds: readonly string[]): Population => {
  const random = seededRandom(options.seed);
  const scalpers = Math.round(options.applicants * options.scalperShare);
  const honest = options.applicants - scalpers;
  const scalperNiks = scalpers === 0 ? 0 : options.scalperNiks || Math.max(1, Math.ceil(scalpers / 4));
  // People of the sandbox civil registry: the identity check lets no one else order.
  const niks = generateRegisteredNiks(random, honest + scalperNiks);
  const times = arrivalTimes(options, options.applicants, random);
  // Popularity: Zipf-like over the storefronts, in a random order so R01 is not always the favourite.
  const ranked = sample(random, resellerIds, resellerIds.length);
  const weights = ranked.map((_, rank) => 1 / (rank + 1) ** 0.8);
  const favourite = () => ranked[weightedIndex(random, weights)] as string;

  // Scalpers and behaviours are spread over the timeline, not bunched at its start.
  const kinds: ('honest' | 'scalper')[] = [
    ...Array.from({ length: honest }, () => 'honest' as const),
    ...Array.from({ length: scalpers }, () => 'scalper' as const),
  ];
  const shuffled = sample(random, kinds, kinds.length);
  const applicants: Applicant[] = [];
  let honestSeen = 0;
  for (const [index, kind] of shuffled.entries()) {
    const client = randomInt(random, 0, Math.max(0, options.clientAddresses - 1));
    if (kind === 'scalper') {
      const storefronts = sample(random, resellerIds, randomInt(random, 3, 6));
      applicants.push({
        index,
        kind,
        nikIndex: honest + randomInt(random, 0, scalperNiks - 1),
        // Scalpers run their bots from a few addresses.
        client: client % Math.max(1, Math.min(3, options.clientAddresses)),
        arrivalMs: times[index] ?? 0,
        behaviour: 'pay',
        orders: storefronts.map((resellerId) => ({ resellerId, quantity: 5 })),
      });
      continue;
    }
    const roll = random();
    const behaviour: Behaviour =
      roll < options.payLate
        ? 'late'
        : roll < options.payLate + options.neverPay
          ? 'never'
          : roll < options.payLate + options.neverPay + options.payTwice
            ? 'twice'
            : 'pay';
    const sizeRoll = random();
    applicants.push({
      index,
      kind,
      nikIndex: honestSeen,
      client,
      arrivalMs: times[index] ?? 0,
      behaviour,
      orders: [{ resellerId: favourite(), quantity: sizeRoll < 0.1 ? 1 : sizeRoll < 0.7 ? 2 : 3 }],
    });
    honestSeen += 1;
  }
  return { applicants, niks, scalperNiks };
};
