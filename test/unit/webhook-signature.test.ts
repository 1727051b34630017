import { createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  SIGNATURE_TOLERANCE_SECONDS,
  signPayload,
  verifySignature,
} from '../../lib/domain/webhook-signature.js';

const SECRET = 'whsec_unit_test_secret_0123456789';
const OLD_SECRET = 'whsec_the_previous_secret_98765';
const BODY = '{"billingCode":"123456789012345","ntpn":"ABCDEFGHIJ123456","amountIdr":10000}';
const NOW = 1_725_580_800; // 2024-09-06T00:00:00Z, the CASN peak

const mac = (secret: string, text: string) => createHmac('sha256', secret).update(text).digest('hex');
const verify = (
  header: string | undefined,
  overrides: { rawBody?: string; now?: number; secret?: string } = {},
) =>
  verifySignature({
    secret: overrides.secret ?? SECRET,
    header,
    rawBody: overrides.rawBody ?? BODY,
    nowUnixSeconds: overrides.now ?? NOW,
  });

describe('signPayload', () => {
  it('produces t=<seconds>,v1=<hex HMAC-SHA256 of "<t>.<body>">', () => {
    // Arrange
    const expected = `t=${NOW},v1=${mac(SECRET, `${NOW}.${BODY}`)}`;

    // Act
    const header = signPayload(SECRET, BODY, NOW);

    // Assert
    expect(header).toBe(expected);
    expect(header).toMatch(/^t=\d+,v1=[0-9a-f]{64}$/);
  });
});

describe('verifySignature', () => {
  it('is VALID for a header it signed itself', () => {
    // Arrange
    const header = signPayload(SECRET, BODY, NOW);

    // Act
    const verdict = verify(header);

    // Assert
    expect(verdict).toBe('VALID');
  });

  it.each([
    ['exactly 300 s in the past', -SIGNATURE_TOLERANCE_SECONDS, 'VALID'],
    ['exactly 300 s in the future', SIGNATURE_TOLERANCE_SECONDS, 'VALID'],
    ['301 s in the past', -SIGNATURE_TOLERANCE_SECONDS - 1, 'STALE'],
    ['301 s in the future', SIGNATURE_TOLERANCE_SECONDS + 1, 'FUTURE'],
    ['a day old', -86_400, 'STALE'],
  ])('judges a timestamp %s as %s', (_name, offset, expected) => {
    // Arrange
    const header = signPayload(SECRET, BODY, NOW + offset);

    // Act
    const verdict = verify(header);

    // Assert
    expect(SIGNATURE_TOLERANCE_SECONDS).toBe(300);
    expect(verdict).toBe(expected);
  });

  it('checks the time window before the MAC, so a stale forgery is STALE, not MISMATCH', () => {
    // Arrange
    const header = signPayload('whsec_someone_else_entirely_000', BODY, NOW - 1_000);

    // Act
    const verdict = verify(header);

    // Assert
    expect(verdict).toBe('STALE');
  });

  it.each([
    ['a wrong secret', () => signPayload('whsec_wrong_secret_0000000000000', BODY, NOW), {}],
    ['a tampered body', () => signPayload(SECRET, BODY, NOW), { rawBody: BODY.replace('10000', '10001') }],
    [
      'a re-serialised body',
      () => signPayload(SECRET, BODY, NOW),
      { rawBody: JSON.stringify(JSON.parse(BODY), null, 1) },
    ],
    ['a changed timestamp', () => `t=${NOW + 1},v1=${mac(SECRET, `${NOW}.${BODY}`)}`, {}],
    ['the MAC of the body alone', () => `t=${NOW},v1=${mac(SECRET, BODY)}`, {}],
    ['an upper-case hex MAC', () => `t=${NOW},v1=${mac(SECRET, `${NOW}.${BODY}`).toUpperCase()}`, {}],
    ['a truncated MAC', () => `t=${NOW},v1=${mac(SECRET, `${NOW}.${BODY}`).slice(0, 63)}`, {}],
    ['an empty body signed, a body sent', () => signPayload(SECRET, '', NOW), {}],
  ])('is MISMATCH for %s', (_name, header, overrides) => {
    // Arrange
    const signature = header();

    // Act
    const verdict = verify(signature, overrides);

    // Assert
    expect(verdict).toBe('MISMATCH');
  });

  it.each([
    ['a missing header', undefined],
    ['an empty header', ''],
    ['a bare word', 'garbage'],
    ['no timestamp', `v1=${mac(SECRET, `${NOW}.${BODY}`)}`],
    ['no v1', `t=${NOW}`],
    ['a non-numeric timestamp', `t=abc,v1=${mac(SECRET, `abc.${BODY}`)}`],
    ['a negative timestamp', `t=-5,v1=${mac(SECRET, `-5.${BODY}`)}`],
    ['a fractional timestamp', `t=${NOW}.5,v1=${mac(SECRET, `${NOW}.5.${BODY}`)}`],
    ['a 13-digit (milliseconds) timestamp', `t=${NOW}000,v1=${mac(SECRET, `${NOW}000.${BODY}`)}`],
    ['two timestamps', `t=${NOW},t=${NOW},v1=${mac(SECRET, `${NOW}.${BODY}`)}`],
    ['an empty value', `t=${NOW},v1=`],
    ['a trailing comma', `t=${NOW},v1=${mac(SECRET, `${NOW}.${BODY}`)},`],
    ['a timestamp with trailing junk after another =', `t=${NOW}=1,v1=${mac(SECRET, `${NOW}.${BODY}`)}`],
  ])('is MALFORMED for %s', (_name, header) => {
    // Arrange
    const signature = header;

    // Act
    const verdict = verify(signature);

    // Assert
    expect(verdict).toBe('MALFORMED');
  });

  it('does not accept a MAC followed by junk after another =', () => {
    // Arrange
    const header = `t=${NOW},v1=${mac(SECRET, `${NOW}.${BODY}`)}=junk`;

    // Act
    const verdict = verify(header);

    // Assert
    expect(verdict).not.toBe('VALID');
  });

  it('tolerates spaces after the commas', () => {
    // Arrange
    const header = `t=${NOW}, v1=${mac(SECRET, `${NOW}.${BODY}`)}`;

    // Act
    const verdict = verify(header);

    // Assert
    expect(verdict).toBe('VALID');
  });

  describe('secret rotation (several v1 values)', () => {
    const both = `t=${NOW},v1=${mac(OLD_SECRET, `${NOW}.${BODY}`)},v1=${mac(SECRET, `${NOW}.${BODY}`)}`;

    it('is VALID for a receiver on the new secret', () => {
      // Arrange
      const header = both;

      // Act
      const verdict = verify(header, { secret: SECRET });

      // Assert
      expect(verdict).toBe('VALID');
    });

    it('is VALID for a receiver still on the old secret', () => {
      // Arrange
      const header = both;

      // Act
      const verdict = verify(header, { secret: OLD_SECRET });

      // Assert
      expect(verdict).toBe('VALID');
    });

    it('is MISMATCH when neither value matches', () => {
      // Arrange
      const header = both;

      // Act
      const verdict = verify(header, { secret: 'whsec_a_third_unrelated_secret_0' });

      // Assert
      expect(verdict).toBe('MISMATCH');
    });

    it('accepts the v1 values in either order and ignores unknown schemes', () => {
      // Arrange
      const header = `v0=deadbeef,v1=${mac(SECRET, `${NOW}.${BODY}`)},t=${NOW},v1=${mac(OLD_SECRET, `${NOW}.${BODY}`)}`;

      // Act
      const verdict = verify(header);

      // Assert
      expect(verdict).toBe('VALID');
    });
  });
});
