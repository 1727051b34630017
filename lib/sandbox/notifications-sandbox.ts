import { createHash } from 'node:crypto';
import { PutCommand, QueryCommand } from '@aws-sdk/lib-dynamodb';
import { dynamo } from '../adapters/aws-clients.js';
import { storeCall, withStoreRetries } from '../adapters/dynamo-errors.js';
import { config } from '../config.js';
import type { Notice, Notifier } from '../domain/notices.js';
import { SandboxKeys } from '../infra/resources.js';

/**
 * The simulated SMS and e-mail provider (never deployed to production): every notice lands in an outbox per
 * address, which `GET /sandbox/notifications?to=` reads, so a test or a person on the local stack can open
 * the link a buyer would have received.
 */
const mailbox = (to: string) => createHash('sha256').update(to.trim().toLowerCase()).digest('base64url');

export const sandboxNotifier: Notifier = {
  async send(notice: Notice): Promise<void> {
    await withStoreRetries(() =>
      storeCall(() =>
        dynamo().send(
          new PutCommand({
            TableName: config().sandboxTable,
            // The notice id names the event: a repeated send overwrites the same notice.
            Item: {
              ...SandboxKeys.outbox(mailbox(notice.to), notice.noticeId),
              ...notice,
              sentAt: new Date().toISOString(),
            },
          }),
        ),
      ),
    );
  },
};

export const readOutbox = async (to: string) => {
  const result = await storeCall(() =>
    dynamo().send(
      new QueryCommand({
        TableName: config().sandboxTable,
        KeyConditionExpression: 'pk = :pk',
        ExpressionAttributeValues: { ':pk': SandboxKeys.outbox(mailbox(to), '').pk },
        ConsistentRead: true,
      }),
    ),
  );
  const notices = (result.Items ?? []).map((item) => ({
    noticeId: String(item.noticeId),
    kind: String(item.kind),
    channel: String(item.channel),
    to: String(item.to),
    orderId: String(item.orderId),
    link: String(item.link),
    text: String(item.text),
    sentAt: String(item.sentAt),
  }));
  return { notices: notices.sort((a, b) => a.sentAt.localeCompare(b.sentAt)) };
};
