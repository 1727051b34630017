import { ConditionFailed, withStoreRetries } from '../adapters/dynamo-errors.js';
import { stampStore } from '../adapters/stamp-store.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import { DomainError, NotFoundError } from '../domain/errors.js';
import { decodeSerial } from '../domain/serials.js';
import { orderTokenMatches, type Stamp, stampOf } from '../domain/storefront-order.js';
import { secrets } from '../secrets.js';
import { dispatchEvents, eventsFor } from './reseller-webhooks.js';

/** Public verification of a serial, and affixing a stamp to one document (pembubuhan). */
export const stampView = (stamp: Stamp) => ({
  serial: stamp.serial,
  status: stamp.status,
  resellerId: stamp.resellerId,
  soldAt: stamp.soldAt,
  ...(stamp.affixedAt ? { affixedAt: stamp.affixedAt } : {}),
  ...(stamp.documentSha256 ? { documentSha256: stamp.documentSha256 } : {}),
});

/** The serial decoded to its order, and that one order read: a stamp, or nothing. */
const readStamp = async (serial: string): Promise<Stamp | undefined> => {
  const decoded = decodeSerial((await secrets()).serialKey, serial);
  if (!decoded) return undefined;
  const order = await withStoreRetries(() => storefrontStore.getOrder(decoded.orderId));
  return order ? stampOf(order, serial, decoded.index) : undefined;
};

export const verifyStamp = async (serial: string) => {
  const stamp = await readStamp(serial);
  if (!stamp) throw new NotFoundError('stamp');
  return stampView(stamp);
};

export type AffixOutcome = 'AFFIXED' | 'ALREADY_AFFIXED_TO_THIS_DOCUMENT';

/**
 * Only the buyer (holder of the order's token) can affix; a serial of someone else's order answers 404,
 * like an unknown one. The same document again is a harmless repeat (200); another document is refused.
 */
export const affixStamp = async (
  serial: string,
  documentSha256: string,
  orderTokenHeader: string | undefined,
  now: () => Date,
): Promise<{ outcome: AffixOutcome; stamp: ReturnType<typeof stampView> }> => {
  const stamp = await readStamp(serial);
  const { orderTokenKey } = await secrets();
  if (!stamp || !orderTokenMatches(orderTokenKey, stamp.orderId, orderTokenHeader))
    throw new NotFoundError('stamp');
  const alreadyAffixed = (current: Stamp) => {
    if (current.documentSha256 === documentSha256) {
      return { outcome: 'ALREADY_AFFIXED_TO_THIS_DOCUMENT' as const, stamp: stampView(current) };
    }
    throw new DomainError('STAMP_ALREADY_AFFIXED', 'this stamp is already affixed to another document', [], {
      affixedAt: current.affixedAt,
    });
  };
  if (stamp.status === 'AFFIXED') return alreadyAffixed(stamp);
  const at = now().toISOString();
  // The reseller's webhook event rides in the affixing's own write.
  const recorded = await eventsFor(
    stamp.resellerId,
    [
      {
        type: 'stamping.completed',
        reference: serial,
        data: { serial, orderId: stamp.orderId, documentSha256, affixedAt: at },
      },
    ],
    at,
  );
  try {
    await withStoreRetries(() => stampStore.affix(stamp, documentSha256, at, recorded.items));
    await dispatchEvents(recorded);
  } catch (error) {
    if (!(error instanceof ConditionFailed)) throw error;
  }
  // Re-read: after a lost response or a lost race, the stored document decides the answer.
  const current = await readStamp(serial);
  if (!current) throw new NotFoundError('stamp');
  if (current.documentSha256 === documentSha256) return { outcome: 'AFFIXED', stamp: stampView(current) };
  return alreadyAffixed(current);
};
