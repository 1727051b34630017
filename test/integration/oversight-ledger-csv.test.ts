import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { stockReseller, validNik, waitForStatus } from '../support/flows.js';
import {
  asRegulator,
  type LedgerEntryView,
  ledgerEntries,
  pause,
  payQris,
  resellerKey,
  reserve,
} from './oversight-support.js';

/**
 * A vendor's ledger for the regulator: JSON pages, or CSV with `Accept: text/csv`, one line per
 * entry, filtered by from / to; an unknown vendor is 404.
 */
const HEADER = 'entryId,kind,quantity,at,reference,shard';

let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '4' } });
  // R02: two deliveries of stock, two sales, one open reservation: MINT and SELL entries (a hold is none).
  await stockReseller(kuota, 1, 30);
  await pause(20);
  await stockReseller(kuota, 1, 12);
  for (const [index, quantity] of [2, 3].entries()) {
    const reservation = await reserve(kuota, 'R02', validNik(401 + index), quantity);
    await payQris(kuota, reservation.paymentId);
    await waitForStatus(kuota, reservation.placed, ['FULFILLED']);
  }
  await reserve(kuota, 'R02', validNik(409), 1);
}, 60_000);
afterAll(async () => {
  await kuota?.stop();
});

const csvOf = (kuota: TestCloud, path: string) =>
  kuota.api.get(path, { ...asRegulator(kuota), headers: { accept: 'text/csv' } });

/** The CSV has no quoted cells here (ids, kinds, numbers, timestamps): a plain split reads it. */
const rowsOf = (text: string) =>
  text
    .trimEnd()
    .split('\n')
    .slice(1)
    .map((line) => {
      const [entryId, kind, quantity, at, reference, shard] = line.split(',');
      return { entryId, kind, quantity: Number(quantity), at, reference, shard: Number(shard) };
    });

const asRows = (entries: readonly LedgerEntryView[]) =>
  entries.map(({ entryId, kind, quantity, at, reference, shard }) => ({
    entryId,
    kind,
    quantity,
    at,
    reference,
    shard,
  }));

describe("a vendor's ledger for the regulator", () => {
  it('exports CSV with a header and one line per entry, equal to the JSON entries', async () => {
    // Act
    const json = await ledgerEntries(kuota, 'R02');
    const csv = await csvOf(kuota, '/v1/regulator/vendors/R02/ledger');

    // Assert
    expect(csv.status).toBe(200);
    expect(csv.headers.get('content-type')).toMatch(/^text\/csv/);
    expect(csv.headers.get('content-disposition')).toContain('ledger-R02.csv');
    expect(csv.text.split('\n')[0]).toBe(HEADER);
    expect(json.map((entry) => entry.kind).sort()).toEqual(['MINT', 'MINT', 'SELL', 'SELL'].sort());
    expect(rowsOf(csv.text)).toEqual(asRows(json));
  });

  it('pages of two entries, followed by nextCursor, add up to the whole ledger, newest first', async () => {
    // Arrange
    const whole = await ledgerEntries(kuota, 'R02');

    // Act
    const paged: LedgerEntryView[] = [];
    let cursor: string | undefined;
    let pages = 0;
    do {
      const query = new URLSearchParams({ limit: '2', ...(cursor ? { cursor } : {}) });
      const page = await kuota.api.get<{ entries: LedgerEntryView[]; nextCursor?: string }>(
        `/v1/regulator/vendors/R02/ledger?${query}`,
        asRegulator(kuota),
      );
      expect(page.status, page.text).toBe(200);
      paged.push(...page.body.entries);
      cursor = page.body.nextCursor;
      pages += 1;
    } while (cursor && pages < 20);

    // Assert
    expect(pages).toBe(Math.ceil(whole.length / 2));
    expect(paged).toEqual(whole);
    expect(paged.map((entry) => entry.at)).toEqual([...paged.map((entry) => entry.at)].sort().reverse());
  });

  it('filters JSON and CSV by from / to', async () => {
    // Arrange: a window from the second stock delivery to the first sale.
    const all = await ledgerEntries(kuota, 'R02');
    const ascending = [...all].sort((a, b) => a.at.localeCompare(b.at));
    const mints = ascending.filter((entry) => entry.kind === 'MINT');
    const firstSell = ascending.find((entry) => entry.kind === 'SELL') as LedgerEntryView;
    const from = (mints.at(-1) as LedgerEntryView).at;
    const to = firstSell.at;
    const expected = all.filter((entry) => entry.at >= from && entry.at <= to);
    const range = new URLSearchParams({ from, to });

    // Act
    const json = await ledgerEntries(kuota, 'R02', { from, to });
    const csv = await csvOf(kuota, `/v1/regulator/vendors/R02/ledger?${range}`);

    // Assert
    expect(expected.length).toBeGreaterThanOrEqual(2);
    expect(expected.length).toBeLessThan(all.length);
    expect(json).toEqual(expected);
    expect(csv.status).toBe(200);
    expect(rowsOf(csv.text)).toEqual(asRows(expected));
  });

  it('answers 404 for an unknown vendor, 400 for a malformed id, 403 to a reseller', async () => {
    // Act
    const unknownJson = await kuota.api.get('/v1/regulator/vendors/R99/ledger', asRegulator(kuota));
    const unknownCsv = await csvOf(kuota, '/v1/regulator/vendors/R99/ledger');
    const malformed = await kuota.api.get('/v1/regulator/vendors/X1/ledger', asRegulator(kuota));
    const asReseller = await kuota.api.get('/v1/regulator/vendors/R02/ledger', {
      apiKey: resellerKey(kuota, 'R02'),
    });

    // Assert
    expect(unknownJson.status).toBe(404);
    expect(unknownCsv.status).toBe(404);
    expect(malformed.status).toBe(400);
    expect(asReseller.status).toBe(403);
  });
});
