import { createHmac, timingSafeEqual } from 'node:crypto';

/**
 * `Kuota-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256("<t>.<raw body>")>`, the Stripe scheme: the
 * timestamp is inside the MAC, so a captured request cannot be replayed outside the tolerance window.
 */
export const SIGNATURE_HEADER = 'kuota-signature';
export const SIGNATURE_TOLERANCE_SECONDS = 300;

export const signPayload = (secret: string, rawBody: string, unixSeconds: number): string => {
  const mac = createHmac('sha256', secret).update(`${unixSeconds}.${rawBody}`).digest('hex');
  return `t=${unixSeconds},v1=${mac}`;
};

export type SignatureVerdict = 'VALID' | 'MALFORMED' | 'STALE' | 'FUTURE' | 'MISMATCH';

export const verifySignature = (input: {
  secret: string;
  header: string | undefined;
  rawBody: string;
  nowUnixSeconds: number;
}): SignatureVerdict => {
  if (!input.header) return 'MALFORMED';
  const parts = new Map<string, string[]>();
  for (const piece of input.header.split(',')) {
    // Split at the first '=' only: `split('=', 2)` would drop anything after a second '=' unseen.
    const pair = piece.trim();
    const separator = pair.indexOf('=');
    const name = pair.slice(0, Math.max(separator, 0));
    const value = pair.slice(separator + 1);
    if (separator < 0 || !name || !value) return 'MALFORMED';
    parts.set(name, [...(parts.get(name) ?? []), value]);
  }
  const timestamps = parts.get('t');
  const candidates = parts.get('v1');
  if (timestamps?.length !== 1 || !candidates) return 'MALFORMED';
  const [timestampText] = timestamps;
  if (!timestampText || !/^[0-9]{1,12}$/.test(timestampText)) return 'MALFORMED';
  const timestamp = Number(timestampText);
  if (timestamp < input.nowUnixSeconds - SIGNATURE_TOLERANCE_SECONDS) return 'STALE';
  if (timestamp > input.nowUnixSeconds + SIGNATURE_TOLERANCE_SECONDS) return 'FUTURE';
  const expected = Buffer.from(
    createHmac('sha256', input.secret).update(`${timestampText}.${input.rawBody}`).digest('hex'),
    'utf8',
  );
  // Several v1 values are allowed so a sender can sign with old and new secret during rotation.
  const matches = candidates.some((candidate) => {
    const given = Buffer.from(candidate, 'utf8');
    return given.length === expected.length && timingSafeEqual(given, expected);
  });
  return matches ? 'VALID' : 'MISMATCH';
};
