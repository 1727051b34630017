import { languageScript } from './language.js';

/**
 * The regulator dashboard: the 26 vendors in a table and as charts, alerts, a vendor's ledger on click,
 * suspend / resume. It refreshes itself every 10 s. The key stays in this tab's sessionStorage.
 */
/** The dashboard's words, Bahasa Indonesia first (the regulator's language), English one click away. */
const TEXTS = {
  id: {
    title: 'kuota · pengawasan e-Meterai',
    signOut: 'Keluar',
    signInTitle: 'Masuk regulator',
    keyLabel: 'Kunci API regulator',
    signIn: 'Masuk',
    allocated: 'dialokasikan',
    onHand: 'stok',
    sold: 'terjual',
    affixed: 'dibubuhkan',
    vendorsWithStock: 'penjual dengan stok',
    alerts7: 'peringatan (7 hari)',
    stockPerVendor: 'Stok per penjual',
    salesOverTime: 'Penjualan dari waktu ke waktu',
    vendors: 'Penjual',
    hId: 'Id',
    hName: 'Nama',
    hStatus: 'Status',
    hQuota: 'Kuota dibayar (Rp)',
    hAllocated: 'Dialokasikan',
    hOnHand: 'Stok',
    hReserved: 'Dipesan',
    hSold: 'Terjual',
    hAffixed: 'Dibubuhkan',
    hRefunds: 'Refund',
    hFee: 'Biaya (Rp)',
    hLastSale: 'Penjualan terakhir',
    hCover: 'Hari persediaan',
    ledgerOf: 'Buku besar',
    suspend: 'Bekukan',
    resume: 'Aktifkan',
    csv: 'Unduh CSV',
    hAt: 'Waktu',
    hKind: 'Jenis',
    hQuantity: 'Jumlah',
    hReference: 'Referensi',
    hEntry: 'Entri',
    alerts: 'Peringatan',
    noAlerts: 'Tidak ada peringatan.',
    updated: 'diperbarui {time}',
    rejectedKey: 'Kunci itu tidak diterima.',
    soldCumulative: 'terjual (kumulatif)',
    language: 'English',
  },
  en: {
    title: 'kuota · e-Meterai oversight',
    signOut: 'Sign out',
    signInTitle: 'Regulator sign-in',
    keyLabel: 'Regulator API key',
    signIn: 'Sign in',
    allocated: 'allocated',
    onHand: 'on hand',
    sold: 'sold',
    affixed: 'affixed',
    vendorsWithStock: 'vendors with stock',
    alerts7: 'alerts (7 days)',
    stockPerVendor: 'Stock per vendor',
    salesOverTime: 'Sales over time',
    vendors: 'Vendors',
    hId: 'Id',
    hName: 'Name',
    hStatus: 'Status',
    hQuota: 'Quota paid (Rp)',
    hAllocated: 'Allocated',
    hOnHand: 'On hand',
    hReserved: 'Reserved',
    hSold: 'Sold',
    hAffixed: 'Affixed',
    hRefunds: 'Refunds',
    hFee: 'Fee (Rp)',
    hLastSale: 'Last sale',
    hCover: 'Days of cover',
    ledgerOf: 'Ledger of',
    suspend: 'Suspend',
    resume: 'Resume',
    csv: 'Download CSV',
    hAt: 'At',
    hKind: 'Kind',
    hQuantity: 'Quantity',
    hReference: 'Reference',
    hEntry: 'Entry',
    alerts: 'Alerts',
    noAlerts: 'No alerts.',
    updated: 'updated {time}',
    rejectedKey: 'That key was not accepted.',
    soldCumulative: 'sold (cumulative)',
    language: 'Bahasa Indonesia',
  },
} as const;

export const regulatorPage = (): string => `<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>kuota · regulator</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f3f4f6; }
  body { margin: 0; }
  header { background: #0f2a47; color: #fff; padding: .8rem 1.5rem; display: flex; align-items: center; gap: 1rem; }
  header h1 { font-size: 1.15rem; margin: 0; flex: 1; }
  main { padding: 1rem 1.5rem; display: grid; grid-template-columns: minmax(0, 1fr); gap: 1rem; }
  .cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(10rem, 1fr)); gap: .75rem; }
  .card, section { background: #fff; border-radius: 10px; padding: .8rem 1rem; box-shadow: 0 1px 3px #0002; }
  .card .value { font-size: 1.5rem; font-weight: 700; }
  .card .label { color: #5b6470; font-size: .8rem; }
  .chart { position: relative; height: 260px; }
  .charts { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr); gap: 1rem; }
  section { overflow-x: auto; }
  table { border-collapse: collapse; width: 100%; font-size: .82rem; }
  th, td { padding: .35rem .4rem; border-bottom: 1px solid #e5e7eb; text-align: right; white-space: nowrap; }
  /* Headers may wrap (Bahasa Indonesia's are longer), so the 14 columns fit the window. */
  th { white-space: normal; vertical-align: bottom; }
  th:nth-child(-n+3), td:nth-child(-n+3) { text-align: left; }
  #ledger th, #ledger td { text-align: left; } #ledger th:nth-child(3), #ledger td:nth-child(3) { text-align: right; }
  tbody tr { cursor: pointer; } tbody tr:hover { background: #eef4fb; } tr.selected { background: #dbe9f8; }
  .flag { display: inline-block; font-size: .7rem; padding: .05rem .35rem; border-radius: 4px; background: #fde68a; margin-left: .2rem; }
  .flag.SUSPENDED, .flag.IDLE_STOCK { background: #fecaca; } .flag.SOLD_OUT { background: #e5e7eb; }
  .alerts li { margin-bottom: .4rem; font-size: .85rem; } .alerts code { font-size: .75rem; color: #374151; }
  #login { max-width: 26rem; margin: 4rem auto; }
  input { padding: .5rem; width: 100%; box-sizing: border-box; }
  button { padding: .45rem .9rem; border: 0; border-radius: 6px; background: #0b5cad; color: #fff; cursor: pointer; }
  button.secondary { background: #6b7280; }
  .muted { color: #6b7280; font-size: .8rem; }
</style>
</head>
<body>
<header><h1 data-t="title"></h1><a href="#" id="language" style="color:#cbd5e1"></a><span id="updated" class="muted" style="color:#cbd5e1"></span>
  <button id="logout" class="secondary" hidden data-t="signOut"></button></header>
<section id="login">
  <h2 data-t="signInTitle"></h2>
  <form id="login-form"><label for="key" data-t="keyLabel"></label><input id="key" type="password" autocomplete="off">
  <p><button type="submit" data-t="signIn"></button> <span id="login-error" class="muted"></span></p></form>
</section>
<main id="dashboard" hidden>
  <div class="cards">
    <div class="card"><div class="value" id="total-allocated">0</div><div class="label" data-t="allocated"></div></div>
    <div class="card"><div class="value" id="total-onhand">0</div><div class="label" data-t="onHand"></div></div>
    <div class="card"><div class="value" id="total-sold">0</div><div class="label" data-t="sold"></div></div>
    <div class="card"><div class="value" id="total-affixed">0</div><div class="label" data-t="affixed"></div></div>
    <div class="card"><div class="value" id="vendors-selling">0</div><div class="label" data-t="vendorsWithStock"></div></div>
    <div class="card"><div class="value" id="alert-count">0</div><div class="label" data-t="alerts7"></div></div>
  </div>
  <div class="charts">
    <section><h3 data-t="stockPerVendor"></h3><div class="chart"><canvas id="stock-chart"></canvas></div></section>
    <section><h3 data-t="salesOverTime"></h3><div class="chart"><canvas id="sales-chart"></canvas></div></section>
  </div>
  <section><h3 data-t="vendors"></h3>
    <table id="vendors"><thead><tr>
      <th data-t="hId"></th><th data-t="hName"></th><th data-t="hStatus"></th><th data-t="hQuota"></th><th data-t="hAllocated"></th><th data-t="hOnHand"></th><th data-t="hReserved"></th>
      <th data-t="hSold"></th><th data-t="hAffixed"></th><th data-t="hRefunds"></th><th data-t="hFee"></th><th data-t="hLastSale"></th><th data-t="hCover"></th><th></th>
    </tr></thead><tbody></tbody></table>
  </section>
  <section id="ledger-panel" hidden><h3><span data-t="ledgerOf"></span> <span id="ledger-vendor"></span>
    <button id="suspend" class="secondary" data-t="suspend"></button> <button id="resume" class="secondary" data-t="resume"></button>
    <button id="csv" data-t="csv"></button></h3>
    <table id="ledger"><thead><tr><th data-t="hAt"></th><th data-t="hKind"></th><th data-t="hQuantity"></th><th data-t="hReference"></th><th data-t="hEntry"></th></tr></thead><tbody></tbody></table>
  </section>
  <section><h3 data-t="alerts"></h3><ul class="alerts" id="alerts"></ul></section>
</main>
<script src="assets/chart.umd.min.js"></script>
<script>
const base = new URL('.', location.href).href;
const $ = (id) => document.getElementById(id);
${languageScript(TEXTS)}
const fmt = (n) => Number(n).toLocaleString(LOCALE);
let key = sessionStorage.getItem('kuota-regulator-key');
let selected;
let stockChart;
let salesChart;

async function api(path, init = {}) {
  const response = await fetch(base + path.replace(/^\\//, ''), { ...init, headers: { ...(init.headers || {}), Authorization: 'Bearer ' + key } });
  if (response.status === 401 || response.status === 403) { signOut(T.rejectedKey); throw new Error('unauthorized'); }
  return response;
}

function signOut(message) {
  sessionStorage.removeItem('kuota-regulator-key'); key = null;
  $('dashboard').hidden = true; $('login').hidden = false; $('logout').hidden = true;
  $('login-error').textContent = message || '';
}

function cell(text, field) { const td = document.createElement('td'); td.textContent = text; if (field) td.dataset.field = field; return td; }

function renderVendors(vendors) {
  const tbody = $('vendors').querySelector('tbody');
  tbody.replaceChildren(...vendors.map((v) => {
    const tr = document.createElement('tr');
    tr.dataset.reseller = v.resellerId;
    if (v.resellerId === selected) tr.className = 'selected';
    const flags = document.createElement('td');
    for (const flag of v.flags) { const span = document.createElement('span'); span.className = 'flag ' + flag; span.textContent = flag; flags.append(span); }
    tr.append(cell(v.resellerId, 'resellerId'), cell(v.name, 'name'), cell(v.status, 'status'), cell(fmt(v.quotaPaidIdr), 'quotaPaidIdr'),
      cell(fmt(v.allocated), 'allocated'), cell(fmt(v.onHand), 'onHand'), cell(fmt(v.reserved), 'reserved'), cell(fmt(v.sold), 'sold'),
      cell(fmt(v.affixed), 'affixed'), cell(v.refundedCount + ' / ' + fmt(v.refundedIdr), 'refunds'), cell(fmt(v.serviceFeeIdr), 'serviceFeeIdr'),
      cell(v.lastSaleAt ? new Date(v.lastSaleAt).toLocaleString(LOCALE) : '–', 'lastSaleAt'), cell(v.daysOfCover ?? '–', 'daysOfCover'), flags);
    tr.addEventListener('click', () => openLedger(v.resellerId));
    return tr;
  }));
  const sum = (field) => vendors.reduce((total, v) => total + v[field], 0);
  $('total-allocated').textContent = fmt(sum('allocated'));
  $('total-onhand').textContent = fmt(sum('onHand'));
  $('total-sold').textContent = fmt(sum('sold'));
  $('total-affixed').textContent = fmt(sum('affixed'));
  $('vendors-selling').textContent = vendors.filter((v) => v.onHand > 0).length + ' / ' + vendors.length;
  const data = {
    labels: vendors.map((v) => v.resellerId),
    datasets: [
      { label: T.allocated, data: vendors.map((v) => v.allocated), backgroundColor: '#93c5fd' },
      { label: T.onHand, data: vendors.map((v) => v.onHand), backgroundColor: '#34d399' },
      { label: T.sold, data: vendors.map((v) => v.sold), backgroundColor: '#f59e0b' },
    ],
  };
  if (stockChart) { stockChart.data = data; stockChart.update('none'); }
  else stockChart = new Chart($('stock-chart'), { type: 'bar', data, options: { locale: LOCALE, animation: false, responsive: true, maintainAspectRatio: false } });
}

function renderSales(points) {
  const data = {
    labels: points.map((p) => new Date(p.at).toLocaleTimeString(LOCALE, { hour: '2-digit', minute: '2-digit' })),
    datasets: [
      { label: T.soldCumulative, data: points.map((p) => p.sold), borderColor: '#f59e0b', tension: 0.2 },
      { label: T.onHand, data: points.map((p) => p.onHand), borderColor: '#10b981', tension: 0.2 },
    ],
  };
  if (salesChart) { salesChart.data = data; salesChart.update('none'); }
  else salesChart = new Chart($('sales-chart'), { type: 'line', data, options: { locale: LOCALE, animation: false, responsive: true, maintainAspectRatio: false } });
}

function renderAlerts(alerts) {
  $('alert-count').textContent = alerts.length;
  $('alerts').replaceChildren(...(alerts.length ? alerts : [null]).map((a) => {
    const li = document.createElement('li');
    if (!a) { li.textContent = T.noAlerts; return li; }
    li.dataset.kind = a.kind;
    const strong = document.createElement('strong'); strong.textContent = a.kind;
    const code = document.createElement('code'); code.textContent = ' ' + JSON.stringify(a.evidence);
    li.append(strong, ' ' + new Date(a.at).toLocaleString(LOCALE) + (a.resellerId ? ' · ' + a.resellerId : ''), code);
    return li;
  }));
}

async function openLedger(resellerId) {
  selected = resellerId;
  $('ledger-panel').hidden = false;
  $('ledger-vendor').textContent = resellerId;
  const page = await (await api('/v1/regulator/vendors/' + resellerId + '/ledger?limit=50')).json();
  $('ledger').querySelector('tbody').replaceChildren(...page.entries.map((e) => {
    const tr = document.createElement('tr');
    tr.append(cell(new Date(e.at).toLocaleString(LOCALE)), cell(e.kind), cell(fmt(e.quantity)), cell(e.reference), cell(e.entryId));
    return tr;
  }));
  for (const row of $('vendors').querySelectorAll('tbody tr')) row.classList.toggle('selected', row.dataset.reseller === resellerId);
}

async function act(action) {
  if (!selected) return;
  await api('/v1/regulator/vendors/' + selected + '/' + action, { method: 'POST' });
  await refresh();
}

async function refresh() {
  if (!key) return;
  const [vendors, alerts, sales] = await Promise.all([
    api('/v1/regulator/vendors').then((r) => r.json()),
    api('/v1/regulator/alerts').then((r) => r.json()),
    api('/v1/regulator/sales?hours=6').then((r) => r.json()),
  ]);
  renderVendors(vendors.vendors);
  renderAlerts(alerts.alerts);
  renderSales(sales.points);
  $('updated').textContent = T.updated.replace('{time}', new Date(vendors.generatedAt).toLocaleTimeString(LOCALE));
  document.body.dataset.loaded = 'true';
}

function show() { $('login').hidden = true; $('dashboard').hidden = false; $('logout').hidden = false; refresh(); }

$('login-form').addEventListener('submit', (event) => {
  event.preventDefault();
  key = $('key').value.trim();
  sessionStorage.setItem('kuota-regulator-key', key);
  show();
});
$('logout').addEventListener('click', () => signOut());
$('suspend').addEventListener('click', () => act('suspend'));
$('resume').addEventListener('click', () => act('resume'));
$('csv').addEventListener('click', async () => {
  const blob = await (await api('/v1/regulator/vendors/' + selected + '/ledger', { headers: { Accept: 'text/csv' } })).blob();
  const link = document.createElement('a'); link.href = URL.createObjectURL(blob); link.download = 'ledger-' + selected + '.csv'; link.click();
});
if (key) show();
setInterval(() => refresh().catch(() => {}), 10000);
</script>
</body>
</html>
`;
