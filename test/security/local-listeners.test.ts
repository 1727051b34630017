import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lib/api/routes.js';
import { type LocalRuntime, startLocalRuntime } from '../../lib/runtime/local-runtime.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';

/**
 * The local gateway takes new connections on several sockets of its one port (SO_REUSEPORT), so a busy
 * process still takes new applicants' connections as they come (see `API_LISTENERS`), and it still refuses
 * a port another process holds.
 */
let kuota: TestCloud;
let runtime: LocalRuntime;
const gateway = (port: number) =>
  startLocalRuntime({
    port,
    includeSandbox: false,
    runSchedules: false,
    background: [],
    routes: [
      { ...routes.getOffer, id: 'openapi', entry: 'functions/public/openapi.ts', path: '/openapi.json' },
    ],
  });

/** Sockets listening on `port` (IPv4), read from the kernel's own table. */
const listeningSockets = (port: number): number =>
  readFileSync('/proc/net/tcp', 'utf8')
    .split('\n')
    .slice(1)
    .map((line) => line.trim().split(/\s+/))
    .filter(
      ([, local, , state]) => state === '0A' && Number.parseInt(local?.split(':')[1] ?? '', 16) === port,
    ).length;

beforeAll(async () => {
  kuota = await startTestCloud();
  runtime = await gateway(0);
});
afterAll(async () => {
  await runtime?.stop();
  await kuota?.stop();
});

describe('the local gateway’s listening sockets', () => {
  it.runIf(process.platform === 'linux')('listens on 16 sockets of one port and answers on it', async () => {
    // Arrange
    const port = Number(new URL(runtime.url).port);

    // Act
    const answer = await fetch(`${runtime.url}/openapi.json`);

    // Assert
    expect(listeningSockets(port)).toBe(16);
    expect(answer.status).toBe(200);
  });

  it('refuses a port that another gateway already holds', async () => {
    // Arrange
    const port = Number(new URL(runtime.url).port);

    // Act
    const second = gateway(port);

    // Assert
    await expect(second).rejects.toMatchObject({ code: 'EADDRINUSE' });
    expect((await fetch(`${runtime.url}/openapi.json`)).status).toBe(200);
  });
});
