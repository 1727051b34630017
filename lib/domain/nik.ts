import { createHmac } from 'node:crypto';

/**
 * NIK (Nomor Induk Kependudukan), 16 digits: PP KK CC (province, regency, district) DDMMYY (birth date, day
 * + 40 for women) SSSS (serial, not 0000). It has so little entropy that a plain hash is reversible by
 * enumeration, so it is kept only as a keyed HMAC, and never logged.
 */
export type NikRule = 'FORMAT' | 'PROVINCE' | 'BIRTH_DATE' | 'SERIAL';

export const NIK_RULE_MESSAGES: Record<NikRule, string> = {
  FORMAT: 'must be exactly 16 digits',
  PROVINCE: 'province code (digits 1-2) must be between 11 and 94',
  BIRTH_DATE: 'birth date (digits 7-12, DDMMYY, day + 40 for women) is not a valid date',
  SERIAL: 'serial (digits 13-16) must not be 0000',
};

const isValidDate = (day: number, month: number, twoDigitYear: number): boolean => {
  if (month < 1 || month > 12 || day < 1) return false;
  // The century is not in the NIK; a date valid in either 19xx or 20xx is accepted.
  return [1900, 2000].some((century) => {
    const date = new Date(Date.UTC(century + twoDigitYear, month - 1, day));
    return date.getUTCMonth() === month - 1 && date.getUTCDate() === day;
  });
};

export const nikViolation = (nik: string): NikRule | undefined => {
  if (!/^[0-9]{16}$/.test(nik)) return 'FORMAT';
  const province = Number(nik.slice(0, 2));
  if (province < 11 || province > 94) return 'PROVINCE';
  const rawDay = Number(nik.slice(6, 8));
  const day = rawDay > 40 ? rawDay - 40 : rawDay;
  if (!isValidDate(day, Number(nik.slice(8, 10)), Number(nik.slice(10, 12)))) return 'BIRTH_DATE';
  if (nik.slice(12) === '0000') return 'SERIAL';
  return undefined;
};

export const hashNik = (key: string, nik: string): string =>
  createHmac('sha256', key).update(`nik:${nik}`).digest('base64url');
