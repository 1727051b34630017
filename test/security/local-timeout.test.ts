import { createServer, type Server } from 'node:http';
import { ReceiveMessageCommand } from '@aws-sdk/client-sqs';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lib/api/routes.js';
import { type LocalRuntime, startLocalRuntime } from '../../lib/runtime/local-runtime.js';
import { attemptsOf, fixtureKey } from '../fixtures/slow-writer.js';
import { eventually, startTestCloud, type TestCloud } from '../support/cloud.js';
import { documents } from '../support/flows.js';

/**
 * A timed-out invocation is stopped, as on Lambda: the gateway answers 504 at the timeout and the handler's
 * code that runs on afterwards sends nothing more to DynamoDB, SQS or a webhook receiver (the local runtime
 * used to answer 504 and let the work go on writing). The fixture records what its late writes came to, so the test waits for
 * the attempt itself, not for a guessed time.
 */
let kuota: TestCloud;
let runtime: LocalRuntime;
/** A webhook receiver: the bodies (fixture ids) POSTed to it. */
let receiver: Server;
const posted: string[] = [];
let notify = '';
beforeAll(async () => {
  receiver = createServer((request, response) => {
    let body = '';
    request.on('data', (chunk) => {
      body += chunk;
    });
    request.on('end', () => {
      posted.push(body);
      response.writeHead(200).end();
    });
  });
  await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
  const address = receiver.address();
  notify = encodeURIComponent(
    `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}/`,
  );
  // The test cloud provides the configuration and the emulators; a second gateway mounts the fixture with
  // a 1 s timeout. The test cloud polls no storefront-timers queue (manual), so the messages stay there.
  kuota = await startTestCloud();
  runtime = await startLocalRuntime({
    port: 0,
    includeSandbox: false,
    runSchedules: false,
    background: [],
    routes: [
      {
        ...routes.getOffer,
        id: 'slowWriter',
        entry: 'test/fixtures/slow-writer.ts',
        path: '/slow-writer',
        timeoutSeconds: 1,
      },
    ],
  });
});
afterAll(async () => {
  await new Promise((resolve) => receiver?.close(resolve));
  await runtime?.stop();
  await kuota?.stop();
});

const storedItem = async (id: string) =>
  (
    await documents(kuota).send(
      new GetCommand({ TableName: kuota.cloud.tables.main, Key: fixtureKey(id), ConsistentRead: true }),
    )
  ).Item;

/** Every message on the storefront-timers queue that the fixture sent for `id`. */
const queuedFor = async (id: string): Promise<number> => {
  let found = 0;
  for (;;) {
    const received = await kuota.cloud.sqs.send(
      new ReceiveMessageCommand({
        QueueUrl: kuota.cloud.queues.storefrontTimers.url,
        MaxNumberOfMessages: 10,
        WaitTimeSeconds: 0,
        VisibilityTimeout: 60,
      }),
    );
    const messages = received.Messages ?? [];
    if (messages.length === 0) return found;
    for (const message of messages)
      if ((JSON.parse(message.Body ?? '{}') as { slowWriter?: string }).slowWriter === id) found += 1;
  }
};

describe('the local runtime and Lambda’s timeout', () => {
  it('lets an invocation within its timeout write to DynamoDB and SQS and POST', async () => {
    // Act
    const answer = await fetch(`${runtime.url}/slow-writer?mode=now&id=in-time&notify=${notify}`);

    // Assert: the fixture's writes are visible to this test's reads (so the next test can fail).
    expect(answer.status).toBe(200);
    expect(attemptsOf('in-time')).toEqual({ table: 'WRITTEN', queue: 'SENT', post: 'POSTED' });
    expect(posted).toEqual(['in-time']);
    expect(await storedItem('in-time')).toMatchObject({ writtenBy: 'in-time' });
    expect(await queuedFor('in-time')).toBe(1);
  });

  it('answers 504 at the timeout and refuses every write the stopped invocation tries afterwards', async () => {
    // Act
    const answer = await fetch(`${runtime.url}/slow-writer?mode=late&id=too-late&notify=${notify}`);
    const late = await eventually(async () => attemptsOf('too-late'), { timeoutMs: 30_000 });

    // Assert: both writes were tried after the timeout, refused before they left, and are nowhere.
    expect(answer.status).toBe(504);
    expect(await answer.json()).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(late).toMatchObject({ table: 'InvocationStopped', queue: 'InvocationStopped' });
    expect(late.post).not.toBe('POSTED');
    expect(posted).not.toContain('too-late');
    expect(await storedItem('too-late')).toBeUndefined();
    expect(await queuedFor('too-late')).toBe(0);
  });
});
