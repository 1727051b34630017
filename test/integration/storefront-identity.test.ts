import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DEFAULT_CIVIL_REGISTRY_SEED } from '../../lib/config.js';
import { birthDateOfNik } from '../../lib/domain/civil-registry.js';
import { nikViolation } from '../../lib/domain/nik.js';
import { sandboxCivilRegistry, syntheticPerson } from '../../lib/sandbox/civil-registry-sandbox.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import {
  claimOf,
  countMainItems,
  nikDayCount,
  scanMain,
  stockReseller,
  stockShards,
  stockTotals,
  uniqueKey,
  validNik,
} from '../support/flows.js';

/**
 * The national cap is per person: a storefront order carries NIK, name and birth date, and the (sandbox)
 * civil registry must know that person. A made-up NIK, or a real NIK under a made-up name, reserves nothing;
 * the registry down answers 503 with Retry-After and reserves nothing; a confirmed person is asked for once a
 * day; names and birth dates are never stored.
 */
let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '4' } });
  await stockReseller(kuota, 0, 400);
});
afterAll(async () => {
  await kuota?.stop();
});

interface Answer {
  status: number;
  headers: Headers;
  body: { status?: string; error?: { code: string; reason?: string; issues?: { path: string }[] } };
}

const order = (body: Record<string, unknown>, resellerId = 'R01'): Promise<Answer> =>
  kuota.api.post(`/v1/storefronts/${resellerId}/orders`, {
    headers: { 'idempotency-key': uniqueKey('identity') },
    body,
  }) as Promise<Answer>;

/** Well-formed NIKs the sandbox population does not hold (one in eight is such). */
const unregisteredNiks = (count: number): string[] => {
  const niks: string[] = [];
  for (let serial = 1; niks.length < count; serial += 1) {
    const nik = `327301${String(41 + (serial % 28)).padStart(2, '0')}0795${String(serial).padStart(4, '0')}`;
    if (!nikViolation(nik) && !syntheticPerson(DEFAULT_CIVIL_REGISTRY_SEED, nik)) niks.push(nik);
  }
  return niks;
};

const setRegistryFaults = async (faults: { unavailableRate?: number; latencyMs?: number }) => {
  const answer = await kuota.api.post('/sandbox/faults', { body: { civilRegistry: faults } });
  expect(answer.status).toBe(200);
};

describe('the identity check', () => {
  it('refuses a NIK the registry does not hold: 422 NIK_NOT_REGISTERED naming body.nik, nothing reserved', async () => {
    // Arrange
    const [nik] = unregisteredNiks(1) as [string];
    const before = stockTotals(await stockShards(kuota, 'R01'));

    // Act
    const answer = await order({
      nik,
      fullName: 'Budi Santoso',
      birthDate: birthDateOfNik(nik),
      quantity: 2,
    });

    // Assert
    expect(answer.status).toBe(422);
    expect(answer.body.error).toMatchObject({ code: 'IDENTITY_NOT_VERIFIED', reason: 'NIK_NOT_REGISTERED' });
    expect(answer.body.error?.issues?.map((issue) => issue.path)).toEqual(['body.nik']);
    expect(stockTotals(await stockShards(kuota, 'R01'))).toEqual(before);
    expect(await nikDayCount(kuota, nik)).toBe(0);
  });

  it('refuses a real NIK under another name or birth date: 422 IDENTITY_MISMATCH, nothing reserved', async () => {
    // Arrange
    const nik = validNik(101);
    const real = claimOf(nik);
    const ordersBefore = (await scanMain(kuota, 'SORDER#')).length;

    // Act
    const wrongName = await order({ nik, fullName: 'Orang Lain', birthDate: real.birthDate, quantity: 1 });
    const wrongDate = await order({ nik, fullName: real.fullName, birthDate: '1970-01-01', quantity: 1 });

    // Assert
    for (const answer of [wrongName, wrongDate]) {
      expect(answer.status).toBe(422);
      expect(answer.body.error).toMatchObject({ code: 'IDENTITY_NOT_VERIFIED', reason: 'IDENTITY_MISMATCH' });
      expect(answer.body.error?.issues?.map((issue) => issue.path)).toEqual([
        'body.fullName',
        'body.birthDate',
      ]);
    }
    expect((await scanMain(kuota, 'SORDER#')).length).toBe(ordersBefore);
    expect(await nikDayCount(kuota, nik)).toBe(0);
  });

  it('accepts the name as the KTP prints it, whatever its case and spacing', async () => {
    // Arrange
    const nik = validNik(102);
    const real = claimOf(nik);

    // Act
    const answer = await order({
      nik,
      fullName: `  ${real.fullName.toLowerCase().replaceAll(' ', '   ')} `,
      birthDate: real.birthDate,
      quantity: 1,
    });

    // Assert
    expect(answer.status).toBe(201);
    expect(answer.body.status).toBe('RESERVED');
  });

  it('asks the registry once per person per day, and again for a claim with another name', async () => {
    // Arrange
    const nik = validNik(103);
    const verify = vi.spyOn(sandboxCivilRegistry, 'verify');

    // Act
    const first = await order({ nik, ...claimOf(nik), quantity: 1 });
    const second = await order({ nik, ...claimOf(nik), quantity: 1 }, 'R01');
    const callsForThePerson = verify.mock.calls.length;
    const impostor = await order({
      nik,
      fullName: 'Penipu Ulung',
      birthDate: claimOf(nik).birthDate,
      quantity: 1,
    });
    const callsInAll = verify.mock.calls.length;
    verify.mockRestore();

    // Assert
    expect([first.status, second.status]).toEqual([201, 201]);
    expect(callsForThePerson).toBe(1);
    expect(impostor.status).toBe(422);
    expect(callsInAll).toBe(2);
  });

  it('tells anyone a sold-out storefront is sold out before the registry is asked', async () => {
    // Arrange: R02 has no stock.
    const [madeUp] = unregisteredNiks(1) as [string];
    const nik = validNik(190);
    const verify = vi.spyOn(sandboxCivilRegistry, 'verify');

    // Act
    const stranger = await order(
      { nik: madeUp, fullName: 'Siapa Saja', birthDate: birthDateOfNik(madeUp), quantity: 1 },
      'R02',
    );
    const tries: Answer[] = [];
    for (let attempt = 0; attempt < 5; attempt += 1)
      tries.push(await order({ nik, ...claimOf(nik), quantity: 1 }, 'R02'));
    const calls = verify.mock.calls.length;
    verify.mockRestore();
    const elsewhere = await order({ nik, ...claimOf(nik), quantity: 1 }, 'R01');

    // Assert: a public answer (the offer says as much), so no registry call, for a made-up NIK or a real
    // one; the person then buys elsewhere (verified there, for the first time).
    expect(stranger.status).toBe(201);
    expect(stranger.body).toMatchObject({ status: 'REJECTED', reason: 'SOLD_OUT' });
    expect(tries.map((answer) => answer.status)).toEqual(tries.map(() => 201));
    for (const answer of tries) expect(answer.body).toMatchObject({ status: 'REJECTED', reason: 'SOLD_OUT' });
    expect(calls).toBe(0);
    expect(elsewhere.status).toBe(201);
    expect(elsewhere.body).toMatchObject({ status: 'RESERVED' });
  });

  it('answers 503 with Retry-After while the registry is down, reserving nothing, and serves the person once it is back', async () => {
    // Arrange
    const nik = validNik(104);
    await setRegistryFaults({ unavailableRate: 1 });
    const itemsBefore = await countMainItems(kuota);

    // Act
    const down = await order({ nik, ...claimOf(nik), quantity: 2 });
    const itemsWhileDown = await countMainItems(kuota);
    const ordersWhileDown = (await scanMain(kuota, 'SORDER#')).length;
    await setRegistryFaults({ unavailableRate: 0 });
    const back = await order({ nik, ...claimOf(nik), quantity: 2 });

    // Assert
    expect(down.status).toBe(503);
    expect(down.body.error?.code).toBe('IDENTITY_CHECK_UNAVAILABLE');
    expect(Number(down.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    // Nothing was written: no order, no stock, no cap, and no count of the minute (no verdict was given).
    expect(itemsWhileDown).toBe(itemsBefore);
    expect(ordersWhileDown).toBe((await scanMain(kuota, 'SORDER#')).length - 1);
    expect(back.status).toBe(201);
    expect(await nikDayCount(kuota, nik)).toBe(2);
  });

  it('answers 429 with Retry-After while the registry is slow (no answer in 2 s), reserving nothing, never a 5xx', async () => {
    // Arrange
    const nik = validNik(105);
    await setRegistryFaults({ latencyMs: 2_500 });

    // Act
    const itemsBefore = await countMainItems(kuota);
    const slow = await order({ nik, ...claimOf(nik), quantity: 2 });
    const itemsWhileSlow = await countMainItems(kuota);
    const ordersWhileSlow = (await scanMain(kuota, 'SORDER#')).length;
    await setRegistryFaults({ latencyMs: 0 });
    const back = await order({ nik, ...claimOf(nik), quantity: 2 });

    // Assert
    expect(slow.status, JSON.stringify(slow.body)).toBe(429);
    expect(Number(slow.headers.get('retry-after'))).toBeGreaterThanOrEqual(1);
    expect(ordersWhileSlow).toBe((await scanMain(kuota, 'SORDER#')).length - 1);
    // No verdict, so no count of the minute: the person's counter was not written.
    expect(itemsWhileSlow).toBe(itemsBefore);
    expect(back.status).toBe(201);
    expect(await nikDayCount(kuota, nik)).toBe(2);
  });

  it('lets no made-up identity reserve: 40 made-up NIKs × 5 stamps lock nothing', async () => {
    // Arrange: half are NIKs no one holds, half real NIKs under made-up names.
    const madeUp = [
      ...unregisteredNiks(20).map((nik) => ({
        nik,
        fullName: 'Pembeli Palsu',
        birthDate: birthDateOfNik(nik),
      })),
      ...Array.from({ length: 20 }, (_, index) => {
        const nik = validNik(2_000 + index);
        return { nik, fullName: 'Pembeli Palsu', birthDate: claimOf(nik).birthDate };
      }),
    ];
    const before = stockTotals(await stockShards(kuota, 'R01'));

    // Act
    const answers = await Promise.all(madeUp.map((identity) => order({ ...identity, quantity: 5 })));

    // Assert
    expect(answers.map((answer) => answer.status)).toEqual(madeUp.map(() => 422));
    expect(stockTotals(await stockShards(kuota, 'R01'))).toEqual(before);
  });

  it('serves a person created in the sandbox registry, and the sample people it lists', async () => {
    // Arrange
    const [nik] = unregisteredNiks(2).slice(1) as [string];
    const created = await kuota.api.post('/sandbox/civil-registry/people', {
      body: { nik, fullName: 'Dewi Anggraini', birthDate: birthDateOfNik(nik) },
    });
    const listed = await kuota.api.get<{ people: { nik: string; fullName: string; birthDate: string }[] }>(
      '/sandbox/civil-registry/people?count=2&offset=500',
    );
    const [sample] = listed.body.people as [{ nik: string; fullName: string; birthDate: string }];

    // Act
    const asCreated = await order({
      nik,
      fullName: 'DEWI ANGGRAINI',
      birthDate: birthDateOfNik(nik),
      quantity: 1,
    });
    const asSample = await order({ ...sample, quantity: 1 });

    // Assert
    expect(created.status).toBe(201);
    expect(listed.body.people).toHaveLength(2);
    expect(asCreated.status).toBe(201);
    expect(asSample.status).toBe(201);
  });

  it('stores neither names nor birth dates', async () => {
    // Arrange
    const nik = validNik(105);
    const { fullName, birthDate } = claimOf(nik);
    await order({ nik, fullName, birthDate, quantity: 1 });

    // Act
    const items = JSON.stringify([...(await scanMain(kuota, '')), ...(await scanMain(kuota, 'NIKDAY#'))]);

    // Assert
    expect(items).not.toContain(fullName);
    expect(items.toUpperCase()).not.toContain(fullName.toUpperCase());
    expect(items).not.toContain(birthDate);
  });
});
