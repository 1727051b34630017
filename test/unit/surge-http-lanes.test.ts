import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createHttpClient } from '../../tools/surge/http.js';

/** A loopback server that answers `/pay` at once and holds every other request until `release()`. */
const holdingServer = async () => {
  const held: ServerResponse[] = [];
  const server = createServer((request: IncomingMessage, response: ServerResponse) => {
    request.resume();
    if (request.url?.startsWith('/pay')) {
      response.writeHead(200, { 'content-type': 'application/json' }).end('{"paid":true}');
      return;
    }
    held.push(response);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    held,
    release: () => {
      for (const response of held.splice(0)) response.writeHead(200).end('{}');
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};

let stop: (() => Promise<void>) | undefined;
afterEach(async () => {
  await stop?.();
  stop = undefined;
});

describe('the surge client’s bound on requests in flight', () => {
  it('holds a second request to kuota behind the bound, but lets a buyer’s payment at the bank through', async () => {
    // Arrange: a bound of one, filled by a request the server holds.
    const server = await holdingServer();
    const http = createHttpClient({
      baseUrl: server.url,
      concurrency: 1,
      maxRequests: 100,
      deadline: Date.now() + 30_000,
      clientAddresses: 1,
    });
    stop = async () => {
      server.release();
      http.close();
      await server.close();
    };
    const first = http.get('/status/1');
    const second = http.get('/status/2');
    let secondAnswered = false;
    void second.then(() => {
      secondAnswered = true;
    });
    while (server.held.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));

    // Act
    const payment = await http.post<{ paid: boolean }>('/pay', { body: {}, lane: 'bank' });

    // Assert: the payment went through while the bound was full; the second status request still waits.
    expect(payment.status).toBe(200);
    expect(payment.body.paid).toBe(true);
    expect(server.held).toHaveLength(1);
    expect(secondAnswered).toBe(false);
    expect(http.inFlight()).toBe(1);
    server.release();
    await first;
    while (server.held.length < 1) await new Promise((resolve) => setTimeout(resolve, 5));
    server.release();
    expect((await second).status).toBe(200);
    expect(http.stats.requests).toBe(3);
  });
});
