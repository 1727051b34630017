import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resellerStore } from '../../lib/adapters/reseller-store.js';
import { RECONCILIATION_CHECKS_PER_RUN } from '../../lib/domain/reconciliation.js';
import { METRICS_NAMESPACE, RECONCILIATION_BACKLOG_METRIC } from '../../lib/infra/metrics.js';
import { sandboxTaxAuthority } from '../../lib/sandbox/tax-authority-sandbox.js';
import { quotaOrderDeps } from '../../lib/usecases/deps.js';
import { openQuotaOrder, quotaOrderIdOf, quotaOrderRequestHash } from '../../lib/usecases/quota-orders.js';
import { asRegulator, resellerKey, type VendorRow } from '../integration/oversight-support.js';
import {
  getOrder,
  mustCreateOrder,
  PAID_STATES,
  payInSandbox,
  setTaxAuthorityFaults,
} from '../integration/quota-orders-support.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { itemsReadDuring } from '../support/read-meter.js';

/**
 * Work a caller can cause stays bounded: one reseller places 5,000 small quota orders and never
 * pays them. The tax reconciliation (every minute) still makes at most its budget of checks per run, shared
 * fairly, so another reseller's payment whose webhook was lost is credited in the first run; later runs
 * continue where the last stopped; the run publishes what it left as `ReconciliationBacklog`. The
 * regulator's vendor figures read O(vendors) items, not the 5,000 orders.
 */
const FLOOD = 5_000;
/** Of the flood, placed through the API as a reseller would (the rest by the same use case's writes). */
const FLOOD_THROUGH_API = 20;
const BUDGET = RECONCILIATION_CHECKS_PER_RUN;
/** Every vendor's profile and its 32 stock shards: what one vendor table may read, whatever the history. */
const VENDOR_ITEMS = 26 * (1 + 32);

// This test reads the ReconciliationBacklog EMF line, which the test configuration otherwise turns off.
process.env.POWERTOOLS_METRICS_DISABLED = 'false';

let kuota: TestCloud;
let flooder: { id: string; apiKey: string };
let victim: { id: string; apiKey: string };
const floodCodes = new Set<string>();
let lost: { id: string; billingCode: string; ntpn: string };

/** Billing codes the tax authority was asked about, per reconciliation run. */
const checkedCodes: string[][] = [];
const realGetBilling = sandboxTaxAuthority.getBilling.bind(sandboxTaxAuthority);

/** Runs the reconciliation job once; the billing codes it asked about and the EMF records it printed. */
const reconcileOnce = async () => {
  const codes: string[] = [];
  const printed: string[] = [];
  sandboxTaxAuthority.getBilling = async (billingCode) => {
    codes.push(billingCode);
    return realGetBilling(billingCode);
  };
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array, ...rest: unknown[]) => {
    const text = typeof chunk === 'string' ? chunk : Buffer.from(chunk).toString('utf8');
    if (text.includes('"_aws"')) printed.push(text);
    return (write as (...args: unknown[]) => boolean)(chunk, ...rest);
  }) as typeof process.stdout.write;
  try {
    const tally = (await kuota.cloud.runtime.runJob('quotaReconciliation')) as Record<string, number>;
    checkedCodes.push(codes);
    const metrics = printed
      .flatMap((text) => text.split('\n'))
      .filter((line) => line.trim().startsWith('{'))
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    return { tally, codes, metrics };
  } finally {
    sandboxTaxAuthority.getBilling = realGetBilling;
    process.stdout.write = write;
  }
};

/** A client that retries a 429 (its orders race on the reseller's pipeline) with the same key. */
const createPatiently = async (reseller: { apiKey: string }, key: string) => {
  for (let attempt = 0; attempt < 50; attempt += 1) {
    const answer = await kuota.api.post<{ billingCode: string }>('/v1/wholesale/quota-orders', {
      apiKey: reseller.apiKey,
      headers: { 'idempotency-key': key },
      body: { quantity: 1 },
    });
    if (answer.status === 201) return answer.body;
    if (answer.status !== 429) throw new Error(`creating an order answered ${answer.status}: ${answer.text}`);
    await new Promise((resolve) => setTimeout(resolve, 20 + attempt * 10));
  }
  throw new Error(`order ${key} was refused with 429 fifty times`);
};

beforeAll(async () => {
  kuota = await startTestCloud();
  const [first, second] = kuota.credentials.resellers;
  if (!first || !second) throw new Error('two seeded resellers needed');
  flooder = first;
  victim = second;
  const raised = await kuota.api.put(`/v1/regulator/vendors/${flooder.id}/limits`, {
    ...asRegulator(kuota),
    body: { holdingCap: 10_000_000 },
  });
  if (raised.status !== 200) throw new Error(`raising the holding cap answered ${raised.status}`);
  // The attacker: 5,000 one-stamp quota orders, never paid. The first ones through the API; the rest by
  // the same use case's own writes (`openQuotaOrder`: the billing, then the order on the pipeline the last
  // one left), one after another as the pipeline condition serialises them anyway. Through the API each
  // order also re-read the reseller and its 32 stock shards (46 ms an order; the flood took 274-299 s of a
  // 14-minute CI run), and the subject here is the reconciliation, not the intake.
  const keyOf = (index: number) => `flood-${String(index).padStart(5, '0')}`;
  for (let index = 0; index < FLOOD_THROUGH_API; index += 1)
    floodCodes.add((await createPatiently(flooder, keyOf(index))).billingCode);
  let pipeline = (await resellerStore.getReseller(flooder.id))?.pipeline;
  if (pipeline === undefined) throw new Error('the flooder has no profile');
  const deps = quotaOrderDeps();
  for (let index = FLOOD_THROUGH_API; index < FLOOD; index += 1) {
    const order = await openQuotaOrder(
      {
        resellerId: flooder.id,
        quantity: 1,
        orderId: quotaOrderIdOf(flooder.id, keyOf(index)),
        requestHash: quotaOrderRequestHash(1),
        pipeline,
      },
      deps,
    );
    pipeline += order.quantity;
    floodCodes.add(order.billingCode);
  }
  expect(floodCodes.size).toBe(FLOOD);
  // The victim: one order paid at the tax authority whose webhook is lost, placed after the flood.
  await setTaxAuthorityFaults(kuota, { dropRate: 1 });
  const order = await mustCreateOrder(kuota, victim as never, 1, 'victim-0001');
  const paid = await payInSandbox(kuota, order.billingCode, order.amountIdr);
  if (paid.status !== 200 || paid.body.webhook !== 'DROPPED')
    throw new Error(`paying the victim's billing answered ${paid.status}: ${paid.text}`);
  lost = { id: order.id, billingCode: order.billingCode, ntpn: paid.body.ntpn };
}, 600_000);

afterAll(async () => {
  await kuota?.stop();
});

describe('tax reconciliation under one reseller’s 5,000 unpaid quota orders', () => {
  it('makes at most its budget of checks in one run and still credits another reseller’s lost webhook', {
    timeout: 120_000,
  }, async () => {
    // Arrange
    const before = await getOrder(kuota, victim as never, lost.id);

    // Act
    const run = await reconcileOnce();
    const after = await getOrder(kuota, victim as never, lost.id);
    const floodChecked = run.codes.filter((code) => floodCodes.has(code));
    const backlog = run.metrics.find((record) => RECONCILIATION_BACKLOG_METRIC in record);

    // Assert
    expect(floodCodes.size).toBe(FLOOD);
    expect(before.body.status).toBe('AWAITING_PAYMENT');
    expect(run.codes.length).toBeLessThanOrEqual(BUDGET);
    expect(run.tally.checked).toBe(run.codes.length);
    expect(run.codes).toContain(lost.billingCode);
    expect(PAID_STATES).toContain(after.body.status);
    expect(after.body.ntpn).toBe(lost.ntpn);
    expect(new Set(run.codes).size).toBe(run.codes.length);
    // The backlog: the flooder's orders this run did not get to.
    expect(run.tally.backlog).toBe(FLOOD - floodChecked.length);
    expect(backlog).toMatchObject({
      [RECONCILIATION_BACKLOG_METRIC]: FLOOD - floodChecked.length,
      _aws: { CloudWatchMetrics: [{ Namespace: METRICS_NAMESPACE }] },
    });
  });

  it('continues where the last run stopped: each run checks its budget, none twice, and the runs cycle through every order', {
    timeout: 300_000,
  }, async () => {
    // Arrange
    const runsPerCycle = Math.ceil(FLOOD / BUDGET);
    const firstRun = (checkedCodes[0] ?? []).filter((code) => floodCodes.has(code));

    // Act
    const runs: Awaited<ReturnType<typeof reconcileOnce>>[] = [];
    for (let run = 0; run < runsPerCycle; run += 1) runs.push(await reconcileOnce());
    const sequence = [...firstRun, ...runs.flatMap((run) => run.codes)];

    // Assert
    for (const run of runs) {
      expect(run.codes).toHaveLength(BUDGET);
      expect(new Set(run.codes).size).toBe(BUDGET);
      expect(run.tally.backlog).toBe(FLOOD - BUDGET);
    }
    // One whole cycle first: every unpaid order once...
    expect(new Set(sequence.slice(0, FLOOD)).size).toBe(FLOOD);
    // ...then the same orders again, in the same order, from the top.
    expect(sequence.length).toBeGreaterThan(FLOOD);
    expect(sequence.slice(FLOOD)).toEqual(sequence.slice(0, sequence.length - FLOOD));
  });
});

describe('regulator figures beside 5,000 quota orders', () => {
  it('reads O(vendors) items for the vendor table, with the quota paid from running aggregates', {
    timeout: 60_000,
  }, async () => {
    // Act
    const measured = await itemsReadDuring(() =>
      kuota.api.get<{ vendors: VendorRow[] }>('/v1/regulator/vendors', asRegulator(kuota)),
    );
    const rows = measured.result.body.vendors;

    // Assert
    expect(measured.result.status).toBe(200);
    expect(rows).toHaveLength(26);
    expect(rows.find((row) => row.resellerId === victim.id)?.quotaPaidIdr).toBe(10_000);
    expect(rows.find((row) => row.resellerId === flooder.id)?.quotaPaidIdr).toBe(0);
    expect(measured.items).toBeGreaterThan(0);
    expect(measured.items).toBeLessThanOrEqual(VENDOR_ITEMS + 5);
    expect(resellerKey(kuota, flooder.id)).toBe(flooder.apiKey);
  });
});
