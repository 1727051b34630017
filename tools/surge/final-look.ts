import { retryAfterMs, sleep } from './client.js';
import type { OrderRecord, OrderView } from './model.js';
import type { SurgeRun } from './run-state.js';
import { isSettled } from './settlement.js';

/** After the arrivals: the stack's last word on every accepted order, read as the checks need it. */

/** Waits (until `until`) for the storefront queue the sampler sees to be empty. */
export const waitForQuiet = async (run: SurgeRun, until: number): Promise<void> => {
  while (Date.now() < until && run.queueDepth !== undefined && run.queueDepth > 0) await sleep(500);
};

/**
 * Reads every order of `batch` once more (a settled order can still change: e.g. a payment whose answer
 * was lost, refunded by the payment watch), a few at a time, until `deadline` is 5 s away.
 */
export const refreshOrders = async (run: SurgeRun, batch: readonly OrderRecord[], deadline: number) => {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(32, run.options.concurrency) }, async () => {
      while (next < batch.length && Date.now() < deadline - 5_000) {
        const record = batch[next] as OrderRecord;
        next += 1;
        for (let attempt = 0; attempt < 5; attempt += 1) {
          const answer = await run.http
            .get<OrderView>(record.statusUrl ?? '', { headers: { 'order-token': record.orderToken ?? '' } })
            .catch(() => undefined);
          if (answer?.status === 200) {
            record.final = answer.body;
            const settled = isSettled(run.options, record, answer.body);
            if (settled) {
              record.explained = undefined;
              if (record.problem?.startsWith('not settled')) record.problem = undefined;
            }
            record.settled = settled;
            if (settled) record.settledAt ??= Date.now();
            break;
          }
          await sleep(answer?.status === 429 ? retryAfterMs(answer) : 200);
        }
      }
    }),
  );
};

/** Whatever is still moving gets a little more time (refunds completing, a watch just run). */
export const giveTheRestTime = async (
  run: SurgeRun,
  followed: readonly OrderRecord[],
  until: number,
  deadline: number,
) => {
  while (Date.now() < until && followed.some((record) => !record.settled && !record.explained)) {
    await sleep(2_000);
    await refreshOrders(
      run,
      followed.filter((record) => !record.settled && !record.explained),
      deadline,
    );
  }
};
