import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { storefrontStore } from '../adapters/storefront-store.js';
import { NotFoundError } from '../domain/errors.js';
import { decodeSerial } from '../domain/serials.js';
import { type Stamp, stampOf } from '../domain/storefront-order.js';
import { secrets } from '../secrets.js';

/** Public verification of a serial (affixing it is a stamping: usecases/stamping.ts). */
export const stampView = (stamp: Stamp) => ({
  serial: stamp.serial,
  status: stamp.status,
  resellerId: stamp.resellerId,
  soldAt: stamp.soldAt,
  ...(stamp.affixedAt ? { affixedAt: stamp.affixedAt } : {}),
  ...(stamp.documentSha256 ? { documentSha256: stamp.documentSha256 } : {}),
  ...(stamp.signedDigestHex ? { signedDigestSha256: stamp.signedDigestHex } : {}),
});

/** The serial decoded to its order, and that one order read: a stamp, or nothing. */
export const readStamp = async (serial: string): Promise<Stamp | undefined> => {
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
