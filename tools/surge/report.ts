import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import type { SurgeReport } from './model.js';

/**
 * The surge's outputs: `surge-report.json` (everything measured), `surge-report.html` (the same with
 * charts; Chart.js is copied next to it, so the page opens from file:// without a network) and a plain
 * text summary for the terminal.
 */
export interface WrittenReport {
  readonly json: string;
  readonly html: string;
}

const escapeHtml = (value: unknown) =>
  String(value).replace(
    /[&<>"']/g,
    (char) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[char] ?? char,
  );

/** JSON inside a <script> block: no `</script>` can end it early. */
const scriptJson = (value: unknown) => JSON.stringify(value).replace(/</g, '\\u003c');

export const writeReport = (report: SurgeReport, outDirectory: string): WrittenReport => {
  const directory = resolve(outDirectory);
  mkdirSync(directory, { recursive: true });
  const json = join(directory, 'surge-report.json');
  writeFileSync(json, `${JSON.stringify(report, null, 2)}\n`);
  const chartSource = join(dirname(createRequire(import.meta.url).resolve('chart.js')), 'chart.umd.min.js');
  copyFileSync(chartSource, join(directory, 'chart.umd.min.js'));
  const html = join(directory, 'surge-report.html');
  writeFileSync(html, renderHtml(report));
  return { json, html };
};

const row = (cells: unknown[], header = false) =>
  `<tr>${cells.map((cell) => (header ? `<th>${escapeHtml(cell)}</th>` : `<td>${escapeHtml(cell)}</td>`)).join('')}</tr>`;

export const renderHtml = (report: SurgeReport): string => {
  const o = report.orders;
  const verdict = report.violations.length === 0;
  const outcomes = {
    labels: [
      'fulfilled',
      ...Object.keys(o.rejected).map((reason) => `rejected: ${reason}`),
      'expired',
      'refunded',
      'refund pending',
      'gave up after 429',
      ...Object.keys(o.refusedAtIntake).map((code) => `refused: ${code}`),
    ],
    values: [
      o.fulfilled,
      ...Object.values(o.rejected),
      o.expired,
      o.refunded,
      o.refundPending,
      o.gaveUpAfter429,
      ...Object.values(o.refusedAtIntake),
    ],
  };
  const data = {
    timeline: report.timeline,
    outcomes,
    statuses: report.errors.byStatus,
    histogram: report.latencyMs.histogram,
    vendors: report.vendors,
  };
  const l = report.latencyMs;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>kuota surge ${escapeHtml(report.runId)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:2rem auto;max-width:1100px;padding:0 1rem;color:#1b1f24}
h1{margin-bottom:.2rem}.sub{color:#57606a;margin-top:0}
.verdict{padding:.8rem 1rem;border-radius:6px;font-weight:600;margin:1rem 0}
.ok{background:#dafbe1;color:#116329}.bad{background:#ffebe9;color:#a40e26}
.grid{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:.6rem;margin:1rem 0}
.card{border:1px solid #d0d7de;border-radius:6px;padding:.6rem .8rem}.card b{display:block;font-size:1.4rem}
.charts{display:grid;grid-template-columns:repeat(auto-fit,minmax(480px,1fr));gap:1.2rem}
canvas{max-height:320px}table{border-collapse:collapse;width:100%;margin:.6rem 0}
td,th{border-bottom:1px solid #d0d7de;padding:.25rem .5rem;text-align:right}td:first-child,th:first-child{text-align:left}
code{background:#f6f8fa;padding:0 .25rem}li.bad{color:#a40e26}
</style></head><body>
<h1>kuota surge</h1>
<p class="sub">run ${escapeHtml(report.runId)} against ${escapeHtml(report.baseUrl)}, ${escapeHtml(report.startedAt)} – ${escapeHtml(report.finishedAt)} (${report.durations.totalS} s)</p>
<div class="verdict ${verdict ? 'ok' : 'bad'}">${verdict ? 'Every invariant held.' : `${report.violations.length} invariant violation(s).`}</div>
<div class="grid">
<div class="card">applicants<b>${report.population.applicants}</b>${report.population.scalpers} scalpers on ${report.population.scalperNiks} NIKs</div>
<div class="card">orders accepted<b>${o.accepted}</b>of ${o.placed} placed</div>
<div class="card">fulfilled<b>${o.fulfilled}</b>${o.stampsSold} stamps</div>
<div class="card">rejected<b>${Object.values(o.rejected).reduce((a, b) => a + b, 0)}</b>${escapeHtml(
    Object.entries(o.rejected)
      .map(([k, v]) => `${k} ${v}`)
      .join(', ') || '-',
  )}</div>
<div class="card">expired / refunded<b>${o.expired} / ${o.refunded}</b>Rp${report.payments.refundedIdr.toLocaleString('en-US')} back</div>
<div class="card">intake p50 / p95 / p99<b>${Math.round(l.intakeRequests.p50)} / ${Math.round(l.intakeRequests.p95)} / ${Math.round(l.intakeRequests.p99)} ms</b>${l.intakeRequests.count} requests</div>
<div class="card">peak accepted/s<b>${report.throughput.peakAcceptedPerSecond}</b>mean ${report.throughput.meanAcceptedPerSecond}/s over the arrivals</div>
<div class="card">queue drained<b>${report.queue.ordersOutOfQueueSecondsAfterArrivals ?? '–'} s</b>after the arrivals ended: every order reserved or rejected (max depth ${report.queue.maxDepth}; SQS empty ${report.queue.drainSecondsAfterArrivals ?? '–'} s after)</div>
<div class="card">5xx<b>${report.errors.fiveXx}</b>${report.throughput.requests} requests, ${report.errors.networkErrors} network errors</div>
${report.crash ? `<div class="card">crash (--crash-at ${report.crash.afterAccepted})<b>${report.crash.happened ? `down ${report.crash.downSeconds} s` : 'did not happen'}</b>${report.crash.openAtCrashSettledAfterRestart} of ${report.crash.openAtCrash} orders open at the kill settled after the restart</div>` : ''}
</div>
<div class="charts">
<div><h3>Arrivals and orders over time</h3><canvas id="timeline"></canvas></div>
<div><h3>Queue depth and intake p95</h3><canvas id="queue"></canvas></div>
<div><h3>Outcome of every order</h3><canvas id="outcomes"></canvas></div>
<div><h3>Intake latency (every POST of an order)</h3><canvas id="latency"></canvas></div>
<div><h3>Responses by status</h3><canvas id="statuses"></canvas></div>
<div><h3>Stamps sold per vendor: applicants vs regulator</h3><canvas id="vendors"></canvas></div>
</div>
<h2>Invariants</h2>
<table>${row(['invariant', 'result', 'detail'], true)}${report.invariants.map((inv) => row([inv.name, inv.ok ? 'ok' : 'VIOLATED', inv.detail])).join('')}</table>
${report.violations.length > 0 ? `<h3>Violations</h3><ul>${report.violations.map((v) => `<li class="bad">${escapeHtml(v)}</li>`).join('')}</ul>` : ''}
${report.warnings.length > 0 ? `<h3>Warnings</h3><ul>${report.warnings.map((w) => `<li>${escapeHtml(w)}</li>`).join('')}</ul>` : ''}
<h2>Latency (ms)</h2>
<table>${row(['measure', 'count', 'p50', 'p95', 'p99', 'max'], true)}
${row(['intake, every POST', l.intakeRequests.count, l.intakeRequests.p50, l.intakeRequests.p95, l.intakeRequests.p99, l.intakeRequests.max])}
${row(['intake, answers 202', l.intakeAccepted.count, l.intakeAccepted.p50, l.intakeAccepted.p95, l.intakeAccepted.p99, l.intakeAccepted.max])}
${row(['first try to 202 (retries included)', l.intakeToAccepted.count, l.intakeToAccepted.p50, l.intakeToAccepted.p95, l.intakeToAccepted.p99, l.intakeToAccepted.max])}
${row(['202 to RESERVED with QRIS', l.acceptedToReserved.count, l.acceptedToReserved.p50, l.acceptedToReserved.p95, l.acceptedToReserved.p99, l.acceptedToReserved.max])}
</table>
<h2>Per vendor</h2>
<table>${row(['vendor', 'sold (regulator, during surge)', 'received (applicants)', 'sold (ledger, total)', 'refunded Rp (regulator)', 'refunded Rp (applicants)', 'still reserved'], true)}
${report.vendors.map((v) => row([v.resellerId, v.soldDelta, v.clientSold, v.ledgerSold ?? '-', v.refundedIdrDelta, v.clientRefundedIdr, v.clientStillReserved])).join('')}</table>
<h2>Errors by route</h2>
<table>${row(['route', 'statuses'], true)}${Object.entries(report.errors.byRoute)
    .map(([route, statuses]) =>
      row([
        route,
        Object.entries(statuses)
          .map(([status, count]) => `${status}: ${count}`)
          .join(', '),
      ]),
    )
    .join('')}</table>
<h2>Options</h2><pre>${escapeHtml(JSON.stringify(report.options, null, 2))}</pre>
<script src="chart.umd.min.js"></script>
<script>
const data = ${scriptJson(data)};
if (typeof Chart === 'undefined') document.querySelectorAll('canvas').forEach((c) => c.replaceWith('Chart.js did not load (chart.umd.min.js must sit next to this page).'));
else {
const t = data.timeline.map((p) => p.t);
new Chart(document.getElementById('timeline'), { type: 'line', data: { labels: t, datasets: [
  { label: 'accepted / s', data: data.timeline.map((p) => p.acceptedPerSecond), yAxisID: 'rate', borderColor: '#0969da', pointRadius: 0 },
  { label: 'requests / s', data: data.timeline.map((p) => p.requestsPerSecond), yAxisID: 'rate', borderColor: '#8250df', pointRadius: 0 },
  { label: 'accepted (total)', data: data.timeline.map((p) => p.accepted), yAxisID: 'total', borderColor: '#9a6700', pointRadius: 0 },
  { label: 'fulfilled (total)', data: data.timeline.map((p) => p.fulfilled), yAxisID: 'total', borderColor: '#1a7f37', pointRadius: 0 },
] }, options: { animation: false, scales: { x: { title: { display: true, text: 'seconds' } }, rate: { position: 'left', beginAtZero: true }, total: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } } } } });
new Chart(document.getElementById('queue'), { type: 'line', data: { labels: t, datasets: [
  { label: 'queue depth', data: data.timeline.map((p) => p.queueDepth), yAxisID: 'depth', borderColor: '#cf222e', pointRadius: 0 },
  { label: 'intake p95 (ms, last 500)', data: data.timeline.map((p) => p.intakeP95Ms), yAxisID: 'ms', borderColor: '#0969da', pointRadius: 0 },
] }, options: { animation: false, scales: { x: { title: { display: true, text: 'seconds' } }, depth: { position: 'left', beginAtZero: true }, ms: { position: 'right', beginAtZero: true, grid: { drawOnChartArea: false } } } } });
new Chart(document.getElementById('outcomes'), { type: 'bar', data: { labels: data.outcomes.labels, datasets: [{ label: 'orders', data: data.outcomes.values, backgroundColor: '#0969da' }] }, options: { animation: false, indexAxis: 'y', plugins: { legend: { display: false } } } });
new Chart(document.getElementById('latency'), { type: 'bar', data: { labels: [...data.histogram.bounds.map((b) => '≤' + b + ' ms'), 'more'], datasets: [{ label: 'requests', data: [...data.histogram.counts, data.histogram.over], backgroundColor: '#8250df' }] }, options: { animation: false, plugins: { legend: { display: false } } } });
new Chart(document.getElementById('statuses'), { type: 'bar', data: { labels: Object.keys(data.statuses), datasets: [{ label: 'responses', data: Object.values(data.statuses), backgroundColor: Object.keys(data.statuses).map((s) => Number(s) >= 500 || s === 'network error' ? '#cf222e' : Number(s) >= 400 ? '#9a6700' : '#1a7f37') }] }, options: { animation: false, plugins: { legend: { display: false } } } });
new Chart(document.getElementById('vendors'), { type: 'bar', data: { labels: data.vendors.map((v) => v.resellerId), datasets: [
  { label: 'applicants received', data: data.vendors.map((v) => v.clientSold), backgroundColor: '#0969da' },
  { label: 'regulator: sold during the surge', data: data.vendors.map((v) => v.soldDelta), backgroundColor: '#1a7f37' },
] }, options: { animation: false } });
}
</script>
</body></html>
`;
};

const formatPids = (pids: Readonly<Record<string, number>> | null) =>
  Object.entries(pids ?? {})
    .map(([name, pid]) => `${name} pid ${pid}`)
    .join(', ');

/** The end-of-run summary for the terminal. */
export const formatSummary = (report: SurgeReport): string => {
  const o = report.orders;
  const l = report.latencyMs;
  const rejected = Object.entries(o.rejected)
    .map(([reason, count]) => `${reason} ${count}`)
    .join(', ');
  const refused = Object.entries(o.refusedAtIntake)
    .map(([code, count]) => `${code} ${count}`)
    .join(', ');
  const lines = [
    `applicants        ${report.population.applicants} (${report.population.scalpers} scalpers on ${report.population.scalperNiks} NIKs), ${o.placed} orders placed`,
    `orders            accepted ${o.accepted}, reserved ${o.reserved}, fulfilled ${o.fulfilled} (${o.stampsSold} stamps), rejected ${Object.values(o.rejected).reduce((a, b) => a + b, 0)}${rejected ? ` (${rejected})` : ''}`,
    `                  expired ${o.expired}, refunded ${o.refunded}, refund pending ${o.refundPending}, unsettled ${o.unsettled} (${o.explained} explained)`,
    `intake refusals   gave up after 429 ${o.gaveUpAfter429}${refused ? `, ${refused}` : ''}`,
    `payments          ${report.payments.captures} captured (${report.payments.uncertainCaptures} uncertain attempts), Rp${report.payments.paidIdr.toLocaleString('en-US')} paid, Rp${report.payments.refundedIdr.toLocaleString('en-US')} refunded`,
    `intake latency    p50 ${l.intakeRequests.p50} ms, p95 ${l.intakeRequests.p95} ms, p99 ${l.intakeRequests.p99} ms (${l.intakeRequests.count} POSTs; 202 only: p95 ${l.intakeAccepted.p95} ms)`,
    `to reserved       p50 ${l.acceptedToReserved.p50} ms, p95 ${l.acceptedToReserved.p95} ms, p99 ${l.acceptedToReserved.p99} ms after the 202`,
    `to payable        p50 ${l.timeToPayable.p50} ms, p95 ${l.timeToPayable.p95} ms, p99 ${l.timeToPayable.p99} ms from the first POST to the QR in hand (${l.timeToPayable.count} orders)`,
    `throughput        ${report.throughput.requests} requests (${report.throughput.requestsPerSecond}/s), accepted peak ${report.throughput.peakAcceptedPerSecond}/s, mean ${report.throughput.meanAcceptedPerSecond}/s`,
    `queue             max depth ${report.queue.maxDepth}; every order out of the queue ${report.queue.ordersOutOfQueueSecondsAfterArrivals ?? '-'} s after the arrivals ended; SQS empty ${report.queue.drainSecondsAfterArrivals ?? '-'} s after (${report.queue.drainSecondsAfterLastAccept ?? '-'} s after the last 202)`,
    `errors            ${Object.entries(report.errors.byStatus)
      .filter(([status]) => status === 'network error' || Number(status) >= 400)
      .map(([status, count]) => `${status}: ${count}`)
      .join(', ')} | 5xx ${report.errors.fiveXx}`,
    `durations         setup ${report.durations.setupS} s, arrivals ${report.durations.arrivalsS} s, settling ${report.durations.settleS} s, total ${report.durations.totalS} s`,
    ...(report.crash
      ? [
          report.crash.happened
            ? `crash             killed ${report.crash.killedAtSeconds} s into the surge after ${report.crash.afterAccepted} accepted orders (${formatPids(report.crash.killed)}), back after ${report.crash.downSeconds} s (${formatPids(report.crash.restarted)}); ${report.crash.acceptedBeforeCrash} accepted before it, ${report.crash.openAtCrash} open at the kill, ${report.crash.openAtCrashSettledAfterRestart} of those settled after the restart`
            : `crash             did not happen (--crash-at ${report.crash.afterAccepted})${report.crash.error ? `: ${report.crash.error}` : ''}`,
        ]
      : []),
    '',
    'invariants',
    ...report.invariants.map((inv) => `  ${inv.ok ? 'ok  ' : 'FAIL'}  ${inv.name}: ${inv.detail}`),
  ];
  if (report.warnings.length > 0) lines.push('', 'warnings', ...report.warnings.map((w) => `  - ${w}`));
  if (report.violations.length > 0)
    lines.push('', `${report.violations.length} VIOLATION(S)`, ...report.violations.map((v) => `  - ${v}`));
  return lines.join('\n');
};
