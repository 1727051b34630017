import { type NoticeKind, noticesFor, orderLink } from '../domain/notices.js';
import { orderToken, type StorefrontOrder } from '../domain/storefront-order.js';
import { logger } from '../logger.js';
import { secrets } from '../secrets.js';
import { notifier } from './deps.js';

/**
 * Tells the buyer, if they left a contact, that their order moved (reserved, fulfilled, refunded) or sends
 * a fresh link on request. A notice that cannot be sent never undoes or fails the step it reports: the
 * order's page, and "Lacak pesanan", still reach the order.
 */
export const notifyOrder = async (
  order: Pick<StorefrontOrder, 'orderId' | 'resellerId' | 'contact'>,
  kind: NoticeKind,
  details: { serials?: readonly string[]; amountIdr?: number; eventKey?: string } = {},
): Promise<number> => {
  if (!order.contact) return 0;
  try {
    const { orderTokenKey } = await secrets();
    // A fresh token with every notice: the link works for ORDER_TOKEN_DAYS from now.
    const link = orderLink(
      order.resellerId,
      order.orderId,
      orderToken(orderTokenKey, order.orderId, new Date()),
    );
    const notices = noticesFor(order, kind, link, details);
    await Promise.all(notices.map((notice) => notifier().send(notice)));
    return notices.length;
  } catch (error) {
    logger.warn('a notice to the buyer could not be sent', { kind, error: String(error) });
    return 0;
  }
};
