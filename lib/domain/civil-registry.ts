import { createHmac } from 'node:crypto';

/**
 * The civil registry's identity check (Dukcapil's "verifikasi data kependudukan"): does this NIK belong to a
 * person of this name and birth date? A storefront order carries the three; the cap is per person, so a
 * made-up NIK (no person) or a borrowed one (someone else's name) cannot open a new allowance.
 */
export interface IdentityClaim {
  readonly nik: string;
  readonly fullName: string;
  /** YYYY-MM-DD. */
  readonly birthDate: string;
}

export type IdentityVerdict = 'MATCH' | 'NIK_NOT_REGISTERED' | 'IDENTITY_MISMATCH';

/** The registry as kuota sees it (port); the sandbox implements it, a real adapter would call Dukcapil. */
export interface CivilRegistry {
  /** Throws `CivilRegistryUnavailable` when the registry cannot answer now. */
  verify(claim: IdentityClaim): Promise<IdentityVerdict>;
}

export class CivilRegistryUnavailable extends Error {
  override readonly name = 'CivilRegistryUnavailable';
}

/** Names compare as the registry prints them: upper case, single spaces, no punctuation but ' and -. */
export const normalizeName = (name: string): string =>
  name
    .normalize('NFKC')
    .toUpperCase()
    .replace(/[^A-Z' -]/g, ' ')
    .replace(/\s+/g, ' ')
    .trim();

/**
 * What is remembered of a verified claim: a keyed hash of NIK, normalised name and birth date, so a second
 * order by the same person the same day needs no registry call, a claim with another name does, and neither
 * the name nor the birth date is ever stored.
 */
export const claimHash = (key: string, claim: IdentityClaim): string =>
  createHmac('sha256', key)
    .update(`claim:${claim.nik}:${normalizeName(claim.fullName)}:${claim.birthDate}`)
    .digest('base64url');

/**
 * The birth date a NIK encodes (DDMMYY, day + 40 for women), with the century that makes the person at
 * least 17 years old at `today` (the age for a KTP).
 */
export const birthDateOfNik = (nik: string, today: Date = new Date()): string => {
  const rawDay = Number(nik.slice(6, 8));
  const day = rawDay > 40 ? rawDay - 40 : rawDay;
  const month = Number(nik.slice(8, 10));
  const twoDigitYear = Number(nik.slice(10, 12));
  const year = 2000 + twoDigitYear <= today.getUTCFullYear() - 17 ? 2000 + twoDigitYear : 1900 + twoDigitYear;
  return `${year}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
};
