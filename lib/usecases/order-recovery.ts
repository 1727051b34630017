import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import type { CivilRegistry, IdentityClaim } from '../domain/civil-registry.js';
import { hashNik } from '../domain/nik.js';
import { jakartaDay } from '../domain/storefront-order.js';
import { secrets } from '../secrets.js';
import { civilRegistry } from './deps.js';
import { checkIdentity } from './identity.js';
import { notifyOrder } from './notices.js';

/** How far back "Lacak pesanan" looks for a person's orders. */
export const RECOVERY_DAYS = 30;

/**
 * "Lacak pesanan": a buyer who lost everything (the page, the link, the phone) proves who they are with the
 * same identity check as an order, and every order of theirs from the last 30 days that has a contact gets
 * a fresh link, sent to that contact, never to the caller: the answer only says how many notices went out,
 * so knowing someone's identity reveals nothing about their orders.
 */
export const recoverOrders = async (
  claim: IdentityClaim,
  now: () => Date,
  registry: CivilRegistry = civilRegistry(),
): Promise<{ noticesSent: number }> => {
  await checkIdentity(registry, claim, Date.now() + 5_000);
  const { nikHmacKey } = await secrets();
  const nikHash = hashNik(nikHmacKey, claim.nik);
  const today = now().getTime();
  const days = Array.from({ length: RECOVERY_DAYS }, (_, back) =>
    jakartaDay(new Date(today - back * 86_400_000)),
  );
  const orderIds = await withStoreRetries(() => storefrontStore.ordersOfPerson(nikHash, days));
  const orders = await Promise.all(
    orderIds.map((orderId) => withStoreRetries(() => storefrontStore.getOrder(orderId))),
  );
  const eventKey = String(today);
  let noticesSent = 0;
  for (const order of orders) {
    if (order?.nikHash === nikHash) noticesSent += await notifyOrder(order, 'RECOVERY', { eventKey });
  }
  return { noticesSent };
};
