import { nikViolation } from '../domain/nik.js';
import { type Random, randomInt } from './random.js';

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
