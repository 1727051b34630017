import { GetCommand, PutCommand, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { z } from 'zod';
import { config } from '../config.js';
import { RESELLER_STATUSES } from '../domain/resellers.js';
import { MainKeys } from '../infra/resources.js';
import { type AuditRecord, auditPut } from './audit-store.js';
import { dynamo } from './aws-clients.js';
import { conditionalWrite, storeCall } from './dynamo-errors.js';
import { transactWrite } from './transact.js';

const table = () => config().mainTable;

const ResellerProfileRecord = z.object({
  resellerId: z.string(),
  name: z.string(),
  status: z.enum(RESELLER_STATUSES),
  holdingCap: z.number().int(),
  /** Stamps bought but not yet in stock: awaiting payment + paid and not yet allocated. */
  pipeline: z.number().int(),
  serviceFeeCapIdr: z.number().int(),
  serviceFeeIdr: z.number().int(),
  storefrontOpen: z.boolean(),
  /**
   * Running aggregates for the regulator, kept by the writes that change them (absent until the first):
   * the duty of every credited quota order, the payment time of the first allocated order (idle stock is
   * idle since then at most), and the quota orders awaiting payment (the reconciliation's backlog).
   */
  quotaPaidIdr: z.number().int().optional(),
  stockSince: z.string().optional(),
  awaitingPaymentOrders: z.number().int().optional(),
});
export type ResellerProfile = Readonly<z.infer<typeof ResellerProfileRecord>>;

/** A stored profile read back as the profile only (keys and entity tag dropped), checked on the way. */
const toProfile = (item: Record<string, unknown>): ResellerProfile => ResellerProfileRecord.parse(item);

/** Resellers' profiles: status, limits, storefront settings and the regulator's running aggregates. */
export const resellerStore = {
  async getReseller(resellerId: string): Promise<ResellerProfile | undefined> {
    const result = await storeCall(() =>
      dynamo().send(new GetCommand({ TableName: table(), Key: MainKeys.resellerProfile(resellerId) })),
    );
    return result.Item ? toProfile(result.Item) : undefined;
  },

  async putReseller(profile: ResellerProfile): Promise<void> {
    await storeCall(() =>
      dynamo().send(
        new PutCommand({
          TableName: table(),
          Item: { ...MainKeys.resellerProfile(profile.resellerId), entity: 'Reseller', ...profile },
        }),
      ),
    );
  },

  async updateStorefrontSettings(resellerId: string, settings: { serviceFeeIdr: number; open: boolean }) {
    await storeCall(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.resellerProfile(resellerId),
          UpdateExpression: 'SET serviceFeeIdr = :fee, storefrontOpen = :open',
          // The cap may have been lowered since it was read: the write re-checks it.
          ConditionExpression: 'attribute_exists(pk) AND serviceFeeCapIdr >= :fee',
          ExpressionAttributeValues: { ':fee': settings.serviceFeeIdr, ':open': settings.open },
        }),
      ),
    );
  },

  /** Applies a regulator's change to a reseller together with its audit record, or neither. */
  async updateResellerByRegulator(
    resellerId: string,
    changes: { holdingCap?: number; serviceFeeCapIdr?: number; status?: 'ACTIVE' | 'SUSPENDED' },
    audit: AuditRecord,
    auditId: string,
  ): Promise<void> {
    const sets: string[] = [];
    const values: Record<string, unknown> = {};
    if (changes.holdingCap !== undefined) {
      sets.push('holdingCap = :cap');
      values[':cap'] = changes.holdingCap;
    }
    if (changes.serviceFeeCapIdr !== undefined) {
      sets.push('serviceFeeCapIdr = :feeCap');
      values[':feeCap'] = changes.serviceFeeCapIdr;
    }
    if (changes.status !== undefined) {
      sets.push('#status = :status');
      values[':status'] = changes.status;
    }
    if (sets.length === 0) return;
    await transactWrite([
      {
        Update: {
          TableName: table(),
          Key: MainKeys.resellerProfile(resellerId),
          UpdateExpression: `SET ${sets.join(', ')}`,
          ConditionExpression: 'attribute_exists(pk)',
          ...(changes.status !== undefined ? { ExpressionAttributeNames: { '#status': 'status' } } : {}),
          ExpressionAttributeValues: values,
        },
      },
      // Suspension is also stamped on every stock shard, so reservations stop at once: the
      // reservation's shard condition sees it without reading the (hot) profile.
      ...(changes.status !== undefined
        ? Array.from({ length: config().stockShardCount }, (_, shard) => ({
            Update: {
              TableName: table(),
              Key: MainKeys.stockShard(resellerId, shard),
              UpdateExpression: 'SET suspended = :suspended',
              ExpressionAttributeValues: { ':suspended': changes.status === 'SUSPENDED' },
            },
          }))
        : []),
      auditPut(audit, auditId),
    ]);
  },

  /** A lowered fee cap binds at once: a fee above it comes down to it (one conditional write, no race). */
  lowerServiceFeeTo(resellerId: string, capIdr: number): Promise<boolean> {
    return conditionalWrite(() =>
      dynamo().send(
        new UpdateCommand({
          TableName: table(),
          Key: MainKeys.resellerProfile(resellerId),
          UpdateExpression: 'SET serviceFeeIdr = :cap',
          ConditionExpression: 'attribute_exists(pk) AND serviceFeeIdr > :cap',
          ExpressionAttributeValues: { ':cap': capIdr },
        }),
      ),
    );
  },
};
