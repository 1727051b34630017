import { describe, expect, it } from 'vitest';
import {
  AWS_DEFAULT_LIMITS,
  capacity,
  concurrencyPerStampPerSecond,
  type DesignMeasurements,
  type ModelOptions,
  partitionLimit,
} from '../../tools/bench/capacity-model.js';
import { costPerMillionStamps, PRICES } from '../../tools/bench/prices.js';
import { shardedLikeStock } from '../../tools/bench/summary.js';

/** The capacity model's arithmetic, checked by hand on round numbers. */
const options: ModelOptions = {
  shards: 32,
  activeResellers: 10,
  stamps: 11_000_000,
  durationScale: 1,
  limits: AWS_DEFAULT_LIMITS,
};

const design = (overrides: Partial<DesignMeasurements> = {}): DesignMeasurements => ({
  design: 'test',
  apiRequestsPerStamp: 2,
  tables: [{ name: 'main', writeUnitsPerStamp: 10, readUnitsPerStamp: 4 }],
  partitionClasses: [
    {
      name: 'STOCK#<hot>#<n>',
      scope: 'reseller',
      keys: 20,
      sharded: true,
      writeUnitsPerStamp: 2,
      readUnitsPerStamp: 0,
    },
    {
      name: 'gsi1 WORK#<n>',
      scope: 'national',
      keys: 64,
      sharded: false,
      writeUnitsPerStamp: 4,
      readUnitsPerStamp: 0,
    },
  ],
  functions: [
    { id: 'intake', trigger: 'api', invocationsPerStamp: 1, meanDurationMs: 50, memoryMb: 1024 },
    { id: 'consumer', trigger: 'queue', invocationsPerStamp: 0.1, meanDurationMs: 200, memoryMb: 1024 },
  ],
  ...overrides,
});

describe('partition limits', () => {
  it('spreads a sharded class over the configured shards, a plain class over its measured keys', () => {
    const [stock, index] = design().partitionClasses as [never, never];
    // 32 shards × 1,000 WCU/s ÷ 2 WRU per stamp
    expect(partitionLimit(stock, options).stampsPerSecond).toBe(16_000);
    expect(partitionLimit(stock, { ...options, shards: 8 }).stampsPerSecond).toBe(4_000);
    // 64 buckets × 1,000 ÷ 4
    expect(partitionLimit(index, options).stampsPerSecond).toBe(16_000);
  });

  it('takes the read limit when reads bind first', () => {
    const limit = partitionLimit(
      {
        name: 'hot read',
        scope: 'reseller',
        keys: 1,
        sharded: false,
        writeUnitsPerStamp: 0.5,
        readUnitsPerStamp: 6,
      },
      options,
    );
    // writes: 1,000 ÷ 0.5 = 2,000; reads: 3,000 ÷ 6 = 500
    expect(limit.stampsPerSecond).toBe(500);
  });
});

describe('capacity', () => {
  it('needs Σ invocations × seconds of concurrency per stamp per second', () => {
    // 1 × 0.05 s + 0.1 × 0.2 s = 0.07
    expect(concurrencyPerStampPerSecond(design().functions, 1)).toBeCloseTo(0.07, 10);
    expect(concurrencyPerStampPerSecond(design().functions, 2)).toBeCloseTo(0.14, 10);
  });

  it('finds the binding limit per reseller and nationally, and the time for 11 M stamps', () => {
    const result = capacity(design(), options);
    // One reseller: its 32 shards allow 16,000/s, but the table quota (40,000 ÷ 10 = 4,000) binds first.
    expect(result.perReseller.stampsPerSecond).toBe(4_000);
    expect(result.perReseller.binding.name).toBe('table quota: main');
    expect(result.resellerKeys.stampsPerSecond).toBe(16_000);
    // Nationally: API 10,000 ÷ 2 = 5,000; Lambda 1,000 ÷ 0.07 ≈ 14,286; table 4,000; index 16,000;
    // SQS source 1,000 ÷ 0.02 = 50,000; 10 resellers × 4,000 = 40,000.
    expect(result.national.stampsPerSecond).toBe(4_000);
    expect(result.national.binding.name).toBe('table quota: main');
    expect(result.secondsForStamps).toBe(11_000_000 / 4_000);
    const api = result.national.limits.find((limit) => limit.name === 'API Gateway account throttle');
    expect(api?.stampsPerSecond).toBe(5_000);
    const lambda = result.national.limits.find((limit) => limit.name === 'Lambda account concurrency');
    expect(lambda?.stampsPerSecond).toBeCloseTo(1_000 / 0.07, 6);
  });

  it('lets a single counter item bind one reseller at 1,000 WCU/s', () => {
    const counter = design({
      tables: [{ name: 'baseline', writeUnitsPerStamp: 5, readUnitsPerStamp: 1 }],
      partitionClasses: [
        {
          name: 'STOCK#<hot>',
          scope: 'reseller',
          keys: 1,
          sharded: false,
          writeUnitsPerStamp: 1,
          readUnitsPerStamp: 0,
        },
      ],
    });
    const result = capacity(counter, { ...options, shards: 1 });
    expect(result.perReseller.stampsPerSecond).toBe(1_000);
    expect(result.perReseller.binding.name).toBe('partition: STOCK#<hot>');
    // 10 resellers × 1,000 = 10,000; API 5,000 binds nationally.
    expect(result.national.stampsPerSecond).toBe(5_000);
    expect(result.national.binding.name).toBe('API Gateway account throttle');
  });

  it('raises a queue consumer’s bound with the account concurrency the stack is deployed for', () => {
    // Arrange: a consumer with the default account's share of 50; 0.1 × 0.2 s = 0.02 batches per stamp/s
    const bounded = design({
      functions: [
        {
          id: 'consumer',
          trigger: 'queue',
          invocationsPerStamp: 0.1,
          meanDurationMs: 200,
          memoryMb: 1024,
          maxConcurrency: 50,
        },
      ],
    });
    const sourceOf = (accountConcurrency: number) =>
      capacity(bounded, {
        ...options,
        limits: { ...AWS_DEFAULT_LIMITS, lambdaAccountConcurrency: accountConcurrency },
      }).national.limits.find((limit) => limit.name === 'SQS event source: consumer');

    // Act
    const atDefault = sourceOf(1_000);
    const raised = sourceOf(10_000);

    // Assert: 50 ÷ 0.02 = 2,500; deployed for 10,000 the mapping allows 500: 25,000
    expect(atDefault?.stampsPerSecond).toBeCloseTo(2_500, 6);
    expect(raised?.stampsPerSecond).toBeCloseTo(25_000, 6);
  });

  it('estimates the warm-up of the queue consumer from 5 batches at +300 a minute', () => {
    const result = capacity(design({ tables: [], partitionClasses: [] }), options);
    // National rate 5,000 (API); consumer needs 0.1 × 5,000 × 0.2 s = 100 concurrent: (100 − 5) ÷ 300 min.
    expect(result.rampSeconds).toBeCloseTo((95 / 300) * 60, 6);
  });
});

describe('cost per million stamps', () => {
  it('multiplies units per stamp by prices per million units', () => {
    const prices = PRICES['us-east-1'];
    if (!prices) throw new Error('no us-east-1 prices');
    const usage = {
      stampsSold: 2,
      dynamoDbWriteUnits: 20, // 10 per stamp
      dynamoDbReadUnits: 8, // 4 per stamp
      sqsRequests: 6,
      lambdaInvocations: 4,
      lambdaGbSeconds: 0.2, // 0.1 GB-s per stamp
      apiGatewayRequests: 4,
    };
    const cost = costPerMillionStamps(usage, prices, 'x86_64');
    const onArm = costPerMillionStamps(usage, prices, 'arm64');
    expect(onArm.lambdaCompute).toBeCloseTo(0.1 * 1_000_000 * 0.0000133334, 10);
    expect(onArm.dynamoDbWrites).toBe(cost.dynamoDbWrites);
    expect(cost.dynamoDbWrites).toBeCloseTo(10 * prices.dynamoDbPerMillionWriteUnits, 10);
    expect(cost.dynamoDbReads).toBeCloseTo(4 * prices.dynamoDbPerMillionReadUnits, 10);
    expect(cost.sqs).toBeCloseTo(3 * prices.sqsPerMillionRequests, 10);
    expect(cost.lambdaRequests).toBeCloseTo(2 * prices.lambdaPerMillionRequests, 10);
    expect(cost.lambdaCompute).toBeCloseTo(0.1 * 1_000_000 * prices.lambdaPerGbSecond, 10);
    expect(cost.apiGateway).toBeCloseTo(2 * prices.apiGatewayRestPerMillionRequests, 10);
    expect(cost.total).toBeCloseTo(
      cost.dynamoDbWrites +
        cost.dynamoDbReads +
        cost.sqs +
        cost.lambdaRequests +
        cost.lambdaCompute +
        cost.apiGateway,
      10,
    );
  });
});

describe('the partition classes the bench hands the model', () => {
  it('scales the stock shards and the ledger with the shard count, never the order index’s fixed buckets', () => {
    // Act + Assert
    expect(shardedLikeStock('STOCK#<hot>#<n>')).toBe(true);
    expect(shardedLikeStock('LEDGER#<hot>#<n>')).toBe(true);
    expect(shardedLikeStock('RORDERS#<hot>#<n>')).toBe(false);
    expect(shardedLikeStock('RESELLER#<hot>')).toBe(false);
  });
});
