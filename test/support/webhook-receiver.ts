import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifySignature } from '../../lib/domain/webhook-signature.js';

/**
 * A reseller's webhook receiver on loopback, as a reseller would write one: it verifies `Kuota-Signature`
 * over the raw body with its secret, dedupes on the event id, and answers as the test tells it (fail the
 * first N deliveries of each event, hold every answer until released, or be down altogether).
 */
export interface ReceivedDelivery {
  readonly path: string;
  readonly eventId: string;
  readonly type: string;
  readonly signature: string;
  readonly rawBody: string;
  readonly body: { id: string; type: string; resellerId: string; data: Record<string, unknown> };
  readonly verified: boolean;
  readonly answered: number;
}

export interface WebhookReceiver {
  readonly url: string;
  readonly deliveries: ReceivedDelivery[];
  /** Events processed once each (deduped on the event id), in arrival order. */
  readonly processed: string[];
  secrets: string[];
  /** Secrets by request path, for one receiver serving several resellers (else `secrets`). */
  secretsByPath: Map<string, string[]>;
  /** Answer 500 to the first `n` deliveries of each event. */
  failFirst: number;
  /** While set, every answer waits for this promise. */
  hold: Promise<void> | undefined;
  stop(): Promise<void>;
}

const readRaw = (request: IncomingMessage) =>
  new Promise<string>((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    request.on('error', reject);
  });

export const startWebhookReceiver = async (secrets: string[] = []): Promise<WebhookReceiver> => {
  const seenPerEvent = new Map<string, number>();
  const processedIds = new Set<string>();
  const receiver: WebhookReceiver = {
    url: '',
    deliveries: [],
    processed: [],
    secrets,
    secretsByPath: new Map(),
    failFirst: 0,
    hold: undefined,
    stop: async () => undefined,
  };
  const server: Server = createServer((request, response) => {
    void (async () => {
      const rawBody = await readRaw(request);
      const signature = String(request.headers['kuota-signature'] ?? '');
      const secretsHere = receiver.secretsByPath.get(request.url ?? '/') ?? receiver.secrets;
      const verified =
        secretsHere.length > 0 &&
        secretsHere.every(
          (secret) =>
            verifySignature({
              secret,
              header: signature,
              rawBody,
              nowUnixSeconds: Math.floor(Date.now() / 1000),
            }) === 'VALID',
        );
      const body = JSON.parse(rawBody) as ReceivedDelivery['body'];
      const seen = (seenPerEvent.get(body.id) ?? 0) + 1;
      seenPerEvent.set(body.id, seen);
      const answer = seen <= receiver.failFirst ? 500 : verified ? 200 : 401;
      if (receiver.hold) await receiver.hold;
      receiver.deliveries.push({
        path: request.url ?? '/',
        eventId: String(request.headers['kuota-event-id'] ?? ''),
        type: String(request.headers['kuota-event-type'] ?? ''),
        signature,
        rawBody,
        body,
        verified,
        answered: answer,
      });
      // Dedupe on the event id: a repeated delivery is acknowledged and not processed again.
      if (answer === 200 && !processedIds.has(body.id)) {
        processedIds.add(body.id);
        receiver.processed.push(body.id);
      }
      response.writeHead(answer, { 'content-type': 'text/plain' });
      response.end(answer === 200 ? 'ok' : 'no');
    })();
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return Object.assign(receiver, {
    url: `http://127.0.0.1:${port}`,
    stop: async () => {
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  });
};
