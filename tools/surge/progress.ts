import type { ProgressSnapshot } from './model.js';

/**
 * One line of live progress: a bar of applicants arrived, orders accepted, throughput, queue depth, p95.
 * On a terminal the line is rewritten in place; elsewhere (CI logs) a line is printed every few seconds.
 */
export const progressLine = (snapshot: ProgressSnapshot, width = 24): string => {
  const done = snapshot.applicants > 0 ? snapshot.arrived / snapshot.applicants : 0;
  const filled = Math.round(done * width);
  const bar = `${'#'.repeat(filled)}${'-'.repeat(width - filled)}`;
  const queue = snapshot.queueDepth === undefined ? '?' : String(snapshot.queueDepth);
  return `[${bar}] ${snapshot.phase.padEnd(6)} ${snapshot.elapsedSeconds.toFixed(0).padStart(4)}s | arrived ${snapshot.arrived}/${snapshot.applicants} | accepted ${snapshot.accepted} (${snapshot.acceptedPerSecond}/s) | done ${snapshot.settled} | ${snapshot.requestsPerSecond} req/s | queue ${queue} | p95 ${Math.round(snapshot.intakeP95Ms)} ms | 5xx ${snapshot.fiveXx}`;
};

export const progressPrinter = (stream: NodeJS.WriteStream = process.stdout) => {
  const tty = Boolean(stream.isTTY);
  let lastPrinted = 0;
  let lastLength = 0;
  return {
    update(snapshot: ProgressSnapshot) {
      const line = progressLine(snapshot);
      if (tty) {
        const columns = stream.columns ?? 160;
        const shown = line.length > columns - 1 ? line.slice(0, columns - 1) : line;
        stream.write(`\r${shown}${' '.repeat(Math.max(0, lastLength - shown.length))}`);
        lastLength = shown.length;
      } else if (Date.now() - lastPrinted >= 5_000) {
        stream.write(`${line}\n`);
        lastPrinted = Date.now();
      }
    },
    /** Ends the in-place line, so the next output starts on a fresh line. */
    done() {
      if (tty && lastLength > 0) stream.write('\n');
      lastLength = 0;
    },
  };
};
