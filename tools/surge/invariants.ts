import type {
  CrashReport,
  InvariantResult,
  LedgerVerdict,
  OrderRecord,
  VendorFigures,
  VendorRow,
} from './model.js';
import type { SurgeOptions } from './options.js';

export type { InvariantResult, LedgerVerdict, VendorFigures };

export interface InvariantInput {
  readonly options: SurgeOptions;
  readonly records: readonly OrderRecord[];
  readonly niks: number;
  readonly resellerIds: readonly string[];
  readonly before: ReadonlyMap<string, VendorRow>;
  readonly after: ReadonlyMap<string, VendorRow>;
  readonly ledger: LedgerVerdict | null;
  readonly fiveXx: number;
  readonly byRoute: Readonly<Record<string, Readonly<Record<string, number>>>>;
  /** With --crash-at: the crash must have happened, for the other checks to say anything about it. */
  readonly crash?: CrashReport | null;
}

/** Intake refusals a well-formed order can legitimately get (besides 429, which the client retries). */
const EXPECTED_REFUSALS = new Set(['STOREFRONT_CLOSED', 'RESELLER_SUSPENDED']);

/**
 * What must hold after a surge, checked from the outside: the client's own tallies, the regulator's view
 * (GET /v1/regulator/vendors, before and after) and the ledger audit must agree; nobody got more than the
 * per-NIK cap; every rupiah paid bought stamps or came back in full; no 5xx.
 */
export const checkInvariants = (input: InvariantInput) => {
  const invariants: InvariantResult[] = [];
  const violations: string[] = [];
  const warnings: string[] = [];
  const add = (name: string, problems: string[], okDetail: string) => {
    invariants.push({
      name,
      ok: problems.length === 0,
      detail: problems.length === 0 ? okDetail : `${problems.length} violation(s)`,
    });
    for (const problem of problems) violations.push(`${name}: ${problem}`);
  };
  const accepted = input.records.filter((record) => record.outcome === 'ACCEPTED');
  const label = (record: OrderRecord) =>
    `order ${record.orderId ?? record.key} (${record.resellerId}, ${record.quantity} stamp(s), ${record.kind}/${record.behaviour})`;

  // 1. No 5xx.
  const fiveXxRoutes = Object.entries(input.byRoute).flatMap(([route, statuses]) =>
    Object.entries(statuses)
      .filter(([status]) => Number(status) >= 500)
      .map(([status, count]) => `${route} answered ${status} ${count} time(s)`),
  );
  add(
    'no 5xx',
    fiveXxRoutes,
    `0 of ${Object.values(input.byRoute).reduce((sum, statuses) => sum + Object.values(statuses).reduce((a, b) => a + b, 0), 0)} responses`,
  );

  // 2. Intake refuses a valid order only for a reason the buyer can act on.
  const refusals = input.records.filter(
    (record) => record.outcome === 'REFUSED' && !EXPECTED_REFUSALS.has(record.refused?.code ?? ''),
  );
  add(
    'valid orders are accepted',
    refusals.map(
      (record) => `${label(record)} refused with ${record.refused?.status} ${record.refused?.code}`,
    ),
    `${accepted.length} accepted; refusals only for closed or suspended storefronts`,
  );

  // 3. Every accepted order ended, or it is explained why not.
  const unsettled = accepted.filter((record) => !record.settled);
  const unexplained = unsettled.filter((record) => !record.explained);
  add(
    'every accepted order reached a terminal state',
    [
      ...unexplained.map(
        (record) =>
          `${label(record)} is still ${record.final?.status ?? 'unseen'}${record.final?.refund ? ` (refund ${record.final.refund.status} Rp${record.final.refund.amountIdr})` : ''} after ${record.captures} payment(s)${record.problem ? `: ${record.problem}` : ''}`,
      ),
      ...accepted
        .filter((record) => record.problem && (record.settled || record.explained))
        .map((record) => `${label(record)}: ${record.problem}`),
    ],
    `${accepted.length - unsettled.length} terminal, ${unsettled.length} explained`,
  );
  for (const record of unsettled.filter((r) => r.explained).slice(0, 5))
    warnings.push(`${label(record)}: ${record.explained}`);

  // 4-6. Client tallies vs the regulator vs the ledger, per vendor.
  const vendors: VendorFigures[] = input.resellerIds.map((resellerId) => {
    const mine = accepted.filter((record) => record.resellerId === resellerId);
    const before = input.before.get(resellerId);
    const after = input.after.get(resellerId);
    return {
      resellerId,
      soldBefore: before?.sold ?? 0,
      soldAfter: after?.sold ?? 0,
      soldDelta: (after?.sold ?? 0) - (before?.sold ?? 0),
      clientSold: mine.reduce(
        (sum, record) => sum + (record.final?.status === 'FULFILLED' ? record.quantity : 0),
        0,
      ),
      clientUnsettled: mine
        .filter((record) => !record.settled && record.final?.status !== 'FULFILLED')
        .reduce((sum, record) => sum + record.quantity, 0),
      ledgerSold: input.ledger ? (input.ledger.soldByReseller[resellerId] ?? 0) : null,
      reservedDelta: (after?.reserved ?? 0) - (before?.reserved ?? 0),
      clientStillReserved: mine
        .filter((record) => record.final?.status === 'RESERVED')
        .reduce((sum, record) => sum + record.quantity, 0),
      refundedIdrDelta: (after?.refundedIdr ?? 0) - (before?.refundedIdr ?? 0),
      clientRefundedIdr: mine.reduce(
        (sum, record) =>
          sum + (record.final?.refund?.status === 'COMPLETED' ? record.final.refund.amountIdr : 0),
        0,
      ),
    };
  });
  const regulatorRead = input.after.size > 0;
  add(
    'client tallies = regulator (stamps sold per vendor)',
    regulatorRead
      ? vendors
          .filter(
            (vendor) =>
              vendor.soldDelta < vendor.clientSold ||
              vendor.soldDelta > vendor.clientSold + vendor.clientUnsettled,
          )
          .map(
            (vendor) =>
              `${vendor.resellerId}: the regulator counts ${vendor.soldDelta} sold during the surge, the applicants received ${vendor.clientSold}${vendor.clientUnsettled > 0 ? ` (+ up to ${vendor.clientUnsettled} unsettled)` : ''}`,
          )
      : ['the regulator API could not be read after the surge'],
    `${vendors.reduce((sum, vendor) => sum + vendor.clientSold, 0)} stamps sold, equal for all ${vendors.length} vendors`,
  );
  add(
    'client refunds = regulator (refunded rupiah per vendor)',
    regulatorRead
      ? vendors
          .filter(
            (vendor) => vendor.clientUnsettled === 0 && vendor.refundedIdrDelta !== vendor.clientRefundedIdr,
          )
          .map(
            (vendor) =>
              `${vendor.resellerId}: the regulator counts Rp${vendor.refundedIdrDelta} refunded, the applicants got Rp${vendor.clientRefundedIdr} back`,
          )
      : ['the regulator API could not be read after the surge'],
    `Rp${vendors.reduce((sum, vendor) => sum + vendor.clientRefundedIdr, 0)} refunded, equal for every vendor`,
  );
  add(
    'reservations left = regulator (reserved per vendor)',
    regulatorRead
      ? vendors
          .filter(
            (vendor) => vendor.clientUnsettled === 0 && vendor.reservedDelta !== vendor.clientStillReserved,
          )
          .map(
            (vendor) =>
              `${vendor.resellerId}: the regulator counts ${vendor.reservedDelta} more stamps reserved than before, the applicants hold ${vendor.clientStillReserved}`,
          )
      : ['the regulator API could not be read after the surge'],
    `${vendors.reduce((sum, vendor) => sum + vendor.clientStillReserved, 0)} stamps still reserved, as the regulator says`,
  );
  if (input.ledger) {
    add(
      'regulator = ledger (stamps sold per vendor)',
      vendors
        .filter((vendor) => vendor.ledgerSold !== null && vendor.ledgerSold !== vendor.soldAfter)
        .map(
          (vendor) =>
            `${vendor.resellerId}: the regulator shows ${vendor.soldAfter} sold, the ledger check ${vendor.ledgerSold}`,
        ),
      'equal for every vendor',
    );
    add('ledger:check balanced', [...input.ledger.differences], 'no difference');
  } else {
    warnings.push('no ledger check was run');
  }

  // 7. The national per-NIK cap, from the applicants' side.
  const perNik = new Map<number, number>();
  for (const record of accepted)
    if (record.final?.status === 'FULFILLED')
      perNik.set(record.nikIndex, (perNik.get(record.nikIndex) ?? 0) + record.quantity);
  const overCap = [...perNik.entries()].filter(([, stamps]) => stamps > input.options.nikDailyCap);
  add(
    'no NIK above the daily cap',
    overCap.map(
      ([nikIndex, stamps]) => `NIK #${nikIndex} received ${stamps} stamps (cap ${input.options.nikDailyCap})`,
    ),
    `${perNik.size} NIKs served, at most ${Math.max(0, ...perNik.values())} stamps each (cap ${input.options.nikDailyCap})`,
  );

  // 8. Every payment bought stamps or came back in full.
  const moneyProblems: string[] = [];
  for (const record of accepted) {
    const view = record.final;
    if (!view) continue;
    const amount = record.payment?.amountIdr ?? view.payment?.amountIdr ?? 0;
    const paidLow = record.captures * amount;
    const paidHigh = (record.captures + record.uncertainCaptures) * amount;
    if (paidHigh === 0 && !view.refund) {
      if (view.status === 'FULFILLED') moneyProblems.push(`${label(record)} is FULFILLED but was never paid`);
      continue;
    }
    if (!record.settled && record.explained) continue;
    const kept = view.status === 'FULFILLED' ? amount : 0;
    const back = view.refund?.amountIdr ?? 0;
    if (view.refund && view.refund.status !== 'COMPLETED')
      moneyProblems.push(`${label(record)}: refund of Rp${back} still ${view.refund.status}`);
    else if (kept + back < paidLow || kept + back > paidHigh)
      moneyProblems.push(
        `${label(record)} (${view.status}): paid Rp${paidLow}${paidHigh > paidLow ? `-${paidHigh}` : ''}, kept Rp${kept} for stamps and refunded Rp${back}`,
      );
    if (
      view.status === 'FULFILLED' &&
      view.unitPriceIdr !== undefined &&
      amount !== view.unitPriceIdr * record.quantity
    )
      moneyProblems.push(
        `${label(record)}: charged Rp${amount} for ${record.quantity} x Rp${view.unitPriceIdr}`,
      );
  }
  add(
    'every payment ended in stamps or a 100% refund',
    moneyProblems,
    `${accepted.reduce((sum, record) => sum + record.captures, 0)} payments accounted for`,
  );

  // 9. Serials: one per stamp, never twice.
  const serialProblems: string[] = [];
  const seen = new Set<string>();
  for (const record of accepted) {
    if (record.final?.status !== 'FULFILLED') continue;
    const serials = record.final.stamps?.map((stamp) => stamp.serial) ?? [];
    if (serials.length !== record.quantity)
      serialProblems.push(`${label(record)} has ${serials.length} serial(s) for ${record.quantity} stamp(s)`);
    for (const serial of serials) {
      if (!/^[A-Z0-9]{22}$/.test(serial)) serialProblems.push(`${label(record)}: malformed serial ${serial}`);
      if (seen.has(serial)) serialProblems.push(`serial ${serial} was issued twice`);
      seen.add(serial);
    }
  }
  add('every stamp has its own serial', serialProblems, `${seen.size} distinct serials`);

  // 10. --crash-at: the whole stack died mid-surge and came back, with orders in flight.
  if (input.crash) {
    const crash = input.crash;
    const crashProblems: string[] = [];
    if (!crash.happened)
      crashProblems.push(
        crash.error
          ? `the crash and restart failed: ${crash.error}`
          : `the stack was never killed: fewer than ${crash.afterAccepted} orders were accepted (--crash-at ${crash.afterAccepted})`,
      );
    else {
      const survivors = Object.entries(crash.killed ?? {}).filter(([name, pid]) =>
        Object.entries(crash.restarted ?? {}).some(([again, other]) => again === name && other === pid),
      );
      for (const [name, pid] of survivors)
        crashProblems.push(`the ${name} process ${pid} is the same before and after the crash`);
      if (crash.openAtCrash === 0)
        crashProblems.push('no accepted order was still open when the stack was killed');
      else if (crash.openAtCrashSettledAfterRestart === 0)
        crashProblems.push(
          `none of the ${crash.openAtCrash} orders open at the crash was seen settled after it`,
        );
    }
    add(
      'the stack was killed mid-surge and came back',
      crashProblems,
      `killed after ${crash.afterAccepted} accepted orders, back after ${crash.downSeconds} s; ${crash.openAtCrashSettledAfterRestart} of the ${crash.openAtCrash} orders open at the crash settled after the restart`,
    );
  }

  return { invariants, violations, warnings, vendors };
};
