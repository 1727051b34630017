import { createHmac } from 'node:crypto';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../adapters/aws-clients.js';
import { storeCall, withStoreRetries } from '../adapters/dynamo-errors.js';
import { config } from '../config.js';
import {
  birthDateOfNik,
  type CivilRegistry,
  CivilRegistryUnavailable,
  type IdentityClaim,
  type IdentityVerdict,
  normalizeName,
} from '../domain/civil-registry.js';
import { nikViolation } from '../domain/nik.js';
import { SandboxKeys } from '../infra/resources.js';
import { readFaults } from './faults.js';

/**
 * The simulated civil registry (never deployed to production). Its population is synthetic and follows from
 * a seed (`KUOTA_CIVIL_REGISTRY_SEED`): seven in eight well-formed NIKs belong to a person, whose name is
 * drawn from the seed and whose birth date is the one the NIK encodes. Nobody can guess a person's name
 * without the seed, so a made-up NIK with a made-up name fails the check, as a real one would. People
 * created through the sandbox API (`POST /sandbox/civil-registry/people`) override the synthetic ones.
 */
export interface SandboxPerson {
  readonly nik: string;
  readonly fullName: string;
  readonly birthDate: string;
}

const GIVEN = [
  'Siti',
  'Budi',
  'Dewi',
  'Agus',
  'Sri',
  'Eko',
  'Putri',
  'Rizky',
  'Ayu',
  'Andi',
  'Nur',
  'Ahmad',
  'Wahyu',
  'Indah',
  'Dian',
  'Fajar',
  'Rina',
  'Yusuf',
  'Lestari',
  'Bayu',
  'Fitri',
  'Hendra',
  'Maya',
  'Joko',
  'Ratna',
  'Arif',
  'Nanda',
  'Teguh',
  'Wulan',
  'Gilang',
  'Intan',
  'Made',
  'Ketut',
  'Komang',
  'Nyoman',
  'Yohanes',
];
const FAMILY = [
  'Rahayu',
  'Santoso',
  'Wijaya',
  'Hidayat',
  'Saputra',
  'Lestari',
  'Kurniawan',
  'Susanti',
  'Pratama',
  'Nugroho',
  'Siregar',
  'Nasution',
  'Harahap',
  'Simanjuntak',
  'Tanjung',
  'Sinaga',
  'Hutapea',
  'Manurung',
  'Wibowo',
  'Setiawan',
  'Halim',
  'Gunawan',
  'Purba',
  'Lubis',
  'Daulay',
  'Suryadi',
  'Ramadhan',
  'Utami',
];

/** Bytes of the seed's pseudo-random function for one NIK and purpose. */
const draw = (seed: string, purpose: string, nik: string): Buffer =>
  createHmac('sha256', seed).update(`${purpose}:${nik}`).digest();

/** The synthetic person holding a NIK, or undefined when no one does (one NIK in eight, or a malformed one). */
export const syntheticPerson = (seed: string, nik: string): SandboxPerson | undefined => {
  if (nikViolation(nik)) return undefined;
  if ((draw(seed, 'registered', nik)[0] ?? 0) >= 224) return undefined;
  const bytes = draw(seed, 'name', nik);
  const parts = [GIVEN[(bytes[0] ?? 0) % GIVEN.length], FAMILY[(bytes[1] ?? 0) % FAMILY.length]];
  if ((bytes[2] ?? 0) % 3 === 0) parts.splice(1, 0, GIVEN[(bytes[3] ?? 0) % GIVEN.length]);
  return { nik, fullName: parts.join(' '), birthDate: birthDateOfNik(nik) };
};

/**
 * Sample people, to find someone to order as: NIKs of Jakarta Selatan (31 74 01) with birth dates and
 * serials walked from `offset`, keeping the ones the population holds. Deterministic for a seed.
 */
export const samplePeople = (
  seed: string,
  offset: number,
  count: number,
): { people: SandboxPerson[]; nextOffset: number } => {
  const people: SandboxPerson[] = [];
  let index = offset;
  for (; people.length < count; index += 1) {
    const day = 1 + (index % 28) + (index % 2 === 0 ? 40 : 0);
    const year = 60 + (Math.floor(index / 28) % 45);
    const serial = 1 + (Math.floor(index / 1260) % 9999);
    const nik = `317401${String(day).padStart(2, '0')}${String(1 + (index % 12)).padStart(2, '0')}${String(year).padStart(2, '0')}${String(serial).padStart(4, '0')}`;
    const person = syntheticPerson(seed, nik);
    if (person) people.push(person);
  }
  return { people, nextOffset: index };
};

/** Sample people of the configured population (`GET /sandbox/civil-registry/people`). */
export const listSamplePeople = (offset: number, count: number) => samplePeople(seed(), offset, count);

const personKey = (seed: string, nik: string) =>
  SandboxKeys.civilPerson(draw(seed, 'key', nik).toString('base64url'));

const seed = () => config().civilRegistrySeed;

/** A person created for a test or a demo; replaces the synthetic one holding the NIK, if any. */
export const createSandboxPerson = async (person: SandboxPerson): Promise<SandboxPerson> => {
  const stored = { ...person, fullName: normalizeName(person.fullName) };
  await storeCall(() =>
    dynamo().send(
      new PutCommand({
        TableName: config().sandboxTable,
        // Keyed by a keyed hash of the NIK, which is not stored in clear, not even here.
        Item: { ...personKey(seed(), person.nik), fullName: stored.fullName, birthDate: stored.birthDate },
      }),
    ),
  );
  return stored;
};

const lookUp = async (nik: string): Promise<SandboxPerson | undefined> => {
  const result = await storeCall(() =>
    dynamo().send(new GetCommand({ TableName: config().sandboxTable, Key: personKey(seed(), nik) })),
  );
  if (result.Item) {
    return { nik, fullName: String(result.Item.fullName), birthDate: String(result.Item.birthDate) };
  }
  return syntheticPerson(seed(), nik);
};

const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export const sandboxCivilRegistry: CivilRegistry = {
  async verify(claim: IdentityClaim): Promise<IdentityVerdict> {
    // The simulated registry's own reads retry like any store call (DynamoDB faults are not its outages).
    const { civilRegistry: faults } = await withStoreRetries(() => readFaults());
    if (faults.latencyMs > 0) await pause(faults.latencyMs);
    if (Math.random() < faults.unavailableRate) throw new CivilRegistryUnavailable('the registry is down');
    const person = await withStoreRetries(() => lookUp(claim.nik));
    if (!person) return 'NIK_NOT_REGISTERED';
    const sameName = normalizeName(person.fullName) === normalizeName(claim.fullName);
    return sameName && person.birthDate === claim.birthDate ? 'MATCH' : 'IDENTITY_MISMATCH';
  },
};
