import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { routes } from '../../lib/api/routes.js';
import { type LocalRuntime, startLocalRuntime } from '../../lib/runtime/local-runtime.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';

/**
 * Lambda's 6 MB response limit holds on the local stack as on AWS: a function whose answer is larger never
 * reaches the client; the gateway answers 502 (the local runtime used to pass any size through).
 */
let kuota: TestCloud;
let runtime: LocalRuntime;
beforeAll(async () => {
  // The test cloud provides the configuration every function reads; a second gateway mounts the fixture.
  kuota = await startTestCloud();
  runtime = await startLocalRuntime({
    port: 0,
    includeSandbox: false,
    runSchedules: false,
    background: [],
    routes: [
      { ...routes.getOffer, id: 'hugeResponse', entry: 'test/fixtures/huge-response.ts', path: '/huge' },
      {
        ...routes.getOffer,
        id: 'smallResponse',
        entry: 'functions/public/openapi.ts',
        path: '/openapi.json',
      },
    ],
  });
});
afterAll(async () => {
  await runtime?.stop();
  await kuota?.stop();
});

describe('the local gateway and Lambda’s payload limit', () => {
  it('answers 502 for a function response over 6 MB, and passes a smaller one', async () => {
    // Act
    const huge = await fetch(`${runtime.url}/huge`);
    const small = await fetch(`${runtime.url}/openapi.json`);

    // Assert
    expect(huge.status).toBe(502);
    expect(await huge.json()).toMatchObject({ error: { code: 'INTERNAL' } });
    expect(small.status).toBe(200);
  });
});
