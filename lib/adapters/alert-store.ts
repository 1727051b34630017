import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { config } from '../config.js';
import { ALERT_KINDS, type AlertKind } from '../domain/alerts.js';
import { MainKeys } from '../infra/resources.js';
import { dynamo } from './aws-clients.js';
import { storeCall } from './dynamo-errors.js';

/** Alerts for the regulator: one item per (kind, subject, day), counting how often the finding recurred. */
const table = () => config().mainTable;

export interface AlertRecord {
  readonly kind: AlertKind;
  readonly at: string;
  readonly resellerId?: string;
  readonly evidence: Record<string, unknown>;
}

/** A stored alert: the first occurrence's record, how often it recurred that day, and when it last did. */
export interface StoredAlert extends AlertRecord {
  readonly alertId: string;
  readonly occurrences: number;
  readonly lastAt: string;
}

const StoredAlertRecord = z.object({
  alertId: z.string(),
  kind: z.enum(ALERT_KINDS),
  at: z.string(),
  resellerId: z.string().optional(),
  evidence: z.record(z.string(), z.unknown()).default({}),
  occurrences: z.number().int().default(1),
  lastAt: z.string().optional(),
});

/** A stored alert item read back as the alert (keys and entity tag dropped), checked on the way. */
export const storedAlertOf = (item: Record<string, unknown>): StoredAlert => {
  const { lastAt, ...alert } = StoredAlertRecord.parse(item);
  return { ...alert, lastAt: lastAt ?? alert.at };
};

export const alertStore = {
  /** Alerts are keyed by a business id, so recording the same finding twice keeps one alert. */
  /**
   * One alert per id and day, however often it recurs: the first occurrence's record is kept, the count and
   * the last time grow (so a caller repeating a refused call grows a number, not the table).
   */
  async recordAlert(alertId: string, alert: AlertRecord): Promise<void> {
    const day = alert.at.slice(0, 10);
    await storeCall(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.alert(day, alertId),
          UpdateExpression: [
            'SET entity = :entity, alertId = :alertId, kind = if_not_exists(kind, :kind)',
            '#at = if_not_exists(#at, :at), evidence = if_not_exists(evidence, :evidence), lastAt = :at',
            ...(alert.resellerId ? ['resellerId = :resellerId'] : []),
          ]
            .join(', ')
            .concat(' ADD occurrences :one'),
          ExpressionAttributeNames: { '#at': 'at' },
          ExpressionAttributeValues: {
            ':entity': 'Alert',
            ':alertId': alertId,
            ':kind': alert.kind,
            ':at': alert.at,
            ':evidence': alert.evidence,
            ':one': 1,
            ...(alert.resellerId ? { ':resellerId': alert.resellerId } : {}),
          },
        }),
      ),
    );
  },
};
