import type { LambdaArchitecture } from '../../lib/infra/functions.js';

/**
 * AWS on-demand list prices used by `npm run bench` for the cost per million stamps. Configuration, not
 * truth: edit them (or add a region) when AWS changes its prices. Free tiers are ignored: at a national
 * deadline's volume they are noise.
 *
 * Region: us-east-1 (N. Virginia), in USD. Jakarta (ap-southeast-3), where kuota would run, lists higher
 * prices for the same services; its figures were not available to this machine (no network), so they are
 * left for whoever deploys to fill in as a second entry.
 */
export interface PriceSheet {
  readonly region: string;
  readonly currency: 'USD';
  /** When these prices were read, and from where. */
  readonly asOf: string;
  readonly source: string;
  readonly dynamoDbPerMillionWriteUnits: number;
  readonly dynamoDbPerMillionReadUnits: number;
  readonly sqsPerMillionRequests: number;
  readonly lambdaPerMillionRequests: number;
  /** x86_64 (Lambda's and CDK's default: what the baseline, a first design, gets). */
  readonly lambdaPerGbSecond: number;
  /** arm64 (Graviton): what kuota's functions run on (`LAMBDA_ARCHITECTURE`). */
  readonly lambdaArm64PerGbSecond: number;
  /** REST API, first 333 million requests a month. */
  readonly apiGatewayRestPerMillionRequests: number;
}

export const PRICES: Readonly<Record<string, PriceSheet>> = {
  'us-east-1': {
    region: 'us-east-1',
    currency: 'USD',
    asOf: '2025-01 (DynamoDB on-demand as reduced on 2024-11-01)',
    source:
      'aws.amazon.com/dynamodb/pricing/on-demand, /sqs/pricing, /lambda/pricing, /api-gateway/pricing (standard queue, x86 and arm64, REST API tier 1)',
    dynamoDbPerMillionWriteUnits: 0.625,
    dynamoDbPerMillionReadUnits: 0.125,
    sqsPerMillionRequests: 0.4,
    lambdaPerMillionRequests: 0.2,
    lambdaPerGbSecond: 0.0000166667,
    lambdaArm64PerGbSecond: 0.0000133334,
    apiGatewayRestPerMillionRequests: 3.5,
  },
};

export const DEFAULT_PRICE_REGION = 'us-east-1';

/** What one design used for the stamps it sold, summed over a run. */
export interface UsageForCost {
  readonly stampsSold: number;
  readonly dynamoDbWriteUnits: number;
  readonly dynamoDbReadUnits: number;
  readonly sqsRequests: number;
  readonly lambdaInvocations: number;
  readonly lambdaGbSeconds: number;
  readonly apiGatewayRequests: number;
}

export interface CostPerMillion {
  readonly dynamoDbWrites: number;
  readonly dynamoDbReads: number;
  readonly sqs: number;
  readonly lambdaRequests: number;
  readonly lambdaCompute: number;
  readonly apiGateway: number;
  readonly total: number;
}

/** The price of a GB-second of Lambda compute on `architecture`. */
export const lambdaPricePerGbSecond = (prices: PriceSheet, architecture: LambdaArchitecture): number =>
  architecture === 'arm64' ? prices.lambdaArm64PerGbSecond : prices.lambdaPerGbSecond;

/** Cost of selling one million stamps at the usage measured per stamp, its functions on `architecture`. */
export const costPerMillionStamps = (
  usage: UsageForCost,
  prices: PriceSheet,
  architecture: LambdaArchitecture,
): CostPerMillion => {
  if (usage.stampsSold <= 0) throw new Error('no stamps sold: cost per stamp is undefined');
  // Per stamp × 1,000,000 stamps, with prices per 1,000,000 units: the two millions cancel out.
  const perStamp = (amount: number) => amount / usage.stampsSold;
  const parts = {
    dynamoDbWrites: perStamp(usage.dynamoDbWriteUnits) * prices.dynamoDbPerMillionWriteUnits,
    dynamoDbReads: perStamp(usage.dynamoDbReadUnits) * prices.dynamoDbPerMillionReadUnits,
    sqs: perStamp(usage.sqsRequests) * prices.sqsPerMillionRequests,
    lambdaRequests: perStamp(usage.lambdaInvocations) * prices.lambdaPerMillionRequests,
    lambdaCompute: perStamp(usage.lambdaGbSeconds) * 1_000_000 * lambdaPricePerGbSecond(prices, architecture),
    apiGateway: perStamp(usage.apiGatewayRequests) * prices.apiGatewayRestPerMillionRequests,
  };
  return { ...parts, total: Object.values(parts).reduce((sum, value) => sum + value, 0) };
};
