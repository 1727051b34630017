import { z } from 'zod';
import { config } from '../config.js';
import { MainKeys } from '../infra/resources.js';

/** The regulator's audit log: one record per action, written in the same transaction as the action. */
const table = () => config().mainTable;

export interface AuditRecord {
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly resellerId?: string;
  readonly details: Record<string, unknown>;
}

/** The audit record of a regulator's action, as one item of a transaction that makes the change itself. */
export const auditPut = (audit: AuditRecord, auditId: string) => ({
  Put: {
    TableName: table(),
    Item: {
      pk: MainKeys.auditOfDay(audit.at.slice(0, 10)),
      sk: `${audit.at}#${auditId}`,
      entity: 'AuditRecord',
      auditId,
      ...audit,
    },
    ConditionExpression: 'attribute_not_exists(pk)',
  },
});

const StoredAuditRecord = z.object({
  auditId: z.string(),
  at: z.string(),
  actor: z.string(),
  action: z.string(),
  resellerId: z.string().optional(),
  details: z.record(z.string(), z.unknown()),
});

/** A stored audit item read back as the record (keys and entity tag dropped), checked on the way. */
export const auditRecordOf = (item: Record<string, unknown>): AuditRecord & { auditId: string } =>
  StoredAuditRecord.parse(item);
