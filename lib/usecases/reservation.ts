import { alertStore } from '../adapters/alert-store.js';
import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { crashPoint } from '../adapters/fault-injection.js';
import { publishCounts } from '../adapters/metrics.js';
import { stockStore } from '../adapters/stock-store.js';
import {
  type DirectSaleOutcome,
  type IntakeNote,
  type NikDayCounter,
  type ReserveOutcome,
  storefrontStore,
} from '../adapters/storefront-store.js';
import { config } from '../config.js';
import { alertIdOf } from '../domain/alerts.js';
import type { PaymentGateway } from '../domain/payment-gateway.js';
import { isActive } from '../domain/resellers.js';
import {
  lessClaimed,
  mayReplanOn,
  onHandAfterRefusal,
  onHandAfterTaking,
  planOnSample,
  planOrder,
  refusalBelievable,
  sampleShards,
  widenedSample,
} from '../domain/shard-plan.js';
import {
  buyerReference,
  countBefore,
  firstOrderCheck,
  fitsNationalCap,
  givesHoldBack,
  holdOpen,
  jakartaDay,
  lapseBlocks,
  type RejectionReason,
  reservationExpiry,
  type ShardPart,
  type StorefrontOrder,
  unitPrice,
} from '../domain/storefront-order.js';
import { SaleMetric } from '../infra/metrics.js';
import { logger } from '../logger.js';
import { notifyOrder } from './notices.js';
import { cachedReseller, forgetReseller } from './reseller-cache.js';
import { dispatchEvents, eventsFor } from './reseller-webhooks.js';

/**
 * Reservation: stock from a shard, the buyer's national day counter, the QRIS payment and the order's
 * timer, for a new order at intake (synchronously) or for a QUEUED one from the reservation queue.
 *
 * The payment is created and the order's first timer is armed *before* the reservation commits, so a
 * RESERVED order always carries its QR and always has a timer that will reconcile or expire it (a
 * reservation whose payment cannot be created is never made; a timer for an order that was never reserved
 * finds nothing to do).
 */
export interface OrderTimers {
  /**
   * A durable message that brings `orderId` back to the timer consumer at `at` (or soon after). A new
   * order's first timer carries `unwritten`: what the timer needs to settle the order should its intake die
   * between the buyer's hold and the order's first write (`settleAbandonedHold`).
   */
  arm(orderId: string, at: Date, hop: number, unwritten?: UnwrittenOrder): Promise<void>;
}

/** A new order as its first timer knows it, before it is written (keyed hashes only, no NIK). */
export interface UnwrittenOrder {
  readonly resellerId: string;
  readonly nikHash: string;
  readonly quantity: number;
  readonly requestHash: string;
  readonly createdAt: string;
  /** The day whose counter the order's hold is on. */
  readonly day: string;
}

export interface ReservationSettings {
  readonly shardCount: number;
  readonly reservationTtlSeconds: number;
  readonly reconcileAfterSeconds: number;
  readonly nikDailyCap: number;
  /**
   * One unpaid reservation per person at a time, and no re-hold of a person by the client that let their
   * last one lapse, for a window (KUOTA_ONE_UNPAID_RESERVATION_PER_PERSON).
   */
  readonly onePerPerson: boolean;
  readonly gateway: PaymentGateway;
  readonly timers: OrderTimers;
  readonly now: () => Date;
  readonly random?: () => number;
}

/**
 * `heldOn`: the order holds the buyer's count on this day's counter (`holdForOrder`). The caller gives it
 * back (`releaseHoldOf`) once it has written the order REJECTED; an order that waits on keeps its hold.
 */
export type ReservationResult =
  | { readonly outcome: 'RESERVED'; readonly order: StorefrontOrder }
  | { readonly outcome: RejectionReason; readonly heldOn?: string }
  /** The order is not the one this attempt started from: it exists already, or it left QUEUED. */
  | { readonly outcome: 'ORDER_CHANGED'; readonly heldOn?: string }
  /** Intake only: the NIK's orders this minute reached the limit since intake read them (`intakeNote`). */
  | { readonly outcome: 'INTAKE_LIMITED' };

export type ReservationOutcome = 'RESERVED' | RejectionReason | 'ALREADY_DONE' | 'NOT_FOUND';

/** Store calls of one attempt; intake passes a retry bound to its own time budget. */
type Retry = <T>(unit: () => Promise<T>) => Promise<T>;

/**
 * Per-instance snapshot of a reseller's shards (one eventually consistent BatchGet, kept 1 s): intake plans
 * each order on a shard that had the stock a moment ago, instead of trying shards blind, and refuses a
 * sold-out storefront without a payment or a write. The reservation's own condition stays the truth: a
 * stale snapshot costs one failed attempt and a fresh read, never an oversell.
 */
const SNAPSHOT_TTL_MS = 1_000;
/**
 * A snapshot this young is not read again before refusing: a sold-out flood costs one read of the shards
 * a moment per instance, not one per order. Kept short: a storefront restocked by an allocation (or given
 * stock back by a lapse) sells again within a quarter of a second; a second here made a sale right after a
 * restock answer sold out.
 */
const FRESH_ENOUGH_MS = 250;
interface ShardSnapshot {
  readonly at: number;
  readonly shards: { shard: number; onHand: number; suspended: boolean }[];
  /**
   * Some counts were lowered by a refused attempt (`noteDry`): bounds, not reads. A plan may come from
   * them; a refusal may not (it needs a read).
   */
  bounded?: boolean;
  /** Only a sample of the shards was read (`sampleShards`): a plan may come from it, a refusal may not. */
  readonly sampled?: boolean;
}
const snapshots = new Map<string, ShardSnapshot>();

/**
 * Shards a snapshot reads while stock is plentiful: 4 item reads (2 read units) a second per instance
 * instead of 32 (16). A sample that cannot place an order on one shard is followed by a read of them all,
 * the only read that may answer sold out.
 */
const SNAPSHOT_SAMPLE = 4;

/**
 * Reads the reseller's shards (`only` these, or all of them) into its snapshot. A hint, not the truth (the
 * reservation's condition is): an eventually consistent read is enough.
 */
const readSnapshot = async (
  resellerId: string,
  retry: Retry,
  only?: readonly number[],
): Promise<ShardSnapshot> => {
  const shards = await retry(() =>
    stockStore.readShards(resellerId, { consistent: false, ...(only ? { only } : {}) }),
  );
  const snapshot: ShardSnapshot = {
    at: Date.now(),
    shards: shards.map((shard) => ({ ...shard })),
    ...(only && only.length < config().stockShardCount ? { sampled: true } : {}),
  };
  snapshots.set(resellerId, snapshot);
  return snapshot;
};

/** Reads of every shard in flight, per reseller, with when each was sent (`sharedFullRead`). */
const fullReads = new Map<string, { readonly sentAt: number; readonly read: Promise<ShardSnapshot> }>();

/**
 * Every shard, for a refusal: a read of them all that is in flight and was sent less than `FRESH_ENOUGH_MS`
 * ago is shared, the freshness a refusal may believe (`refusalBelievable`). At a sell-out each order must
 * see a read of every shard before it is refused; without sharing, the orders in flight on one instance
 * each read all 32 (one bench run: 1,041 such reads, 6.5 read units a stamp sold). A plan does not share
 * one (`planFresh`).
 */
const sharedFullRead = async (resellerId: string, retry: Retry) => {
  const pending = fullReads.get(resellerId);
  if (pending && Date.now() - pending.sentAt < FRESH_ENOUGH_MS) return (await pending.read).shards;
  const entry = { sentAt: Date.now(), read: readSnapshot(resellerId, retry) };
  fullReads.set(resellerId, entry);
  entry.read
    .finally(() => {
      if (fullReads.get(resellerId) === entry) fullReads.delete(resellerId);
    })
    .catch(() => undefined);
  return (await entry.read).shards;
};

/**
 * Snapshot reads in flight, per reseller: the requests that find the snapshot expired together (all those
 * in flight on a busy instance) share one read instead of each reading the shards.
 */
const snapshotReads = new Map<string, Promise<ShardSnapshot>>();

const snapshotShards = async (resellerId: string, retry: Retry): Promise<ShardSnapshot> => {
  const hit = snapshots.get(resellerId);
  if (hit && Date.now() - hit.at < SNAPSHOT_TTL_MS) return hit;
  const pending = snapshotReads.get(resellerId);
  if (pending) return pending;
  const read = readSnapshot(
    resellerId,
    retry,
    sampleShards(config().stockShardCount, SNAPSHOT_SAMPLE, Math.random),
  ).finally(() => snapshotReads.delete(resellerId));
  snapshotReads.set(resellerId, read);
  return read;
};

const NO_CLAIMS: ReadonlyMap<number, number> = new Map();

/**
 * Shards a full sample is widened by: 8 (4 read units). Widening by 4 concentrated a busy instance's
 * plans on too few shards, and more of their transactions found the shard dry (one bench run: 194
 * refused, against 69).
 */
const WIDENING = 8;

/**
 * Widenings of a sampled snapshot in flight, per reseller: the attempts whose sample filled up together
 * share one read of a few more shards.
 */
const widenings = new Map<string, Promise<ShardSnapshot | undefined>>();

/**
 * The sampled snapshot and `WIDENING` more shards, ones it has not read that no attempt of this
 * instance in flight aims at (`widenedSample`): an eventually consistent read of a few items, where a read
 * of every shard costs 16 read units. Its age stays the sample's (it expires with it). Undefined when no
 * such shard is left.
 */
const widenSample = (
  snapshot: ShardSnapshot,
  resellerId: string,
  retry: Retry,
  random: () => number,
): Promise<ShardSnapshot | undefined> => {
  const pending = widenings.get(resellerId);
  if (pending) return pending;
  const more = widenedSample(
    config().stockShardCount,
    snapshot.shards.map((shard) => shard.shard),
    inFlight.get(resellerId) ?? NO_CLAIMS,
    WIDENING,
    random,
  );
  if (more.length === 0) return Promise.resolve(undefined);
  const read = (async () => {
    const shards = await retry(() => stockStore.readShards(resellerId, { consistent: false, only: more }));
    const current = snapshots.get(resellerId) ?? snapshot;
    // A full read that landed meanwhile is better than a wider sample: it stands.
    if (!current.sampled) return current;
    const known = new Set(current.shards.map((shard) => shard.shard));
    const widened: ShardSnapshot = {
      at: current.at,
      shards: [
        ...current.shards,
        ...shards.filter((shard) => !known.has(shard.shard)).map((shard) => ({ ...shard })),
      ],
      sampled: true,
      ...(current.bounded ? { bounded: true } : {}),
    };
    snapshots.set(resellerId, widened);
    return widened;
  })().finally(() => widenings.delete(resellerId));
  widenings.set(resellerId, read);
  return read;
};

/**
 * What a refused attempt taught: each planned shard held less than its part (or is suspended), so the next
 * plan looks elsewhere without reading all the shards again; only a plan that finds nothing reads them.
 */
const noteDry = (resellerId: string, parts: readonly ShardPart[]) => {
  const hit = snapshots.get(resellerId);
  if (!hit) return;
  for (const part of parts) {
    const shard = hit.shards.find((entry) => entry.shard === part.shard);
    if (shard) shard.onHand = onHandAfterRefusal(shard.onHand, part.quantity);
  }
  hit.bounded = true;
};

/**
 * Stock this instance's attempts in flight planned on, per reseller and shard (`lessClaimed`): taken out of
 * the counts its other plans see until the attempt's write has answered.
 */
const inFlight = new Map<string, Map<number, number>>();

const claimParts = (resellerId: string, parts: readonly ShardPart[], sign: 1 | -1) => {
  const claims = inFlight.get(resellerId) ?? new Map<number, number>();
  for (const part of parts) {
    const left = (claims.get(part.shard) ?? 0) + sign * part.quantity;
    if (left > 0) claims.set(part.shard, left);
    else claims.delete(part.shard);
  }
  if (claims.size > 0) inFlight.set(resellerId, claims);
  else inFlight.delete(resellerId);
  if (sign < 0) {
    const waiting = releaseWaiters.get(resellerId);
    releaseWaiters.delete(resellerId);
    for (const wake of waiting ?? []) wake();
  }
};

/** A plan just made, claimed at once (before any await lets another plan of this instance run). */
const claimed = (resellerId: string, plan: ShardPart[]): ShardPart[] => {
  claimParts(resellerId, plan, 1);
  return plan;
};

/**
 * The plan an attempt holds, claimed from this instance's other plans (`inFlight`) from the moment it was
 * made until its write has answered or the attempt gave up (`release`, in a finally).
 */
class PlanClaim {
  #parts: ShardPart[];
  constructor(
    private readonly resellerId: string,
    parts: ShardPart[],
  ) {
    this.#parts = parts;
  }
  get plan(): ShardPart[] {
    return this.#parts;
  }
  /** A new plan (claimed by its planner) in place of this one. */
  replace(parts: ShardPart[]): void {
    claimParts(this.resellerId, this.#parts, -1);
    this.#parts = parts;
  }
  release(): void {
    this.replace([]);
  }
  /** The write landed: the stock is counted in the snapshot as taken from now on, no longer a claim. */
  landed(): void {
    const parts = this.#parts;
    this.release();
    noteTaken(this.resellerId, parts);
  }
}

/** Plans waiting for a claim of their reseller to be released (`claimReleased`). */
const releaseWaiters = new Map<string, (() => void)[]>();

/** Resolves when an attempt of this instance on the reseller's stock has answered, or after `ms`. */
const claimReleased = (resellerId: string, ms: number): Promise<void> =>
  new Promise((resolve) => {
    const timer = setTimeout(resolve, ms);
    const waiting = releaseWaiters.get(resellerId) ?? [];
    waiting.push(() => {
      clearTimeout(timer);
      resolve();
    });
    releaseWaiters.set(resellerId, waiting);
  });

/** Times a plan waits for an attempt in flight to answer, and how long each time at most. */
const CLAIM_WAITS = 3;
const CLAIM_WAIT_MS = 300;

/**
 * A plan on the counts less this instance's claims. When only the stock that attempts in flight aim at is
 * left, it waits (a few times, briefly) for one of them to answer: one that lands took the stock (its count
 * is noted), one refused frees it. Following them instead is mostly refused at a sell-out, a whole
 * transaction billed each. At last it plans on the counts as read, so a claim never turns a sale into a
 * refusal. `counts` is read again after each wait (the snapshot takes what answered attempts noted).
 */
const planAroundClaims = async <S extends { shard: number; onHand: number }>(
  resellerId: string,
  counts: () => readonly S[],
  plan: (seen: readonly S[]) => ShardPart[] | undefined,
): Promise<ShardPart[] | undefined> => {
  for (let wait = 0; ; wait += 1) {
    const claims = inFlight.get(resellerId);
    const shards = counts();
    if (!claims || claims.size === 0) return plan(shards);
    const around = plan(lessClaimed(shards, claims));
    if (around || wait === CLAIM_WAITS) return around ?? plan(shards);
    if (!plan(shards)) return undefined;
    await claimReleased(resellerId, CLAIM_WAIT_MS);
  }
};

/** What this instance just took, so its next plan does not aim at stock it already used. */
const noteTaken = (resellerId: string, parts: readonly ShardPart[]) => {
  const hit = snapshots.get(resellerId);
  if (!hit) return;
  for (const part of parts) {
    const shard = hit.shards.find((entry) => entry.shard === part.shard);
    if (shard) shard.onHand = onHandAfterTaking(shard.onHand, part.quantity);
  }
};

/** Fresh reads and plans one attempt makes when its shard was emptied under it. */
const SHARD_REPLANS = 3;

/** A queued order's attempts before its message is retried (each reads the order afresh). */
const PLANNED_ATTEMPTS = 5;

/** A plan for the order's shards, or why there is none. */
type Planned = { readonly plan: ShardPart[] } | { readonly outcome: 'SOLD_OUT' | 'RESELLER_SUSPENDED' };

/**
 * Plans on a read of every shard sent now (after a stale snapshot, or when the planned shard ran dry). Not
 * on one sent a moment ago, as a refusal may: plans made together on one read aim at the same stock, and
 * each refused attempt is a whole transaction billed (one bench run sharing such reads: 242 refused
 * attempts instead of 46, 0.6 write units a stamp more).
 */
const planFresh = async (
  resellerId: string,
  quantity: number,
  retry: Retry,
  random: () => number,
): Promise<Planned> => {
  const { shards } = await readSnapshot(resellerId, retry);
  if (shards.some((shard) => shard.suspended)) return { outcome: 'RESELLER_SUSPENDED' };
  const plan = await planAroundClaims(
    resellerId,
    () => shards,
    (seen) => planOrder(seen, quantity, random),
  );
  return plan ? { plan: claimed(resellerId, plan) } : { outcome: 'SOLD_OUT' };
};

/**
 * Plans on the snapshot (on a sample: one shard that holds the whole order); when it holds too little or a
 * suspension, reads every shard again (the snapshot may be a second old: a reservation just expired, a
 * suspension was lifted). A young read of every shard that holds too little is believed: a sold-out flood
 * costs one read a moment.
 */
const planFromSnapshot = async (
  snapshot: ShardSnapshot,
  resellerId: string,
  quantity: number,
  retry: Retry,
  random: () => number,
): Promise<Planned> => {
  const claims = inFlight.get(resellerId);
  const aroundClaims =
    snapshot.sampled && claims && claims.size > 0
      ? planOnSample(lessClaimed(snapshot.shards, claims), quantity, random)
      : undefined;
  // A sample whose stock this instance's attempts in flight already aim at: widened by a few shards they do
  // not aim at (then every shard is read) rather than send this attempt after theirs.
  if (snapshot.sampled && claims && claims.size > 0 && !aroundClaims) {
    const widened = await widenSample(snapshot, resellerId, retry, random);
    const plan =
      widened &&
      planOnSample(lessClaimed(widened.shards, inFlight.get(resellerId) ?? NO_CLAIMS), quantity, random);
    if (plan && !widened.shards.some((shard) => shard.suspended)) return { plan: claimed(resellerId, plan) };
    return planFresh(resellerId, quantity, retry, random);
  }
  const plan = snapshot.sampled
    ? (aroundClaims ?? planOnSample(snapshot.shards, quantity, random))
    : await planAroundClaims(
        resellerId,
        () => snapshot.shards,
        (seen) => planOrder(seen, quantity, random),
      );
  if (!plan && refusalBelievable(snapshot, Date.now(), FRESH_ENOUGH_MS)) return { outcome: 'SOLD_OUT' };
  if (plan && !snapshot.shards.some((shard) => shard.suspended)) return { plan: claimed(resellerId, plan) };
  return planFresh(resellerId, quantity, retry, random);
};

/**
 * Tries `plan`; when its shard ran dry (a stale snapshot, or others took the planned shard first near a
 * sell-out), plans again: on the snapshot with that shard marked down (`noteDry`) when it is a young read
 * of every shard (`mayReplanOn`), otherwise on a read of every shard now; a few times, until the attempt
 * lands or the storefront is sold out (or suspended), which is answered as the plan's refusal.
 */
const attemptWithReplans = async <O extends { readonly outcome: string }>(
  order: { readonly resellerId: string; readonly quantity: number },
  claim: PlanClaim,
  attempt: (plan: ShardPart[]) => Promise<O>,
  retry: Retry,
  random: () => number,
): Promise<{ readonly result: O } | Exclude<Planned, { plan: ShardPart[] }>> => {
  let result = await attempt(claim.plan);
  for (let replan = 0; result.outcome === 'SHARD_DRY' && replan < SHARD_REPLANS; replan += 1) {
    noteDry(order.resellerId, claim.plan);
    claim.release();
    const marked = snapshots.get(order.resellerId);
    const replanned =
      marked && mayReplanOn(marked, Date.now(), FRESH_ENOUGH_MS)
        ? await planFromSnapshot(marked, order.resellerId, order.quantity, retry, random)
        : await planFresh(order.resellerId, order.quantity, retry, random);
    if (!('plan' in replanned)) return replanned;
    claim.replace(replanned.plan);
    result = await attempt(claim.plan);
  }
  return { result };
};

/**
 * The two refusals a sale meets before any payment or write, in the order a buyer should hear them: over
 * the national cap (reported to the regulator), then sold out or suspended by the snapshot; else the plan.
 */
const planWithinCap = async (
  order: StorefrontOrder,
  boughtToday: number,
  snapshot: ShardSnapshot,
  context: {
    readonly settings: Pick<ReservationSettings, 'nikDailyCap'>;
    readonly now: Date;
    readonly retry: Retry;
    readonly random: () => number;
  },
): Promise<Planned | { readonly outcome: 'BUYER_CAP_EXCEEDED' }> => {
  const { settings, now, retry, random } = context;
  if (!fitsNationalCap(boughtToday, order.quantity, settings.nikDailyCap)) {
    await reportCapReached(order, now, settings.nikDailyCap, order.resellerId);
    return { outcome: 'BUYER_CAP_EXCEEDED' };
  }
  return planFromSnapshot(snapshot, order.resellerId, order.quantity, retry, random);
};

/**
 * Intake's refusals for an order that would otherwise wait behind others in the queue: a buyer at the
 * national cap, or a storefront sold out by a read a reservation attempt would believe, is told at once
 * (201 REJECTED) instead of 202 and a wait that ends in the same refusal. Nothing is taken or written, so
 * no order waiting in the queue is overtaken. Undefined: it may be served, and it waits its turn.
 */
export const refusalBeforeQueueing = async (
  order: StorefrontOrder,
  settings: Pick<ReservationSettings, 'nikDailyCap' | 'now' | 'random'>,
  options: { readonly retry: Retry; readonly prefetched: ReturnType<typeof prefetchReservation> },
): Promise<'SOLD_OUT' | 'BUYER_CAP_EXCEEDED' | 'RESELLER_SUSPENDED' | undefined> => {
  const [counter, snapshot] = await options.prefetched;
  const planned = await planWithinCap(order, countBefore(counter, order), snapshot, {
    settings,
    now: settings.now(),
    retry: options.retry,
    random: settings.random ?? Math.random,
  });
  if (!('plan' in planned)) return planned.outcome;
  // Only a question: the plan is not attempted here.
  claimParts(order.resellerId, planned.plan, -1);
  return undefined;
};

/**
 * Sold out for anyone: a read of every shard that a refusal may believe (`refusalBelievable`), or one made
 * now, holds too little for the order. The answer is public (the storefront's offer shows it), so intake
 * gives it before it asks the civil registry: it tells nothing about the person and probes nothing (it
 * still counts among the NIK's orders of the minute). Undefined: there may be stock, and the reservation attempt decides. A sample
 * of the shards that cannot place the order is followed by a read of them all, which the attempt would
 * make anyway (and then plans on).
 */
export const soldOutForAnyone = async (
  order: Pick<StorefrontOrder, 'resellerId' | 'quantity'>,
  options: { readonly retry: Retry; readonly prefetched: ReturnType<typeof prefetchReservation> },
): Promise<'SOLD_OUT' | undefined> => {
  const [, snapshot] = await options.prefetched;
  const fits = (shards: readonly { shard: number; onHand: number; suspended: boolean }[]) =>
    shards.some((shard) => shard.suspended) || planOrder(shards, order.quantity, Math.random) !== undefined;
  if (snapshot.sampled ? planOnSample(snapshot.shards, order.quantity, Math.random) : fits(snapshot.shards))
    return undefined;
  if (refusalBelievable(snapshot, Date.now(), FRESH_ENOUGH_MS)) return 'SOLD_OUT';
  return fits(await sharedFullRead(order.resellerId, options.retry)) ? undefined : 'SOLD_OUT';
};

/**
 * Whether the planned shards still hold the plan beside the stock other attempts of this instance claimed
 * on them, by a consistent read of them (one read unit each, where a refused transaction is billed two
 * write units per item). A plan that fails it is answered SHARD_DRY
 * without a write, and planned again as after a refusal (`attemptWithReplans`).
 */
const planStillHolds = async (resellerId: string, plan: readonly ShardPart[], retry: Retry) => {
  const shards = await retry(() =>
    stockStore.readShards(resellerId, { consistent: true, only: plan.map((part) => part.shard) }),
  );
  // Less what this instance's other attempts in flight claimed on the shard: they planned first.
  const claims = inFlight.get(resellerId);
  return plan.every((part) => {
    const shard = shards.find((entry) => entry.shard === part.shard);
    const others = Math.max(0, (claims?.get(part.shard) ?? 0) - part.quantity);
    return shard !== undefined && !shard.suspended && shard.onHand - others >= part.quantity;
  });
};

/** The reseller's own reasons to refuse, from the cached profile (a suspension is confirmed fresh). */
const resellerRefusal = async (resellerId: string) => {
  let reseller = await cachedReseller(resellerId);
  if (reseller && !isActive(reseller)) {
    // A suspension must not outlive its resume: confirm with a fresh read before rejecting.
    forgetReseller(resellerId);
    reseller = await cachedReseller(resellerId);
  }
  if (!reseller || !isActive(reseller)) return { refusal: 'RESELLER_SUSPENDED' as const };
  if (!reseller.storefrontOpen) return { refusal: 'STOREFRONT_CLOSED' as const };
  return { reseller };
};

/**
 * The reads an attempt starts with (the buyer's count today, the stock snapshot), started early so that
 * intake can overlap them with its own checks.
 */
export const prefetchReservation = (
  resellerId: string,
  nikHash: string,
  day: string,
  retry: Retry,
  /** The buyer's counter, when the caller read it already (intake's `readIntake`). */
  counter?: NikDayCounter,
) =>
  Promise.all([
    counter ?? retry(() => storefrontStore.readNikDayCounter(nikHash, day)),
    snapshotShards(resellerId, retry),
  ]);

/**
 * One reservation attempt for `order`: a new order (`create`: it is written RESERVED, or not at all) or the
 * QUEUED order as read. Rejections are answered, not written: the caller decides whether a rejected order
 * is recorded (both do: intake answers 201 REJECTED, the queue marks the QUEUED order REJECTED).
 */
export const attemptReservation = async (
  order: StorefrontOrder,
  settings: ReservationSettings,
  options: {
    create: boolean;
    retry?: Retry;
    prefetched?: ReturnType<typeof prefetchReservation>;
    /** The claim the registry confirmed at intake, to remember with the reservation. */
    verifiedClaim?: string;
    /** Intake's count of this order, taken by the hold's write of the day counter (`holdForOrder`). */
    intakeNote?: IntakeNote;
  },
): Promise<ReservationResult> => {
  const retry: Retry = options.retry ?? ((unit) => withStoreRetries(unit));
  const random = settings.random ?? Math.random;
  const now = settings.now();
  const checked = await resellerRefusal(order.resellerId);
  if (!checked.reseller) return { outcome: checked.refusal };
  const day = jakartaDay(now);
  // Cheap first, together: the buyer's count today and the stock as this instance last saw it. A buyer at
  // the cap or a sold-out storefront is refused before any payment or write.
  const [counter, snapshot] = await (options.prefetched ??
    prefetchReservation(order.resellerId, order.nikHash, day, retry));
  // One unpaid reservation per person: a hold whose window is open blocks, unless its order is settled.
  let settledHold: string | undefined;
  if (settings.onePerPerson && holdOpen(counter.holdUntil, now) && counter.holdOrder !== order.orderId) {
    const held = counter.holdOrder
      ? await retry(() => storefrontStore.getOrder(counter.holdOrder as string))
      : undefined;
    if (!held || held.status === 'RESERVED') return { outcome: 'UNPAID_ORDER_PENDING' };
    settledHold = held.orderId;
  }
  // An earlier attempt's hold (its process died, or its answer was lost) is this attempt's: it is neither
  // counted against the order (`countBefore`) nor made again, and it is given back if the order is refused.
  const heldBefore = counter.held.includes(order.orderId) ? { heldOn: day } : {};
  if (settings.onePerPerson && lapseBlocks(counter, order.clientHash, now))
    return { outcome: 'LAPSED_RECENTLY', ...heldBefore };
  const planned = await planWithinCap(order, countBefore(counter, order), snapshot, {
    settings,
    now,
    retry,
    random,
  });
  if (!('plan' in planned)) return { ...planned, ...heldBefore };
  const claim = new PlanClaim(order.resellerId, planned.plan);
  try {
    const price = unitPrice(checked.reseller.serviceFeeIdr);
    const expiresAt = reservationExpiry(now, settings.reservationTtlSeconds);
    let planChecked: Promise<boolean> | undefined;
    // The buyer's hold goes beside the payment's creation, not after it: the stock plan is a moment old
    // when its transaction runs, and every moment more near a sell-out is a shard another took first. The
    // order's timer is armed before the hold, so no hold is ever made without a timer to settle it.
    const holding = settings.timers
      .arm(
        order.orderId,
        firstOrderCheck(now, settings),
        0,
        options.create
          ? {
              resellerId: order.resellerId,
              nikHash: order.nikHash,
              quantity: order.quantity,
              requestHash: order.requestHash,
              createdAt: order.createdAt,
              day,
            }
          : undefined,
      )
      .then(() => {
        planChecked = planStillHolds(order.resellerId, claim.plan, retry);
        planChecked.catch(() => undefined);
        return retry(() =>
          storefrontStore.holdForOrder(order, {
            day,
            cap: settings.nikDailyCap,
            at: now.toISOString(),
            // Until the payment window's end (the QR asked for below expires with it).
            expiresAt: expiresAt.toISOString(),
            onePerPerson: settings.onePerPerson,
            ...(settledHold ? { settledHold } : {}),
            ...(options.verifiedClaim ? { verifiedClaim: options.verifiedClaim } : {}),
            ...(options.intakeNote ? { intakeNote: options.intakeNote } : {}),
          }),
        );
      });
    const [payment, hold] = await Promise.all([
      // Idempotent on the reference, so a retried call returns the same QR.
      retry(() =>
        settings.gateway.createPayment({
          reference: order.orderId,
          amountIdr: price * order.quantity,
          expiresAt,
          merchantName: checked.reseller.name,
        }),
      ),
      holding,
    ]);
    crashPoint('reservation:after-payment-created');
    switch (hold.outcome) {
      case 'CAP_REACHED':
        await reportCapReached(order, now, settings.nikDailyCap, order.resellerId);
        return { outcome: 'BUYER_CAP_EXCEEDED' };
      case 'HOLD_PENDING':
        return { outcome: 'UNPAID_ORDER_PENDING' };
      case 'LAPSED_RECENTLY':
        return { outcome: 'LAPSED_RECENTLY' };
      case 'INTAKE_LIMITED':
        return { outcome: 'INTAKE_LIMITED' };
    }
    const held = { heldOn: day };
    crashPoint('reservation:after-hold');
    // The reseller's webhook event rides in the reservation's own write.
    const recorded = await eventsFor(
      order.resellerId,
      [
        {
          type: 'order.reserved',
          reference: order.orderId,
          data: {
            orderId: order.orderId,
            channel: 'STOREFRONT',
            quantity: order.quantity,
            unitPriceIdr: price,
            amountIdr: price * order.quantity,
            reservedUntil: payment.expiresAt,
            buyer: buyerReference(order.nikHash),
          },
        },
      ],
      now.toISOString(),
    );
    const reserve = async (parts: ShardPart[]): Promise<ReserveOutcome> => {
      // The first plan, read again beside the hold: one that a shard no longer holds is planned again
      // before its transaction, which near a sell-out was refused one time in five, billed in full.
      const check = planChecked;
      planChecked = undefined;
      if (check && !(await check.catch(() => true))) return { outcome: 'SHARD_DRY' };
      return retry(() =>
        storefrontStore.reserve(order, {
          parts,
          day,
          unitPriceIdr: price,
          expiresAt: payment.expiresAt,
          at: now.toISOString(),
          payment,
          create: options.create,
          ...(settledHold ? { settledHold } : {}),
          extraItems: recorded.items,
        }),
      );
    };

    const attempted = await attemptWithReplans(order, claim, reserve, retry, random);
    if (!('result' in attempted)) return { ...attempted, ...held };
    const outcome = attempted.result;
    switch (outcome.outcome) {
      case 'RESERVED':
        claim.landed();
        crashPoint('reservation:after-reserve');
        await dispatchEvents(recorded);
        return { outcome: 'RESERVED', order: outcome.order };
      case 'HOLD_PENDING':
        return { outcome: 'UNPAID_ORDER_PENDING', ...held };
      case 'ORDER_CHANGED':
      case 'SHARD_DRY':
        // The order moved (a twin won, or it left QUEUED), or the planned shards emptied under us again:
        // another attempt (the queue's) reads them again, with this hold.
        return { outcome: 'ORDER_CHANGED', ...held };
    }
  } finally {
    claim.release();
  }
};

/**
 * Gives the buyer's held count back for an order now written REJECTED (`givesHoldBack`), never before:
 * an attempt still in flight with the hold cannot reserve a rejected order. A repeat gives nothing twice.
 */
export const releaseHoldOf = async (
  order: Pick<StorefrontOrder, 'orderId' | 'nikHash' | 'quantity' | 'status'>,
  day: string,
  retry: Retry = (unit) => withStoreRetries(unit),
): Promise<void> => {
  if (!givesHoldBack(order.status)) return;
  await retry(() => storefrontStore.releaseHold(order, day));
};

export type DirectSaleResult =
  | { readonly outcome: 'SOLD'; readonly order: StorefrontOrder }
  | { readonly outcome: 'SOLD_OUT' | 'BUYER_CAP_EXCEEDED' | 'RESELLER_SUSPENDED' }
  /** The order exists already (a concurrent request with the same key won), or shards kept emptying. */
  | { readonly outcome: 'ORDER_CHANGED' };

/**
 * An own-channel sale (`storefrontStore.sellDirect`) planned like a reservation: on a shard this instance saw
 * with the stock a moment ago, refused before any write when the buyer is at the national cap or the
 * reseller is sold out, and planned again on fresh reads when a shard emptied under it. The transaction's
 * conditions stay the truth, exactly as for a reservation.
 */
export const attemptDirectSale = async (
  order: StorefrontOrder,
  settings: Pick<ReservationSettings, 'nikDailyCap' | 'now' | 'random'>,
  options: {
    unitPriceIdr: number;
    serials: string[];
    retry: Retry;
    prefetched: ReturnType<typeof prefetchReservation>;
    verifiedClaim?: string;
    extraItems?: readonly Record<string, unknown>[];
  },
): Promise<DirectSaleResult> => {
  const random = settings.random ?? Math.random;
  const now = settings.now();
  const day = jakartaDay(now);
  const { retry } = options;
  const [counter, snapshot] = await options.prefetched;
  const planned = await planWithinCap(order, countBefore(counter, order), snapshot, {
    settings,
    now,
    retry,
    random,
  });
  if (!('plan' in planned)) return planned;
  const claim = new PlanClaim(order.resellerId, planned.plan);
  try {
    const sell = (parts: ShardPart[]): Promise<DirectSaleOutcome> =>
      retry(() =>
        storefrontStore.sellDirect(order, {
          parts,
          day,
          cap: settings.nikDailyCap,
          unitPriceIdr: options.unitPriceIdr,
          serials: options.serials,
          at: now.toISOString(),
          ...(options.verifiedClaim ? { verifiedClaim: options.verifiedClaim } : {}),
          ...(options.extraItems ? { extraItems: options.extraItems } : {}),
        }),
      );
    const attempted = await attemptWithReplans(order, claim, sell, retry, random);
    if (!('result' in attempted)) return attempted;
    const outcome = attempted.result;
    switch (outcome.outcome) {
      case 'SOLD':
        claim.landed();
        return { outcome: 'SOLD', order: outcome.order };
      case 'CAP_REACHED':
        await reportCapReached(order, now, settings.nikDailyCap, order.resellerId);
        return { outcome: 'BUYER_CAP_EXCEEDED' };
      case 'ORDER_CHANGED':
      case 'SHARD_DRY':
        return { outcome: 'ORDER_CHANGED' };
    }
  } finally {
    claim.release();
  }
};

/**
 * A queued order refused: written REJECTED, then its hold (if it holds one) given back. The day of the
 * hold is kept on the order, so a redelivery that finds it REJECTED gives back a hold whose release failed.
 */
const recordRejection = async (
  order: StorefrontOrder,
  reason: RejectionReason,
  now: Date,
  heldOn: string | undefined,
) => {
  const rejected = await withStoreRetries(() =>
    storefrontStore.reject(order, reason, now.toISOString(), heldOn),
  ).then(
    () => true,
    (error) => {
      if (!(error instanceof ConditionFailed)) throw error;
      return false;
    },
  );
  if (rejected) publishCounts({ [SaleMetric.rejected]: 1 });
  const current = rejected
    ? { ...order, status: 'REJECTED' as const }
    : await withStoreRetries(() => storefrontStore.getOrder(order.orderId));
  if (heldOn && current) await releaseHoldOf(current, heldOn);
  return reason;
};

/**
 * The reservation consumer's use case for a QUEUED order. Idempotent on the order: a duplicate delivery
 * finds it past QUEUED and does nothing.
 */
export const reserveOrder = async (
  orderId: string,
  settings: ReservationSettings,
): Promise<ReservationOutcome> => {
  for (let round = 0; round < PLANNED_ATTEMPTS; round += 1) {
    const order = await withStoreRetries(() => storefrontStore.getOrder(orderId));
    if (!order) return 'NOT_FOUND';
    if (order.status !== 'QUEUED') {
      // Refused with a hold whose release did not happen (its process died): given back now.
      if (order.status === 'REJECTED' && order.day) await releaseHoldOf(order, order.day);
      return 'ALREADY_DONE';
    }
    const result = await attemptReservation(order, settings, { create: false });
    if (result.outcome === 'RESERVED') {
      const waited = order.queuedAt ? (settings.now().getTime() - Date.parse(order.queuedAt)) / 1000 : 0;
      publishCounts({ [SaleMetric.reserved]: 1 }, { [SaleMetric.queueWaitSeconds]: Math.max(0, waited) });
      await notifyOrder(result.order, 'RESERVED', { amountIdr: result.order.amountIdr });
      return 'RESERVED';
    }
    // (INTAKE_LIMITED is intake's alone: a queued order was counted when it was taken in.)
    if (result.outcome !== 'ORDER_CHANGED' && result.outcome !== 'INTAKE_LIMITED')
      return recordRejection(order, result.outcome, settings.now(), result.heldOn);
    // A concurrent delivery moved it, or a shard emptied under us: look again.
  }
  logger.warn('reservation did not settle; the message will be retried', { orderId });
  throw new Error('reservation did not settle');
};

/** What the reservation consumer settles: a queued order reserved or refused (its drain, for the ETA). */
export const settledFromQueue = (outcome: ReservationOutcome): boolean =>
  outcome !== 'ALREADY_DONE' && outcome !== 'NOT_FOUND';

/**
 * The queue's measured drain rate, for the ETA queued buyers see: the orders one batch of the reservation
 * consumer settled, counted in one write (not one per order).
 */
export const countDrainedOrders = async (outcomes: readonly ReservationOutcome[], now: Date) => {
  const settled = outcomes.filter(settledFromQueue).length;
  if (settled > 0) await withStoreRetries(() => storefrontStore.countDrained(now, settled));
};

/** One alert per NIK per day, with the storefronts it tried: the scalper's footprint, pseudonymously. */
const reportCapReached = async (order: StorefrontOrder, now: Date, cap: number, resellerId: string) => {
  const day = jakartaDay(now);
  try {
    const { count, storefronts } = await withStoreRetries(() =>
      storefrontStore.readNikDay(order.nikHash, day),
    );
    await withStoreRetries(() =>
      alertStore.recordAlert(alertIdOf('NIK_CAP_REACHED', order.nikHash, day), {
        kind: 'NIK_CAP_REACHED',
        at: now.toISOString(),
        resellerId,
        evidence: {
          buyer: buyerReference(order.nikHash),
          day,
          cap,
          reservedToday: count,
          storefronts: storefronts.sort(),
        },
      }),
    );
  } catch (error) {
    logger.warn('could not record a cap alert', { error: String(error) });
  }
};
