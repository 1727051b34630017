import { DEFAULT_CIVIL_REGISTRY_SEED } from '../../lib/config.js';
import { nikViolation } from '../../lib/domain/nik.js';
import { syntheticPerson } from '../../lib/sandbox/civil-registry-sandbox.js';
import { type Random, randomInt } from '../common/random.js';

/**
 * Valid NIKs for simulated applicants: province 11-94, regency and district 01-99, a real birth date
 * DDMMYY (day + 40 for women), serial 0001-9999. Checked against the same rules the API applies.
 */
const two = (value: number) => String(value).padStart(2, '0');

export const generateNik = (random: Random): string => {
  for (;;) {
    const province = randomInt(random, 11, 94);
    const regency = randomInt(random, 1, 99);
    const district = randomInt(random, 1, 99);
    const year = randomInt(random, 1960, 2005);
    const month = randomInt(random, 1, 12);
    const daysInMonth = new Date(Date.UTC(year, month, 0)).getUTCDate();
    const day = randomInt(random, 1, daysInMonth);
    const woman = random() < 0.5;
    const serial = randomInt(random, 1, 9999);
    const nik = `${two(province)}${two(regency)}${two(district)}${two(woman ? day + 40 : day)}${two(month)}${two(year % 100)}${String(serial).padStart(4, '0')}`;
    if (!nikViolation(nik)) return nik;
  }
};

/** `count` distinct valid NIKs. */
export const generateNiks = (random: Random, count: number): string[] => {
  const niks = new Set<string>();
  while (niks.size < count) niks.add(generateNik(random));
  return [...niks];
};

/** The civil-registry population the load tools order as: the stack's seed, else the local default. */
export const populationSeed = (): string =>
  process.env.KUOTA_CIVIL_REGISTRY_SEED || DEFAULT_CIVIL_REGISTRY_SEED;

/** `count` distinct valid NIKs of people the sandbox civil registry holds under `seed`. */
export const generateRegisteredNiks = (random: Random, count: number, seed = populationSeed()): string[] => {
  const niks = new Set<string>();
  while (niks.size < count) {
    const nik = generateNik(random);
    if (syntheticPerson(seed, nik)) niks.add(nik);
  }
  return [...niks];
};

/**
 * A registered NIK for each n (distinct for distinct n below 279,944): province 31 74, women's birth dates,
 * the serial from n, and the first district from 01 whose NIK the population holds.
 */
export const registeredNik = (n: number, seed = populationSeed()): string => {
  const dateAndSerial = `${two(41 + (n % 28))}0890${String(1 + (n % 9998)).padStart(4, '0')}`;
  for (let district = 1; district < 100; district += 1) {
    const nik = `3174${two(district)}${dateAndSerial}`;
    if (syntheticPerson(seed, nik)) return nik;
  }
  throw new Error(`no registered NIK for ${n}`);
};

/** What a buyer puts beside a registered NIK: the name and birth date the registry holds for it. */
export const identityOf = (nik: string, seed = populationSeed()): { fullName: string; birthDate: string } => {
  const person = syntheticPerson(seed, nik);
  if (!person) throw new Error('this NIK belongs to no one in the sandbox population');
  return { fullName: person.fullName, birthDate: person.birthDate };
};
