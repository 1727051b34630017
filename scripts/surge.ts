import { runSurge, StackUnavailable } from '../lib/surge/engine.js';
import { describeOptions, parseSurgeArgs, USAGE, UsageError } from '../lib/surge/options.js';
import { progressPrinter } from '../lib/surge/progress.js';
import { formatSummary, writeReport } from '../lib/surge/report.js';
import { localLedgerCheck, locateStack, StackNotFound } from '../lib/surge/stack.js';

/**
 * `npm run surge`: a deadline day against the running local stack (`npm start`), over HTTP only.
 * Prints its options, a live progress line, a summary and every invariant violation; writes
 * test-artifacts/surge/surge-report.{json,html}. Exit codes: 0 no violation, 1 violations, 2 no stack or
 * bad options. `npm run surge -- --help` lists the options.
 */

const main = async (): Promise<number> => {
  let options: ReturnType<typeof parseSurgeArgs>;
  try {
    options = parseSurgeArgs(process.argv.slice(2));
  } catch (error) {
    console.error(`surge: ${error instanceof Error ? error.message : String(error)}\n\n${USAGE}`);
    return 2;
  }
  if (options === 'HELP') {
    console.log(USAGE);
    return 0;
  }
  const { target, runtime } = locateStack();
  console.log(`kuota surge against ${target.baseUrl}\n${describeOptions(options)}\n`);
  const ledger = localLedgerCheck(runtime);
  const progress = progressPrinter();
  try {
    const { report, violations } = await runSurge(target, options, {
      ledgerCheck: ledger.check,
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
    ledger.close();
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
