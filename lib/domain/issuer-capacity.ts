/**
 * The issuer mints at a limited rate. A token bucket (capacity = one minute of minting) decides how many
 * stamps may be minted now and how long to wait for more.
 */
export interface Bucket {
  readonly tokens: number;
  readonly updatedAtMs: number;
}

export const refill = (bucket: Bucket, ratePerMinute: number, nowMs: number): Bucket => {
  const elapsed = Math.max(0, nowMs - bucket.updatedAtMs);
  const tokens = Math.min(ratePerMinute, bucket.tokens + (elapsed * ratePerMinute) / 60_000);
  return { tokens, updatedAtMs: Math.max(nowMs, bucket.updatedAtMs) };
};

export const take = (
  bucket: Bucket,
  wanted: number,
  ratePerMinute: number,
  nowMs: number,
): { granted: number; next: Bucket; waitMs: number } => {
  const current = refill(bucket, ratePerMinute, nowMs);
  const granted = Math.max(0, Math.min(wanted, Math.floor(current.tokens)));
  const next = { tokens: current.tokens - granted, updatedAtMs: current.updatedAtMs };
  const missing = granted === 0 ? Math.min(wanted, ratePerMinute) - current.tokens : 0;
  const waitMs = missing > 0 ? Math.ceil((missing * 60_000) / ratePerMinute) : 0;
  return { granted, next, waitMs };
};
