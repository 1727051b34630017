import { type ChildProcess, spawn } from 'node:child_process';
import { closeSync, fstatSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PutItemCommand } from '@aws-sdk/client-dynamodb';
import type { LedgerVerdict, SurgeTarget } from './model.js';
import { localDynamoDb, localLedgerCheck, locateStack } from './stack.js';

/**
 * A local stack that can be killed: `npm start` (scripts/start.ts) as a child process in a process group of
 * its own, on a state directory (DynamoDB Local's files and fauxqs's SQLite under it) and a fixed port.
 * `crash()` kills it with SIGKILL: first the runtime's process (every handler mid-flight, the SQS pollers,
 * the schedules, and fauxqs, which runs inside it), so nothing finishes, nothing is acknowledged, nothing is
 * flushed; then DynamoDB Local, after one write round trip to it. That round trip is the one concession to
 * the emulator: DynamoDB never loses a write it acknowledged, but DynamoDB Local answers a
 * TransactWriteItems just before it has stored it (killed at once after 40 concurrent transactions it lost
 * the last one, 6 times in 6 tries; after a later PutItem had been answered, none in 6), and a crash test
 * of kuota must not fail on a durability gap AWS does not have.
 * `restart()` starts `npm start` again on the same directory and port, so the clients carry on at the same
 * address once it listens. The surge's `--crash-at N` and test/integration/surge-crash-restart.test.ts use it.
 */
export type StackProcesses = {
  /** The `npm start` process: the runtime, its handlers and fauxqs. */
  readonly runtime: number;
  /** DynamoDB Local's Java process. */
  readonly dynamoDb: number;
};

export interface CrashableStack {
  readonly baseUrl: string;
  readonly stateDirectory: string;
  readonly target: SurgeTarget;
  /** The processes of the stack now running. */
  processes(): StackProcesses;
  /** Kills every process of the stack (SIGKILL) and waits until none is left. */
  crash(): Promise<StackProcesses>;
  /** Starts the stack again on the same state directory and port; resolves once it serves. */
  restart(): Promise<StackProcesses>;
  /** The ledger audit against the DynamoDB Local now running (its port changes on every start). */
  ledgerCheck(): Promise<LedgerVerdict>;
  /** Stops the stack gracefully (SIGTERM, then SIGKILL). */
  stop(): Promise<void>;
}

export interface CrashableStackOptions {
  /** Wiped at the first start; the restarts keep it. */
  readonly stateDirectory: string;
  readonly port: number;
  /** KUOTA_* settings of the stack (reservation TTL, payment watch, ...). */
  readonly env?: Record<string, string>;
  /** Every queue's visibility timeout: how soon a message a killed consumer held comes back. */
  readonly visibilityTimeoutSeconds?: number;
  /** Longest wait for one start. */
  readonly startTimeoutMs?: number;
  /** Where the stack's own output goes (appended, every start); the default is next to the state directory. */
  readonly logFile?: string;
  readonly log?: (line: string) => void;
}

const repositoryRoot = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Gone, or a zombie nobody has reaped yet (it runs no code and holds no port or file). */
export const processGone = (pid: number): boolean => {
  try {
    process.kill(pid, 0);
  } catch {
    return true;
  }
  try {
    return /^State:\s+Z/m.test(readFileSync(`/proc/${pid}/status`, 'utf8'));
  } catch {
    return true;
  }
};

const sleep = (ms: number) => new Promise((resolveSleep) => setTimeout(resolveSleep, ms));

export const startCrashableStack = async (options: CrashableStackOptions): Promise<CrashableStack> => {
  const stateDirectory = resolve(options.stateDirectory);
  const baseUrl = `http://127.0.0.1:${options.port}`;
  const log = options.log ?? (() => undefined);
  const logFile = resolve(options.logFile ?? `${stateDirectory}.log`);
  // The stack's configuration is what this caller says, not whatever KUOTA_* this process has set.
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(process.env))
    if (value !== undefined && (!name.startsWith('KUOTA_') || name === 'KUOTA_LOG_LEVEL')) env[name] = value;
  Object.assign(env, options.env, { KUOTA_PORT: String(options.port) });

  let child: ChildProcess | undefined;
  let current: StackProcesses | undefined;

  const start = async (fresh: boolean): Promise<StackProcesses> => {
    if (fresh) rmSync(stateDirectory, { recursive: true, force: true });
    else rmSync(join(stateDirectory, 'runtime.json'), { force: true });
    const args = [
      '--import',
      'tsx',
      join(repositoryRoot, 'scripts', 'start.ts'),
      '--state-dir',
      stateDirectory,
      ...(options.visibilityTimeoutSeconds === undefined
        ? []
        : ['--visibility-timeout', String(options.visibilityTimeoutSeconds)]),
    ];
    // A group of its own: one kill reaches the runtime and DynamoDB Local, and only them. Its output goes
    // to the log file, appended, so the first run and every restart read as one story.
    mkdirSync(dirname(logFile), { recursive: true });
    const output = openSync(logFile, 'a');
    const offset = fstatSync(output).size;
    const startedAt = Date.now();
    const started = spawn(process.execPath, args, {
      cwd: repositoryRoot,
      env,
      detached: true,
      stdio: ['ignore', output, output],
    });
    closeSync(output);
    child = started;
    let exited: string | undefined;
    started.once('exit', (code, signal) => {
      exited = String(signal ?? code);
    });
    const timeoutMs = options.startTimeoutMs ?? 120_000;
    // `npm start` prints "kuota is running" once it serves, seeded (read past what earlier starts wrote).
    for (;;) {
      const text = readFileSync(logFile).subarray(offset).toString('utf8');
      if (text.includes('kuota is running')) break;
      if (exited !== undefined)
        throw new Error(
          `the stack exited during its start (${exited}); see ${logFile}:\n${text.slice(-1_500)}`,
        );
      if (Date.now() - startedAt > timeoutMs) {
        process.kill(-(started.pid ?? 0), 'SIGKILL');
        throw new Error(`the stack did not start within ${timeoutMs} ms; see ${logFile}`);
      }
      await sleep(100);
    }
    const runtime = JSON.parse(readFileSync(join(stateDirectory, 'runtime.json'), 'utf8')) as {
      pids?: { runtime?: number; dynamoDb?: number };
    };
    if (!runtime.pids?.runtime || !runtime.pids.dynamoDb)
      throw new Error(`${join(stateDirectory, 'runtime.json')} names no process ids`);
    current = { runtime: runtime.pids.runtime, dynamoDb: runtime.pids.dynamoDb };
    log(
      `stack: serving on ${baseUrl} (runtime pid ${current.runtime}, DynamoDB Local pid ${current.dynamoDb})`,
    );
    return current;
  };

  const signal = (pid: number, name: NodeJS.Signals) => {
    try {
      process.kill(pid, name);
    } catch {
      // Already gone.
    }
  };
  const waitGone = async (pids: readonly number[], timeoutMs: number): Promise<boolean> => {
    const until = Date.now() + timeoutMs;
    while (!pids.every(processGone)) {
      if (Date.now() > until) return false;
      await sleep(50);
    }
    return true;
  };

  /** One PutItem answered: DynamoDB Local has stored every transaction it answered before it. */
  const settleDynamoDb = async () => {
    const runtime = JSON.parse(readFileSync(join(stateDirectory, 'runtime.json'), 'utf8')) as {
      dynamoDbEndpoint: string;
      tables: { sandbox: string };
    };
    const client = localDynamoDb(runtime.dynamoDbEndpoint, 5);
    try {
      await client.send(
        new PutItemCommand({
          TableName: runtime.tables.sandbox,
          Item: { pk: { S: 'CRASH_TEST' }, sk: { S: 'LAST_KILL' }, at: { S: new Date().toISOString() } },
        }),
      );
    } finally {
      client.destroy();
    }
  };

  const kill = async (): Promise<StackProcesses | undefined> => {
    const running = current;
    const group = child?.pid;
    if (!running || group === undefined) return undefined;
    signal(running.runtime, 'SIGKILL');
    if (!(await waitGone([running.runtime], 15_000))) throw new Error('the runtime survived SIGKILL');
    await settleDynamoDb();
    signal(-group, 'SIGKILL');
    if (!(await waitGone([running.runtime, running.dynamoDb], 15_000)))
      throw new Error('DynamoDB Local survived SIGKILL');
    current = undefined;
    child = undefined;
    return running;
  };

  const shutDown = async (): Promise<void> => {
    const running = current;
    const group = child?.pid;
    if (!running || group === undefined) return;
    signal(-group, 'SIGTERM');
    if (!(await waitGone([running.runtime, running.dynamoDb], 15_000))) {
      signal(-group, 'SIGKILL');
      await waitGone([running.runtime, running.dynamoDb], 15_000);
    }
    current = undefined;
    child = undefined;
  };

  await start(true);
  const { target } = locateStack(stateDirectory);
  return {
    baseUrl,
    stateDirectory,
    target,
    processes: () => {
      if (!current) throw new Error('the stack is not running');
      return current;
    },
    crash: async () => {
      const killed = await kill();
      if (!killed) throw new Error('the stack is not running');
      log(`stack: killed (SIGKILL) runtime pid ${killed.runtime} and DynamoDB Local pid ${killed.dynamoDb}`);
      return killed;
    },
    restart: () => start(false),
    ledgerCheck: async () => {
      const ledger = localLedgerCheck(locateStack(stateDirectory).runtime);
      try {
        return await ledger.check();
      } finally {
        ledger.close();
      }
    },
    stop: shutDown,
  };
};
