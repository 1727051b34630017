import { withStoreRetries } from '../adapters/dynamo-errors.js';
import { resellerStore } from '../adapters/reseller-store.js';
import { stockStore } from '../adapters/stock-store.js';
import { DomainError, NotFoundError } from '../domain/errors.js';
import { newId } from '../domain/identifiers.js';
import { sumShards } from '../domain/stock.js';

/** Reading a reseller's stock and ledger, and the regulator's actions on resellers. */

export const getStock = async (resellerId: string) => {
  const reseller = await withStoreRetries(() => resellerStore.getReseller(resellerId));
  if (!reseller) throw new NotFoundError('reseller');
  const stock = sumShards(await withStoreRetries(() => stockStore.readStock(resellerId)));
  return {
    resellerId,
    onHand: stock.onHand,
    reserved: stock.reserved,
    sold: stock.sold,
    returned: stock.returned,
    allocatedTotal: stock.allocated,
    pipeline: reseller.pipeline,
    holdingCap: reseller.holdingCap,
  };
};

const encodeCursor = (cursor: Record<string, string>): string =>
  Buffer.from(JSON.stringify(cursor), 'utf8').toString('base64url');

const decodeCursor = (text: string): Record<string, string> => {
  try {
    const value: unknown = JSON.parse(Buffer.from(text, 'base64url').toString('utf8'));
    if (value && typeof value === 'object' && Object.values(value).every((v) => typeof v === 'string')) {
      return value as Record<string, string>;
    }
  } catch {
    // fall through to the validation error
  }
  throw new DomainError('VALIDATION_FAILED', 'the cursor is not one this API returned', [
    { path: 'query.cursor', message: 'must be a cursor returned by a previous page' },
  ]);
};

export const listLedger = async (
  resellerId: string,
  query: { cursor?: string; limit: number; from?: string; to?: string },
) => {
  const page = await withStoreRetries(() =>
    stockStore.listLedger(resellerId, {
      limit: query.limit,
      cursor: query.cursor ? decodeCursor(query.cursor) : undefined,
      fromIso: query.from,
      toIso: query.to,
    }),
  );
  return {
    entries: page.entries.map((entry) => ({
      entryId: entry.entryId,
      kind: entry.kind,
      quantity: entry.quantity,
      at: entry.at,
      reference: entry.reference,
      shard: entry.shard,
    })),
    ...(page.cursor ? { nextCursor: encodeCursor(page.cursor) } : {}),
  };
};

const vendorStatus = async (resellerId: string) => {
  const reseller = await withStoreRetries(() => resellerStore.getReseller(resellerId));
  if (!reseller) throw new NotFoundError('reseller');
  return {
    resellerId,
    status: reseller.status,
    holdingCap: reseller.holdingCap,
    serviceFeeCapIdr: reseller.serviceFeeCapIdr,
  };
};

export const regulatorUpdatesVendor = async (
  regulatorId: string,
  resellerId: string,
  action: 'SUSPEND' | 'RESUME' | 'SET_LIMITS',
  changes: { holdingCap?: number; serviceFeeCapIdr?: number; status?: 'ACTIVE' | 'SUSPENDED' },
  now: () => Date,
) => {
  const before = await vendorStatus(resellerId);
  const at = now().toISOString();
  await withStoreRetries(() =>
    resellerStore.updateResellerByRegulator(
      resellerId,
      changes,
      { at, actor: `regulator:${regulatorId}`, action, resellerId, details: { before, changes } },
      newId('AU', now()),
    ),
  );
  const feeCap = changes.serviceFeeCapIdr;
  if (feeCap !== undefined) await withStoreRetries(() => resellerStore.lowerServiceFeeTo(resellerId, feeCap));
  return vendorStatus(resellerId);
};

const CSV_MAX_ROWS = 10_000;
const csvCell = (value: unknown): string => {
  const text = String(value ?? '');
  return /[",\n]/.test(text) ? `"${text.replaceAll('"', '""')}"` : text;
};

/** A ledger export: up to 10,000 entries per file; the header X-Next-Cursor continues it. */
export const ledgerCsv = async (
  resellerId: string,
  query: { cursor?: string; from?: string; to?: string },
): Promise<{ text: string; nextCursor?: string }> => {
  const lines = ['entryId,kind,quantity,at,reference,shard'];
  let cursor = query.cursor;
  let rows = 0;
  do {
    const page = await listLedger(resellerId, { ...query, cursor, limit: 200 });
    for (const entry of page.entries) {
      lines.push(
        [entry.entryId, entry.kind, entry.quantity, entry.at, entry.reference, entry.shard]
          .map(csvCell)
          .join(','),
      );
    }
    rows += page.entries.length;
    cursor = page.nextCursor;
  } while (cursor && rows < CSV_MAX_ROWS);
  return { text: `${lines.join('\n')}\n`, ...(cursor ? { nextCursor: cursor } : {}) };
};
