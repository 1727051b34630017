import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, inject } from 'vitest';
import { clearFaults } from '../../lib/adapters/fault-injection.js';
import { bootLocalCloud, type LocalCloud, newLocalSecrets } from '../../lib/runtime/local-cloud.js';
import { type SeededCredentials, seedParties } from '../../lib/runtime/seed.js';
import type { Secrets } from '../../lib/secrets.js';
import { type RequestOptions, requestJson } from '../../tools/common/http-client.js';
import { checkAnswer } from './contract.js';

/**
 * A private kuota for one test file: its own tables and queues on the shared emulators, the real handlers
 * behind the local runtime, and 26 seeded resellers. Refuses anything but loopback endpoints.
 */
export interface TestCloud {
  readonly cloud: LocalCloud;
  readonly baseUrl: string;
  readonly secrets: Secrets;
  readonly credentials: SeededCredentials;
  readonly api: ApiClient;
  stop(): Promise<void>;
}

const LOOPBACK = /^http:\/\/(127\.0\.0\.1|localhost)(:\d+)?$/;

export const startTestCloud = async (
  options: {
    visibilityTimeoutSeconds?: number;
    extraEnv?: Record<string, string>;
    /** 'manual' (default): order timers fire only when the test runs the sweeper (runSweeper). */
    timers?: 'manual' | 'automatic';
  } = {},
): Promise<TestCloud> => {
  const dynamoDbEndpoint = inject('dynamoDbEndpoint');
  const sqsEndpoint = inject('sqsEndpoint');
  for (const endpoint of [dynamoDbEndpoint, sqsEndpoint]) {
    if (!LOOPBACK.test(endpoint))
      throw new Error(`emulator tests refuse to run against ${endpoint}: not a loopback emulator`);
  }
  clearFaults();
  const secrets = newLocalSecrets();
  const cloud = await bootLocalCloud({
    dynamoDbEndpoint,
    sqsEndpoint,
    prefix: `t${randomBytes(4).toString('hex')}`,
    port: 0,
    secrets,
    runSchedules: false,
    manualQueues: options.timers === 'automatic' ? [] : ['storefrontTimers'],
    visibilityTimeoutSeconds: options.visibilityTimeoutSeconds ?? 2,
    extraEnv: options.extraEnv,
  });
  const credentials = await seedParties();
  const baseUrl = cloud.runtime.url;
  return {
    cloud,
    baseUrl,
    secrets,
    credentials,
    api: apiClient(baseUrl),
    stop: async () => {
      clearFaults();
      await cloud.stop();
    },
  };
};

/**
 * The one fixture of a test file's private kuota: started before the file's tests, stopped after them.
 * Returns the cloud as an object whose properties resolve once it has started (a read before that throws,
 * naming the mistake), so tests write `kuota.api` exactly as with a variable.
 */
export const useTestCloud = (options: Parameters<typeof startTestCloud>[0] = {}): TestCloud => {
  let cloud: TestCloud | undefined;
  beforeAll(async () => {
    cloud = await startTestCloud(options);
  });
  afterAll(async () => {
    await cloud?.stop();
  });
  return new Proxy({} as TestCloud, {
    get: (_target, property) => {
      if (!cloud) throw new Error('the test cloud is read before its beforeAll has started it');
      return cloud[property as keyof TestCloud];
    },
  });
};

export interface ApiResponse<T = Record<string, unknown>> {
  readonly status: number;
  readonly headers: Headers;
  readonly body: T;
  readonly text: string;
}

export type ApiClient = ReturnType<typeof apiClient>;

/**
 * A client of one running API (tools/common/http-client.ts), every answer checked against the contract
 * (./contract.ts). `contract: false` only for a server that is not kuota's API (the
 * benchmark's baseline design answers in its own shapes).
 */
export const apiClient = (baseUrl: string, client: { contract?: boolean } = {}) => {
  const call = async <T = Record<string, unknown>>(
    method: string,
    path: string,
    options: RequestOptions & {
      /** Off only for a test of what the API does with input no client would send (the fuzz test). */
      checkContract?: boolean;
    } = {},
  ): Promise<ApiResponse<T>> => {
    const { checkContract, ...request } = options;
    const answer = await requestJson<T>(method, `${baseUrl}${path}`, request);
    if (client.contract !== false && checkContract !== false)
      checkAnswer(
        method,
        `${baseUrl}${path}`,
        answer.status,
        answer.headers.get('content-type'),
        answer.body,
      );
    return { status: answer.status, headers: answer.headers, body: answer.body, text: answer.text };
  };
  return {
    call,
    get: <T = Record<string, unknown>>(path: string, options?: Parameters<typeof call>[2]) =>
      call<T>('GET', path, options),
    post: <T = Record<string, unknown>>(path: string, options?: Parameters<typeof call>[2]) =>
      call<T>('POST', path, options),
    put: <T = Record<string, unknown>>(path: string, options?: Parameters<typeof call>[2]) =>
      call<T>('PUT', path, options),
  };
};

/** Polls until `check` returns a value (not undefined) or the deadline passes. */
export const eventually = async <T>(
  check: () => Promise<T | undefined>,
  options: { timeoutMs?: number; intervalMs?: number } = {},
): Promise<T> => {
  const deadline = Date.now() + (options.timeoutMs ?? 15_000);
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const value = await check();
      if (value !== undefined) return value;
    } catch (error) {
      last = error;
    }
    await new Promise((resolve) => setTimeout(resolve, options.intervalMs ?? 100));
  }
  throw new Error(`condition not met in time${last ? `: ${String(last)}` : ''}`);
};
