import { alertStore } from '../adapters/alert-store.js';
import { ConditionFailed, RetryableStoreError, withStoreRetries } from '../adapters/dynamo-errors.js';
import { queues } from '../adapters/queues.js';
import { quotaOrderStore } from '../adapters/quota-order-store.js';
import { type LaneCursor, reconciliationStore } from '../adapters/reconciliation-store.js';
import { resellerStore } from '../adapters/reseller-store.js';
import { stockStore } from '../adapters/stock-store.js';
import { mapLimited } from '../concurrency.js';
import { alertIdOf } from '../domain/alerts.js';
import { DomainError, IdempotencyKeyReusedError, NotFoundError } from '../domain/errors.js';
import { idFromIdempotencyKey, sha256Hex } from '../domain/identifiers.js';
import { dutyFor } from '../domain/money.js';
import { assertPaymentMatches, newQuotaOrder, type QuotaOrder } from '../domain/quota-order.js';
import {
  planRound,
  RECONCILIATION_CHECKS_PER_RUN,
  RECONCILIATION_CONCURRENCY,
  reconciliationBacklog,
} from '../domain/reconciliation.js';
import { exceedsHoldingCap, holdingCapRoom, isActive, RESELLER_IDS } from '../domain/resellers.js';
import { holdingOf, sumShards } from '../domain/stock.js';
import type { TaxAuthority } from '../domain/tax-authority.js';
import { MainKeys } from '../infra/resources.js';
import { logger } from '../logger.js';
import { estimateCompletion } from './allocation.js';
import { dispatchEvents, eventsFor } from './reseller-webhooks.js';
import { allocationSettings } from './settings.js';

export interface QuotaOrderDeps {
  readonly taxAuthority: TaxAuthority;
  readonly billingTtlSeconds: number;
  readonly now: () => Date;
}

export const creationView = (order: QuotaOrder) => ({
  id: order.id,
  status: 'AWAITING_PAYMENT' as const,
  quantity: order.quantity,
  amountIdr: order.amountIdr,
  billingCode: order.billingCode,
  expiresAt: order.expiresAt,
});

export const orderView = (order: QuotaOrder, estimatedCompletionAt?: string) => ({
  id: order.id,
  status: order.status,
  quantity: order.quantity,
  amountIdr: order.amountIdr,
  billingCode: order.billingCode,
  createdAt: order.createdAt,
  expiresAt: order.expiresAt,
  ...(order.ntpn ? { ntpn: order.ntpn } : {}),
  ...(order.paidAt ? { paidAt: order.paidAt } : {}),
  allocation: {
    allocated: order.allocatedQuantity,
    remaining: order.quantity - order.allocatedQuantity,
    ...(estimatedCompletionAt ? { estimatedCompletionAt } : {}),
  },
});

const replayOrConflict = (existing: QuotaOrder & { requestHash: string }, requestHash: string) => {
  if (existing.requestHash !== requestHash) {
    throw new IdempotencyKeyReusedError('request body');
  }
  return creationView(existing);
};

/** What a replay must repeat: the body (a quantity). */
export const quotaOrderRequestHash = (quantity: number) => sha256Hex(JSON.stringify({ quantity }));
/** The order an Idempotency-Key names, for this reseller. */
export const quotaOrderIdOf = (resellerId: string, idempotencyKey: string) =>
  idFromIdempotencyKey('QO', resellerId, idempotencyKey);

/**
 * A reseller asks to buy `quantity` stamps. The order id is derived from the Idempotency-Key, so a retry
 * (even one whose first attempt crashed midway) lands on the same order and the same billing code.
 */
export const createQuotaOrder = async (
  input: { resellerId: string; quantity: number; idempotencyKey: string },
  deps: QuotaOrderDeps,
) => {
  const requestHash = quotaOrderRequestHash(input.quantity);
  const orderId = quotaOrderIdOf(input.resellerId, input.idempotencyKey);
  return withStoreRetries(async () => {
    const existing = await quotaOrderStore.getQuotaOrder(input.resellerId, orderId);
    if (existing) return replayOrConflict(existing, requestHash);

    const reseller = await resellerStore.getReseller(input.resellerId);
    if (!reseller) throw new NotFoundError('reseller');
    if (!isActive(reseller)) {
      throw new DomainError('RESELLER_SUSPENDED', 'this reseller is suspended and cannot buy quota');
    }
    // Pipeline first, shards second: an allocation committing in between is counted twice, never missed.
    // The raw shards count the sales the fold has not reached yet as held, so they can only overstate the
    // holding: the exact read (32 index queries) only when they say the cap would be passed.
    let holding = holdingOf(sumShards(await stockStore.readShards(input.resellerId)), reseller.pipeline);
    if (exceedsHoldingCap(holding, input.quantity, reseller.holdingCap))
      holding = holdingOf(sumShards(await stockStore.readStock(input.resellerId)), reseller.pipeline);
    if (exceedsHoldingCap(holding, input.quantity, reseller.holdingCap)) {
      throw new DomainError(
        'HOLDING_CAP_EXCEEDED',
        `this order would raise holdings to ${holding + input.quantity} stamps, above the holding cap of ${reseller.holdingCap}`,
        [
          {
            path: 'body.quantity',
            message: `must be at most ${holdingCapRoom(holding, reseller.holdingCap)}`,
          },
        ],
        { holdingCap: reseller.holdingCap, holding },
      );
    }

    try {
      return creationView(
        await openQuotaOrder({ ...input, orderId, requestHash, pipeline: reseller.pipeline }, deps),
      );
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      const winner = await quotaOrderStore.getQuotaOrder(input.resellerId, orderId);
      if (winner) return replayOrConflict(winner, requestHash);
      // Another order of this reseller (or a suspension) changed the profile since it was read: decide again.
      throw new RetryableStoreError('TRANSACTION_CONFLICT');
    }
  });
};

/**
 * A quota order's writes once its checks passed on the reseller's profile as read: its billing at the tax
 * authority (idempotent on the order id), then the order, conditional on the `pipeline` that was read (an
 * order or a suspension since then: ConditionFailed). Placing many orders of one reseller one after another
 * (a test's flood) needs only these writes, with the pipeline each order leaves.
 */
export const openQuotaOrder = async (
  input: { resellerId: string; quantity: number; orderId: string; requestHash: string; pipeline: number },
  deps: QuotaOrderDeps,
): Promise<QuotaOrder> => {
  const now = deps.now();
  const billing = await deps.taxAuthority.createBilling({
    reference: input.orderId,
    amountIdr: dutyFor(input.quantity),
    expiresAt: new Date(now.getTime() + deps.billingTtlSeconds * 1000),
  });
  const order = newQuotaOrder({
    id: input.orderId,
    resellerId: input.resellerId,
    quantity: input.quantity,
    billingCode: billing.billingCode,
    now,
    billingExpiresAt: new Date(billing.expiresAt),
  });
  await quotaOrderStore.createQuotaOrder(order, input.requestHash, input.pipeline);
  return order;
};

export const getQuotaOrder = async (resellerId: string, orderId: string) => {
  // The key includes the caller's reseller id: another reseller's order is simply not there (404).
  const order = await withStoreRetries(() => quotaOrderStore.getQuotaOrder(resellerId, orderId));
  if (!order) throw new NotFoundError('quota order');
  return orderView(order, await estimateCompletion(order, allocationSettings()));
};

export interface TaxPaymentNotice {
  readonly billingCode: string;
  readonly ntpn: string;
  readonly amountIdr: number;
  readonly paidAt: string;
}

export type CreditOutcome = 'CREDITED' | 'ALREADY_CREDITED';

/**
 * Credits a paid billing to its quota order exactly once, whoever reports it (webhook, duplicate webhook,
 * reconciliation). After the credit, the allocation request is (re-)sent on every report: the allocation
 * consumer is idempotent, and re-sending covers a crash between the credit and the send.
 */
export const recordTaxPayment = async (notice: TaxPaymentNotice, now: () => Date): Promise<CreditOutcome> => {
  const outcome = await withStoreRetries(async (): Promise<{ outcome: CreditOutcome; order: QuotaOrder }> => {
    const lookup = await quotaOrderStore.findOrderByBillingCode(notice.billingCode);
    if (!lookup) throw new NotFoundError('billing code');
    const order = await quotaOrderStore.getQuotaOrder(lookup.resellerId, lookup.orderId);
    if (!order) throw new NotFoundError('quota order');

    if (order.ntpn === notice.ntpn) return { outcome: 'ALREADY_CREDITED', order };
    if (order.ntpn) {
      await raiseNtpnConflict(notice, order, now);
    }
    try {
      assertPaymentMatches(order, notice.amountIdr);
    } catch (error) {
      await alertStore.recordAlert(alertIdOf('TAX_AMOUNT_MISMATCH', notice.ntpn), {
        kind: 'TAX_AMOUNT_MISMATCH',
        at: now().toISOString(),
        resellerId: order.resellerId,
        evidence: {
          billingCode: notice.billingCode,
          ntpn: notice.ntpn,
          expectedIdr: order.amountIdr,
          paidIdr: notice.amountIdr,
        },
      });
      throw error;
    }
    // The reseller's webhook event rides in the credit's own write.
    const recorded = await eventsFor(
      order.resellerId,
      [
        {
          type: 'quota_order.paid',
          reference: order.id,
          data: {
            quotaOrderId: order.id,
            quantity: order.quantity,
            amountIdr: order.amountIdr,
            ntpn: notice.ntpn,
            paidAt: notice.paidAt,
          },
        },
      ],
      now().toISOString(),
    );
    try {
      await quotaOrderStore.markQuotaOrderPaid(
        order,
        { ntpn: notice.ntpn, paidAt: notice.paidAt },
        recorded.items,
      );
      await dispatchEvents(recorded);
      return { outcome: 'CREDITED', order };
    } catch (error) {
      if (!(error instanceof ConditionFailed)) throw error;
      // Lost the race to another report of the same payment, or the NTPN belongs to another billing.
      const current = await quotaOrderStore.getQuotaOrder(order.resellerId, order.id);
      if (current?.ntpn === notice.ntpn) return { outcome: 'ALREADY_CREDITED', order: current };
      await raiseNtpnConflict(notice, current ?? order, now);
      throw error;
    }
  });
  if (outcome.outcome === 'CREDITED') {
    logger.info('quota order paid', { quotaOrderId: outcome.order.id, resellerId: outcome.order.resellerId });
  }
  if (outcome.order.status !== 'ALLOCATED') {
    await queues.requestAllocation({
      quotaOrderId: outcome.order.id,
      resellerId: outcome.order.resellerId,
      expectedAllocated: outcome.order.allocatedQuantity,
    });
  }
  return outcome.outcome;
};

const raiseNtpnConflict = async (
  notice: TaxPaymentNotice,
  order: QuotaOrder,
  now: () => Date,
): Promise<never> => {
  const holder = await quotaOrderStore.getNtpn(notice.ntpn);
  await alertStore.recordAlert(alertIdOf('NTPN_CONFLICT', notice.ntpn, notice.billingCode), {
    kind: 'NTPN_CONFLICT',
    at: now().toISOString(),
    resellerId: order.resellerId,
    evidence: {
      billingCode: notice.billingCode,
      ntpn: notice.ntpn,
      orderNtpn: order.ntpn ?? null,
      ntpnAlreadyUsedBy: holder?.billingCode ?? null,
    },
  });
  throw new DomainError(
    'NTPN_CONFLICT',
    'this payment notice conflicts with an earlier one; it was not credited',
  );
};

/** One billing's check: paid -> credited like a webhook would; lapsed per the tax authority -> EXPIRED. */
const checkBilling = async (
  order: QuotaOrder,
  deps: QuotaOrderDeps,
): Promise<'CREDITED' | 'EXPIRED' | 'AWAITING' | 'MISMATCHED' | 'FAILED'> => {
  try {
    const billing = await deps.taxAuthority.getBilling(order.billingCode);
    if (billing?.status === 'PAID' && billing.ntpn && billing.paidAt) {
      await recordTaxPayment(
        {
          billingCode: order.billingCode,
          ntpn: billing.ntpn,
          amountIdr: billing.paidAmountIdr ?? billing.amountIdr,
          paidAt: billing.paidAt,
        },
        deps.now,
      );
      return 'CREDITED';
    }
    if (billing?.status === 'EXPIRED') {
      await withStoreRetries(() => quotaOrderStore.markQuotaOrderExpired(order)).catch((error) => {
        if (!(error instanceof ConditionFailed)) throw error;
      });
      return 'EXPIRED';
    }
    return 'AWAITING';
  } catch (error) {
    if (error instanceof DomainError && error.code === 'AMOUNT_MISMATCH') return 'MISMATCHED';
    logger.error('reconciliation of a billing failed', { quotaOrderId: order.id, error: String(error) });
    return 'FAILED';
  }
};

/** The work lanes: one per reseller, and the shared partition of orders from before lanes existed. */
const reconciliationLanes = (): string[] => [
  ...RESELLER_IDS.map((resellerId) => MainKeys.awaitingPaymentWorkOf(resellerId)),
  MainKeys.awaitingPaymentWork,
];

/**
 * The safety net for lost webhooks: asks the tax authority about billings still awaiting payment. Paid ->
 * credited like a webhook would; lapsed and unpaid per the tax authority -> EXPIRED. An order is expired only
 * on the tax authority's word, never on the local clock alone.
 *
 * Bounded and fair (lib/domain/reconciliation.ts): a run makes at most `checksPerRun` checks, shared
 * max-min fairly among the resellers' lanes, each continuing from where the last run left it; the orders
 * it did not get to are its backlog.
 */
export const reconcileAwaitingPayment = async (
  deps: QuotaOrderDeps & { checksPerRun?: number; concurrency?: number },
) => {
  const tally = { checked: 0, credited: 0, expired: 0, mismatched: 0, failed: 0, awaiting: 0, backlog: 0 };
  const saved = await withStoreRetries(() => reconciliationStore.readCursors());
  const lanes = reconciliationLanes();
  // Each lane runs from where the last run left it to its end, then from its top back to that point, so
  // a run checks min(budget, awaiting) orders, none twice.
  const cursors: Record<string, LaneCursor | undefined> = { ...saved.lanes };
  const stopAt: Record<string, string | undefined> = {};
  const wrapped = new Set<string>();
  const active = new Set(lanes);
  let budget = deps.checksPerRun ?? RECONCILIATION_CHECKS_PER_RUN;
  let checkedStillAwaiting = 0;
  while (budget > 0 && active.size > 0) {
    const round = planRound(
      lanes.filter((lane) => active.has(lane)),
      budget,
      saved.rotation,
    );
    const pages = await Promise.all(
      round.map(async ({ lane, share }) => {
        const read = await withStoreRetries(() => reconciliationStore.lanePage(lane, share, cursors[lane]));
        const limit = stopAt[lane];
        const entries =
          wrapped.has(lane) && limit ? read.filter(({ key }) => String(key.gsi1sk) <= limit) : read;
        const last = entries.at(-1);
        if (last) cursors[lane] = last.key;
        if (entries.length < read.length || read.length < share) {
          // The lane's end: from the top again if the run began part-way and has not wrapped yet.
          const began = saved.lanes[lane];
          if (began && !wrapped.has(lane)) {
            wrapped.add(lane);
            stopAt[lane] = String(began.gsi1sk);
            cursors[lane] = undefined;
          } else {
            active.delete(lane);
            if (!wrapped.has(lane)) cursors[lane] = undefined;
          }
        }
        return entries.map(({ order }) => order);
      }),
    );
    const orders = pages.flat();
    budget -= orders.length;
    await mapLimited(orders, deps.concurrency ?? RECONCILIATION_CONCURRENCY, async (order) => {
      tally.checked += 1;
      const outcome = await checkBilling(order, deps);
      if (outcome === 'CREDITED') tally.credited += 1;
      else if (outcome === 'EXPIRED') tally.expired += 1;
      else if (outcome === 'MISMATCHED') tally.mismatched += 1;
      else if (outcome === 'FAILED') tally.failed += 1;
      if (outcome !== 'CREDITED' && outcome !== 'EXPIRED') checkedStillAwaiting += 1;
    });
  }
  const kept = Object.fromEntries(
    Object.entries(cursors).filter((entry): entry is [string, LaneCursor] => entry[1] !== undefined),
  );
  await withStoreRetries(() =>
    reconciliationStore.writeCursors({ lanes: kept, rotation: saved.rotation + 1 }, deps.now().toISOString()),
  );
  tally.awaiting = await withStoreRetries(() => reconciliationStore.awaitingTotal(RESELLER_IDS));
  tally.backlog = reconciliationBacklog({ awaitingAfterRun: tally.awaiting, checkedStillAwaiting });
  return tally;
};
