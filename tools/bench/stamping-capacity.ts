/**
 * Stamping at deadline scale on AWS: from what one stamping costs (measured by `npm run bench:stamping`) and
 * the documented limits of the services it uses, how many stampings per second the platform sustains and
 * which limit binds first. Pure arithmetic, every input explicit.
 */
export interface StampingUsage {
  /** Billed duration of the stamping worker per stamping (measured), in seconds. */
  readonly workerSecondsPerStamping: number;
  readonly workerMemoryGb: number;
  /** Concurrency the stamping queue's event source may use (`Queues.stamping.maxConcurrency`). */
  readonly workerMaxConcurrency: number;
  /** KMS Sign requests per stamping (one signature over the signed attributes). */
  readonly kmsSignsPerStamping: number;
  /** API requests per stamping (create, submit, status reads, the document check if any). */
  readonly apiRequestsPerStamping: number;
  /** S3 PUTs and GETs (HEAD counted as GET) per stamping, on the busiest key prefix. */
  readonly s3PutsPerStampingOnOnePrefix: number;
  readonly s3GetsPerStampingOnOnePrefix: number;
}

export interface StampingLimits {
  /** KMS: RSA asymmetric cryptographic operations (Sign) per second, per account and Region (default, soft). */
  readonly kmsRsaSignsPerSecond: number;
  /** S3: requests per second per partitioned prefix (documented floor; S3 splits busy prefixes over time). */
  readonly s3PutsPerSecondPerPrefix: number;
  readonly s3GetsPerSecondPerPrefix: number;
  readonly apiGatewayRequestsPerSecond: number;
  readonly lambdaAccountConcurrency: number;
}

export const STAMPING_DEFAULT_LIMITS: StampingLimits = {
  // docs.aws.amazon.com/kms/latest/developerguide/requests-per-second.html: RSA asymmetric keys, 500/s
  // shared by every asymmetric RSA operation of the account in the Region.
  kmsRsaSignsPerSecond: 500,
  s3PutsPerSecondPerPrefix: 3_500,
  s3GetsPerSecondPerPrefix: 5_500,
  apiGatewayRequestsPerSecond: 10_000,
  lambdaAccountConcurrency: 1_000,
};

export interface StampingCeiling {
  readonly limit: string;
  readonly stampingsPerSecond: number;
}

/** Every limit's ceiling, lowest (the one that binds) first. */
export const stampingCeilings = (usage: StampingUsage, limits: StampingLimits): StampingCeiling[] => {
  if (usage.workerSecondsPerStamping <= 0) throw new Error('worker duration must be positive');
  const ceilings: StampingCeiling[] = [
    {
      limit: `stamping worker concurrency (${usage.workerMaxConcurrency} × 1 / ${usage.workerSecondsPerStamping.toFixed(3)} s)`,
      stampingsPerSecond: usage.workerMaxConcurrency / usage.workerSecondsPerStamping,
    },
    {
      limit: `KMS RSA Sign quota (${limits.kmsRsaSignsPerSecond}/s)`,
      stampingsPerSecond: limits.kmsRsaSignsPerSecond / usage.kmsSignsPerStamping,
    },
    {
      limit: `S3 PUTs per prefix (${limits.s3PutsPerSecondPerPrefix}/s)`,
      stampingsPerSecond: limits.s3PutsPerSecondPerPrefix / usage.s3PutsPerStampingOnOnePrefix,
    },
    {
      limit: `S3 GETs per prefix (${limits.s3GetsPerSecondPerPrefix}/s)`,
      stampingsPerSecond: limits.s3GetsPerSecondPerPrefix / usage.s3GetsPerStampingOnOnePrefix,
    },
    {
      limit: `API Gateway account throttle (${limits.apiGatewayRequestsPerSecond}/s, shared with the sale)`,
      stampingsPerSecond: limits.apiGatewayRequestsPerSecond / usage.apiRequestsPerStamping,
    },
  ];
  return ceilings.sort((a, b) => a.stampingsPerSecond - b.stampingsPerSecond);
};

/** Lambda compute cost of one million stampings (worker only), at a price per GB-second. */
export const workerCostPerMillion = (usage: StampingUsage, pricePerGbSecond: number): number =>
  usage.workerSecondsPerStamping * usage.workerMemoryGb * pricePerGbSecond * 1_000_000;
