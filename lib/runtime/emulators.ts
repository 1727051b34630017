import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import { createRequire } from 'node:module';
import { createServer } from 'node:net';
import { dirname, join } from 'node:path';
import { startFauxqs } from 'fauxqs';

/**
 * DynamoDB Local (AWS's own emulator, from amplify-dynamodb-simulator) and fauxqs for SQS and S3. Given a
 * data directory each keeps its state on disk (DynamoDB Local's `-dbPath`, fauxqs's SQLite `dataDir`,
 * written through on every change), so a stack killed outright starts again where it stopped, queued and
 * delayed messages included, as SQS and S3 keep them on AWS; without one both run in memory.
 */

export class JavaMissingError extends Error {
  override readonly name = 'JavaMissingError';
}

export const freePort = (): Promise<number> =>
  new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port')),
      );
    });
  });

const assertJava = (): void => {
  const probe = spawnSync('java', ['-version'], { encoding: 'utf8' });
  if (probe.error || probe.status !== 0) {
    throw new JavaMissingError(
      'Java 17+ is required for DynamoDB Local: install it with `sudo apt-get install -y openjdk-17-jre-headless`',
    );
  }
};

const emulatorDirectory = (): string => {
  const require = createRequire(import.meta.url);
  return join(dirname(require.resolve('amplify-dynamodb-simulator/package.json')), 'emulator');
};

export interface RunningDynamoDb {
  readonly endpoint: string;
  /** The Java process's id (a crash test kills it). */
  readonly pid: number | undefined;
  stop(): Promise<void>;
}

const waitForPort = async (port: number, child: ChildProcess, output: () => string, timeoutMs: number) => {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`DynamoDB Local exited early: ${output()}`);
    try {
      const response = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(500) });
      // DynamoDB Local answers a bare GET with 400 once it is up.
      if (response.status > 0) return;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
  }
  throw new Error(`DynamoDB Local did not start within ${timeoutMs} ms: ${output()}`);
};

export const startDynamoDbLocal = async (options: {
  port?: number;
  dataDirectory?: string;
}): Promise<RunningDynamoDb> => {
  assertJava();
  const port = options.port ?? (await freePort());
  const directory = emulatorDirectory();
  if (options.dataDirectory) mkdirSync(options.dataDirectory, { recursive: true });
  const storage = options.dataDirectory ? ['-sharedDb', '-dbPath', options.dataDirectory] : ['-inMemory'];
  const child = spawn(
    'java',
    [
      '-Xms256m',
      '-Xmx1g',
      `-Djava.library.path=${join(directory, 'DynamoDBLocal_lib')}`,
      '-jar',
      join(directory, 'DynamoDBLocal.jar'),
      ...storage,
      '-port',
      String(port),
      '-disableTelemetry',
    ],
    { stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output = (output + chunk).slice(-2000);
  });
  child.stderr?.on('data', (chunk) => {
    output = (output + chunk).slice(-2000);
  });
  await waitForPort(port, child, () => output, 30_000);
  return {
    endpoint: `http://127.0.0.1:${port}`,
    pid: child.pid,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once('exit', () => resolve());
        child.kill('SIGTERM');
        setTimeout(() => child.kill('SIGKILL'), 3_000).unref();
      }),
  };
};

export interface RunningSqs {
  readonly endpoint: string;
  stop(): Promise<void>;
}

export const startSqsEmulator = async (options: {
  port?: number;
  /** Where fauxqs keeps queues, messages, buckets and objects (SQLite); in memory when absent. */
  dataDirectory?: string;
}): Promise<RunningSqs> => {
  const port = options.port ?? (await freePort());
  if (options.dataDirectory) mkdirSync(options.dataDirectory, { recursive: true });
  const server = await startFauxqs({
    port,
    logger: false,
    defaultRegion: 'ap-southeast-3',
    ...(options.dataDirectory ? { dataDir: options.dataDirectory } : {}),
  });
  return { endpoint: `http://127.0.0.1:${server.port}`, stop: () => server.stop() };
};
