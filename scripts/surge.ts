import { join } from 'node:path';
import { runSurge, StackUnavailable, type SurgeHooks } from '../tools/surge/engine.js';
import { describeOptions, parseSurgeArgs, USAGE, UsageError } from '../tools/surge/options.js';
import { progressPrinter } from '../tools/surge/progress.js';
import { formatSummary, writeReport } from '../tools/surge/report.js';
import { localLedgerCheck, locateStack, StackNotFound } from '../tools/surge/stack.js';

/**
 * `npm run surge`: a deadline day, over HTTP only. With no `--target` it starts a stack of its own
 * (in-memory emulators, short payment windows, every schedule and timer running) and stops it at the end;
 * `--target running` drives the stack `npm start` is running (found through .kuota/). `--crash-at N` runs
 * its own stack as `npm start` in a child process on a state directory, kills it outright (SIGKILL, every
 * process) once N orders are accepted, restarts it on the same directory and carries on.
 * Prints its options, a live progress line, a summary and every invariant violation; writes
 * test-artifacts/surge/surge-report.{json,html}. Exit codes: 0 no violation, 1 violations, 2 no stack or
 * bad options. `npm run surge -- --help` lists the options.
 */

/** The surge's own stack: payment windows short enough for late and unpaid orders to end in the run. */
const OWN_STACK = { reservationTtlSeconds: 20, paymentWatchSeconds: 10, refundSweepSeconds: 60 };
/** The crash run's queues: a message its killed consumers held comes back this soon (deployed: 6x timeout). */
const CRASH_VISIBILITY_TIMEOUT_SECONDS = 10;

const ownStackEnv = (): Record<string, string> => ({
  KUOTA_RESERVATION_TTL_SECONDS: String(OWN_STACK.reservationTtlSeconds),
  KUOTA_RECONCILE_AFTER_SECONDS: String(OWN_STACK.reservationTtlSeconds),
  KUOTA_PAYMENT_WATCH_SECONDS: String(OWN_STACK.paymentWatchSeconds),
});

/** The own stack as `npm start` in a child process, killed and restarted by the surge (`--crash-at`). */
const startCrashStack = async (crashAt: number, stateDirectory: string, log: (line: string) => void) => {
  const { startCrashableStack } = await import('../tools/surge/crash.js');
  const { freePort } = await import('../lib/runtime/emulators.js');
  const stack = await startCrashableStack({
    stateDirectory,
    port: await freePort(),
    env: { ...ownStackEnv(), KUOTA_LOG_LEVEL: process.env.KUOTA_LOG_LEVEL ?? 'WARN' },
    visibilityTimeoutSeconds: CRASH_VISIBILITY_TIMEOUT_SECONDS,
    log,
  });
  // The stack runs in a process group of its own, which a Ctrl-C in this terminal does not reach.
  const interrupted = () => void stack.stop().finally(() => process.exit(130));
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  return {
    target: stack.target,
    ledger: { check: () => stack.ledgerCheck(), close: () => stack.stop() },
    crash: {
      afterAccepted: crashAt,
      kill: () => stack.crash(),
      restart: () => stack.restart(),
    },
  };
};

const startOwnStack = async () => {
  const { startEphemeralCloud } = await import('../lib/runtime/ephemeral-cloud.js');
  const { seedParties } = await import('../lib/runtime/seed.js');
  const { DynamoDBDocumentClient } = await import('@aws-sdk/lib-dynamodb');
  const { ledgerCheckOf } = await import('../tools/surge/stack.js');
  process.env.KUOTA_LOG_LEVEL ??= 'SILENT';
  const ephemeral = await startEphemeralCloud({
    prefix: 'surge',
    runSchedules: true,
    extraEnv: { ...ownStackEnv(), KUOTA_LOG_LEVEL: process.env.KUOTA_LOG_LEVEL },
  });
  const credentials = await seedParties();
  return {
    target: {
      baseUrl: ephemeral.cloud.runtime.url,
      resellers: credentials.resellers,
      regulatorKey: credentials.regulatorKey,
    },
    ledger: {
      check: ledgerCheckOf(
        DynamoDBDocumentClient.from(ephemeral.cloud.dynamo),
        String(ephemeral.cloud.tables.main),
      ),
      close: () => ephemeral.stop(),
    },
  };
};

const main = async (): Promise<number> => {
  let args: ReturnType<typeof parseSurgeArgs>;
  try {
    args = parseSurgeArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`surge: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'HELP') {
    console.log(USAGE);
    return 0;
  }
  const { targetRunning, given } = args;
  let { options } = args;
  // A stack of its own runs with OWN_STACK's payment watch and sweeper, unless the command line says otherwise.
  const withOwnStackSettings = (surge: typeof options): typeof options => ({
    ...surge,
    ...(given('payment-watch') ? {} : { paymentWatchSeconds: OWN_STACK.paymentWatchSeconds }),
    ...(given('sweep-interval') ? {} : { sweepIntervalSeconds: OWN_STACK.refundSweepSeconds }),
  });
  let target: Parameters<typeof runSurge>[0];
  let ledger: { check: ReturnType<typeof localLedgerCheck>['check']; close: () => unknown };
  let crash: SurgeHooks['crash'];
  if (targetRunning && options.crashAt !== undefined) {
    console.error(
      'surge: --crash-at kills and restarts a stack of its own; it cannot be combined with --target running',
    );
    return 2;
  }
  if (options.crashAt !== undefined) {
    const stateDirectory = options.stateDir ?? join(options.out, 'kuota-state');
    console.log(`surge: starting its own stack as \`npm start\` on ${stateDirectory} (to be killed)...`);
    const own = await startCrashStack(options.crashAt, stateDirectory, (line) =>
      console.log(`surge: ${line}`),
    );
    target = own.target;
    ledger = own.ledger;
    crash = own.crash;
    options = withOwnStackSettings(options);
  } else if (targetRunning) {
    const located = locateStack();
    target = located.target;
    ledger = localLedgerCheck(located.runtime);
  } else {
    process.stdout.write('surge: starting its own stack (in-memory DynamoDB Local and fauxqs)... ');
    const own = await startOwnStack();
    console.log('ready');
    target = own.target;
    ledger = own.ledger;
    options = withOwnStackSettings(options);
  }
  console.log(`kuota surge against ${target.baseUrl}\n${describeOptions(options)}\n`);
  const progress = progressPrinter();
  try {
    const { report, violations } = await runSurge(target, options, {
      ledgerCheck: ledger.check,
      crash,
      onProgress: (snapshot) => progress.update(snapshot),
      log: (line) => {
        progress.done();
        console.log(line);
      },
    });
    progress.done();
    const written = writeReport(report, options.out);
    console.log(`\n${formatSummary(report)}\n\nreport: ${written.json}\n        ${written.html}`);
    console.log(
      violations.length === 0
        ? '\nsurge: every invariant held'
        : `\nsurge: ${violations.length} violation(s)`,
    );
    return violations.length === 0 ? 0 : 1;
  } finally {
    await ledger.close();
  }
};

main()
  .then((code) => process.exit(code))
  .catch((error: unknown) => {
    if (error instanceof StackNotFound || error instanceof StackUnavailable || error instanceof UsageError) {
      console.error(`surge: ${error.message}`);
      process.exit(2);
    }
    console.error('surge failed:', error);
    process.exit(2);
  });
