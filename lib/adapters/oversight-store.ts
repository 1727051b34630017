import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { config } from '../config.js';
import { MainKeys } from '../infra/resources.js';
import { storedAlertOf } from './alert-store.js';
import { auditRecordOf } from './audit-store.js';
import { dynamo } from './aws-clients.js';
import { storeCall } from './dynamo-errors.js';
import { queryPage } from './partition-query.js';

/**
 * The regulator's paged reads: one page of a day's alerts, audit records or stats snapshots, never more
 * than the page asks for (DynamoDB's Limit), with the key to continue from.
 */
const table = () => config().mainTable;

type Key = Record<string, string>;

const page = async (input: {
  pk: string;
  limit: number;
  start?: Key;
  newestFirst?: boolean;
  skAtLeast?: string;
}) => {
  const result = await queryPage(
    {
      partition: input.pk,
      ...(input.skAtLeast ? { sortKeyFrom: input.skAtLeast } : {}),
      ...(input.newestFirst ? { newestFirst: true } : {}),
    },
    input.limit,
    input.start,
  );
  return { items: result.items, ...(result.next ? { next: result.next as Key } : {}) };
};

export const oversightStore = {
  /** One minute's national snapshot (every vendor's figures), kept 90 days for the dashboards. */
  async putStatsSnapshot(minute: string, at: Date, vendors: Record<string, unknown>): Promise<void> {
    await storeCall(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: {
            pk: MainKeys.statsOfDay(minute.slice(0, 10)),
            sk: minute,
            entity: 'StatsSnapshot',
            at: at.toISOString(),
            vendors,
            purgeAt: Math.floor(at.getTime() / 1000) + 90 * 86_400,
          },
        }),
      ),
    );
  },

  /** The snapshot of `minute` (`YYYY-MM-DDTHH:MM`) or the latest one before it that day, if any. */
  async statsSnapshotAtOrBefore(minute: string): Promise<{ vendors?: unknown } | undefined> {
    const result = await storeCall(() =>
      dynamo().send(
        new QueryCommand({
          TableName: table(),
          KeyConditionExpression: 'pk = :pk AND sk <= :minute',
          ExpressionAttributeValues: { ':pk': MainKeys.statsOfDay(minute.slice(0, 10)), ':minute': minute },
          ScanIndexForward: false,
          Limit: 1,
        }),
      ),
    );
    return result.Items?.[0] as { vendors?: unknown } | undefined;
  },
  /** Stored alerts of one UTC day, in alert-id order. */
  async alertsOfDay(day: string, limit: number, start?: Key) {
    const result = await page({ pk: MainKeys.alertsOfDay(day), limit, start });
    return {
      alerts: result.items.map(storedAlertOf),
      next: result.next,
    };
  },

  /** Audit records of one UTC day, newest first. */
  async auditOfDay(day: string, limit: number, start?: Key) {
    const result = await page({ pk: MainKeys.auditOfDay(day), limit, start, newestFirst: true });
    return {
      records: result.items.map(auditRecordOf),
      next: result.next,
    };
  },

  /** Minute snapshots of one UTC day from minute `from` (YYYY-MM-DDTHH:MM) on, oldest first. */
  async statsOfDay(day: string, from: string, limit: number, start?: Key) {
    const result = await page({ pk: MainKeys.statsOfDay(day), limit, start, skAtLeast: from });
    return { snapshots: result.items, next: result.next };
  },
};
