import { errorCode, patiently, sleep } from './client.js';
import { type HttpClient, NetworkError } from './http.js';
import { StackUnavailable, type SurgeTarget, type VendorRow } from './model.js';
import type { WebhookFaultOptions } from './options.js';

/** The surge's setup, before the first applicant: is the stack there, its faults, its stock. */

/** Preflight: is the stack there at all? Closes the client when it is not (the run ends here). */
export const checkStackIsThere = async (http: HttpClient, target: SurgeTarget): Promise<void> => {
  try {
    const health = await http.get('/v1/public/availability');
    if (health.status !== 200)
      throw new StackUnavailable(`GET /v1/public/availability answered ${health.status}`);
  } catch (error) {
    http.close();
    if (error instanceof NetworkError)
      throw new StackUnavailable(
        `no kuota at ${target.baseUrl} (${error.message}); start one with \`npm start\``,
      );
    throw error;
  }
};

/** The regulator's figures per reseller now (and a check that the credentials are right). */
export const readVendors = async (
  http: HttpClient,
  regulatorKey: string,
  until: number,
): Promise<Map<string, VendorRow>> => {
  const regulator = { authorization: `Bearer ${regulatorKey}` };
  const answer = await patiently(
    () => http.get<{ vendors: VendorRow[] }>('/v1/regulator/vendors', { headers: regulator }),
    until,
  );
  if (answer.status !== 200)
    throw new StackUnavailable(
      `GET /v1/regulator/vendors answered ${answer.status}: ${answer.text.slice(0, 200)}`,
    );
  return new Map(answer.body.vendors.map((vendor) => [vendor.resellerId, vendor]));
};

/** Sets the payment gateway's webhook faults; resolves to the ones before, to restore at the end. */
export const applyWebhookFaults = async (
  http: HttpClient,
  faults: WebhookFaultOptions,
  setupProblems: string[],
): Promise<WebhookFaultOptions | undefined> => {
  const current = await patiently(
    () => http.post<{ paymentGateway: WebhookFaultOptions }>('/sandbox/faults', { body: {} }),
    Date.now() + 30_000,
  );
  const previous = current.status === 200 ? current.body.paymentGateway : undefined;
  const set = await patiently(
    () => http.post('/sandbox/faults', { body: { paymentGateway: faults } }),
    Date.now() + 30_000,
  );
  if (set.status !== 200) setupProblems.push(`POST /sandbox/faults answered ${set.status}`);
  return previous;
};

export const restoreWebhookFaults = async (
  http: HttpClient,
  previous: WebhookFaultOptions,
  warnings: string[],
): Promise<void> => {
  await patiently(
    () => http.post('/sandbox/faults', { body: { paymentGateway: previous } }),
    Date.now() + 15_000,
  ).catch(() => warnings.push('could not restore the webhook faults'));
};

/**
 * Stock: each reseller buys quota, pays the billing code, waits for ALLOCATED. Resolves to how many were
 * stocked in time; what went wrong is in `setupProblems`.
 */
export const stockStorefronts = async (input: {
  readonly http: HttpClient;
  readonly resellers: SurgeTarget['resellers'];
  readonly runId: string;
  readonly stock: number;
  readonly until: number;
  readonly timeoutSeconds: number;
  readonly setupProblems: string[];
}): Promise<number> => {
  const { http, runId, until, setupProblems } = input;
  let stockedResellers = 0;
  await Promise.all(
    input.resellers.map(async (reseller) => {
      const auth = { authorization: `Bearer ${reseller.apiKey}` };
      const created = await patiently(
        () =>
          http.post<{ id: string; billingCode: string; amountIdr: number }>('/v1/wholesale/quota-orders', {
            headers: { ...auth, 'idempotency-key': `surge-${runId}-stock-${reseller.id}` },
            body: { quantity: input.stock },
          }),
        until,
        [201],
      );
      if (created.status !== 201) {
        setupProblems.push(`${reseller.id}: quota order answered ${created.status} ${errorCode(created)}`);
        return;
      }
      const paid = await patiently(
        () =>
          http.post(`/sandbox/tax-authority/billings/${created.body.billingCode}/pay`, {
            body: { amountIdr: created.body.amountIdr },
          }),
        until,
        [200, 409],
      );
      // 409 after a retry: the first attempt paid it (its answer was lost); the order still gets credited.
      if (paid.status !== 200 && paid.status !== 409) {
        setupProblems.push(`${reseller.id}: paying the billing code answered ${paid.status}`);
        return;
      }
      while (Date.now() < until) {
        const order = await patiently(
          () =>
            http.get<{ status: string }>(`/v1/wholesale/quota-orders/${created.body.id}`, {
              headers: auth,
            }),
          until,
        );
        if (order.body.status === 'ALLOCATED') {
          stockedResellers += 1;
          return;
        }
        await sleep(500);
      }
      setupProblems.push(`${reseller.id}: stock not allocated within ${input.timeoutSeconds} s`);
    }),
  );
  return stockedResellers;
};
