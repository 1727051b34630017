import { request as httpRequest } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { reservedOrder, stockReseller, validNik, waitForStatus } from '../support/flows.js';

/**
 * The local stack trusts no Host header: it answers loopback host names only, and its sandbox parties send
 * their signed webhooks to the stack's configured address, never to a host a request named (a request with
 * `Host: attacker.example` used to make the sandbox deliver a validly signed webhook there).
 */
let kuota: TestCloud;
beforeAll(async () => {
  kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '2' } });
  await stockReseller(kuota, 0, 10);
});
afterAll(async () => {
  await kuota?.stop();
});

const requestWithHost = (method: string, path: string, host: string, body?: unknown) =>
  new Promise<{ status: number; body: string }>((resolve, reject) => {
    const url = new URL(path, kuota.baseUrl);
    const payload = body === undefined ? '' : JSON.stringify(body);
    const request = httpRequest(
      {
        host: url.hostname,
        port: url.port,
        path: url.pathname,
        method,
        headers: { host, 'content-type': 'application/json', 'content-length': Buffer.byteLength(payload) },
      },
      (response) => {
        const chunks: Buffer[] = [];
        response.on('data', (chunk: Buffer) => chunks.push(chunk));
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, body: Buffer.concat(chunks).toString() }),
        );
        response.on('error', reject);
      },
    );
    request.on('error', reject);
    request.end(payload);
  });

describe('the local stack and the Host header', () => {
  it('refuses a request that names another host, before any function runs', async () => {
    // Act
    const answer = await requestWithHost('GET', '/v1/public/availability', 'attacker.example');
    const loopback = await requestWithHost('GET', '/v1/public/availability', 'localhost');

    // Assert
    expect(answer.status).toBe(403);
    expect(JSON.parse(answer.body)).toMatchObject({ error: { code: 'FORBIDDEN' } });
    expect(loopback.status).toBe(200);
  });

  it('delivers the sandbox gateway’s webhook to the stack itself, whatever loopback Host the payment named', async () => {
    // Arrange
    const { placed, payment } = await reservedOrder(kuota, 'R01', validNik(71), 1);

    // Act: pay naming another local port; the webhook must still reach this stack.
    const paid = await requestWithHost(
      'POST',
      `/sandbox/payment-gateway/payments/${payment.paymentId}/pay`,
      'localhost:1',
      {},
    );
    const fulfilled = await waitForStatus(kuota, placed, ['FULFILLED']);

    // Assert
    expect(paid.status).toBe(200);
    expect(fulfilled.status).toBe('FULFILLED');
  });
});
