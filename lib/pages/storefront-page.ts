import { languageScript } from './language.js';
import { stampingPanelHtml, stampingPanelScript, stampingPanelStyle } from './stamping-panel.js';
import { STOREFRONT_TEXTS } from './storefront-texts.js';

/**
 * The storefront page, in Bahasa Indonesia (English one click away): order stamps with NIK, name and birth
 * date, pay the QRIS (sandbox), receive serials and stamp PDFs with them; a queued order shows its place; the order is kept on the
 * device and in the address, so a reload resumes it. Plain HTML and a little script against the public API. The offer (price, availability)
 * comes embedded in the page, and the script asks for it again only after an order ends; it looks at an
 * order again only when the API's Retry-After says so.
 */
export const storefrontPage = (resellerId: string, offer?: unknown): string => `<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>e-Meterai · ${resellerId}</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f5f6f8; }
  main { max-width: 34rem; margin: 2rem auto; background: #fff; padding: 1.5rem 2rem; border-radius: 12px; box-shadow: 0 1px 4px #0002; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  .muted { color: #5b6470; font-size: .9rem; }
  label { display: block; margin-top: 1rem; font-weight: 600; }
  input { width: 100%; box-sizing: border-box; padding: .6rem; font-size: 1rem; border: 1px solid #c5cad1; border-radius: 8px; }
  button { margin-top: 1rem; padding: .7rem 1.2rem; font-size: 1rem; border: 0; border-radius: 8px; background: #0b5cad; color: #fff; cursor: pointer; }
  button:disabled { background: #9db3c9; cursor: default; }
  .badge { display: inline-block; padding: .15rem .5rem; border-radius: 999px; font-size: .8rem; font-weight: 700; }
  .AVAILABLE { background: #d9f2e3; color: #0c6b35; } .LOW { background: #fff1cc; color: #7a5a00; } .SOLD_OUT { background: #fde0e0; color: #9b1c1c; }
  #status { margin-top: 1.25rem; padding: 1rem; border-radius: 8px; background: #f0f4f9; display: none; }
  #qris { font-family: monospace; font-size: .75rem; word-break: break-all; background: #fff; padding: .5rem; border: 1px dashed #9aa5b1; }
  ol#serials { font-family: monospace; font-size: 1.05rem; }
  .error { color: #9b1c1c; }
${stampingPanelStyle}
</style>
</head>
<body>
<main>
  <div class="muted" style="text-align:right"><a href="#" id="language"></a></div>
  <h1 id="name" data-t="title">e-Meterai</h1>
  <div class="muted"><span data-t="storefront"></span> <span id="reseller">${resellerId}</span> · <span id="price">…</span> <span data-t="perStamp"></span> ·
    <span id="availability" class="badge">…</span></div>
  <div class="muted" id="queue"></div>
  <div class="muted" id="resumed" hidden></div>
  <form id="order">
    <label for="nik" data-t="nik"></label>
    <input id="nik" name="nik" inputmode="numeric" autocomplete="off" maxlength="16" required>
    <label for="full-name" data-t="fullName"></label>
    <input id="full-name" name="fullName" autocomplete="name" maxlength="100" required>
    <label for="birth-date" data-t="birthDate"></label>
    <input id="birth-date" name="birthDate" type="date" required>
    <label for="quantity" data-t="quantity"></label>
    <input id="quantity" name="quantity" type="number" min="1" max="5" value="2" required>
    <label for="contact" data-t="contact"></label>
    <input id="contact" name="contact" autocomplete="tel email" maxlength="254">
    <button id="submit" type="submit" data-t="order"></button>
    <div id="form-error" class="error"></div>
  </form>
  <section id="status" aria-live="polite">
    <div><span data-t="order_label"></span> <code id="order-id"></code>: <code id="order-status"></code>
      <strong id="order-status-text"></strong> <span id="order-detail"></span></div>
    <div id="payment" hidden>
      <p><span data-t="payLead"></span> <strong id="amount"></strong> <span id="pay-until"></span></p>
      <div id="qris"></div>
      <button id="pay" type="button" data-t="payButton"></button>
    </div>
    <div id="stamps" hidden><p data-t="serials"></p><ol id="serials"></ol></div>
    <button id="new-order" type="button" data-t="newOrder" hidden></button>
  </section>
${stampingPanelHtml}
  <section id="recovery">
    <h2 data-t="recoveryTitle"></h2>
    <p class="muted" data-t="recoveryHelp"></p>
    <form id="recover">
      <label for="recover-nik" data-t="nik"></label>
      <input id="recover-nik" inputmode="numeric" maxlength="16" required>
      <label for="recover-name" data-t="fullName"></label>
      <input id="recover-name" maxlength="100" required>
      <label for="recover-birth" data-t="birthDate"></label>
      <input id="recover-birth" type="date" required>
      <button id="recover-submit" type="submit" data-t="recoverButton"></button>
      <div id="recover-result" aria-live="polite"></div>
    </form>
  </section>
</main>
<script>
const resellerId = ${JSON.stringify(resellerId)};
${languageScript(STOREFRONT_TEXTS)}
const base = new URL('..', location.href).href;
const api = (path, init) => fetch(base + path.replace(/^\\//, ''), init).then(async (r) => ({ status: r.status, retryAfter: Number(r.headers.get('retry-after')), waited: r.headers.has('preference-applied'), etag: r.headers.get('etag') || undefined, body: await r.json().catch(() => ({})) }));
const $ = (id) => document.getElementById(id);
const rupiah = (n) => 'Rp' + Number(n).toLocaleString('id-ID');
let current;

// The order is kept on this device (and in the address), so a reload, a closed tab or a dead battery
// does not lose it: the page resumes it from there.
const STORED = 'kuota.order.' + resellerId;
function keepOrder(order) {
  const kept = { orderId: order.orderId, orderToken: order.orderToken, statusUrl: order.statusUrl };
  localStorage.setItem(STORED, JSON.stringify(kept));
  history.replaceState(null, '', '#order=' + encodeURIComponent(kept.orderId) + '.' + encodeURIComponent(kept.orderToken));
  return kept;
}
function keptOrder() {
  const match = /order=([^.&]+)\\.([^&]+)/.exec(location.hash);
  if (match) {
    const orderId = decodeURIComponent(match[1]);
    return { orderId, orderToken: decodeURIComponent(match[2]), statusUrl: '/v1/storefronts/' + resellerId + '/orders/' + orderId };
  }
  try { return JSON.parse(localStorage.getItem(STORED) || 'null') || undefined; } catch { return undefined; }
}

const TERMINAL = ['FULFILLED', 'REJECTED', 'EXPIRED', 'REFUNDED'];
async function loadOffer(embedded) {
  const offer = embedded ? { status: 200, body: embedded } : await api('/v1/storefronts/' + resellerId + '/offer');
  if (offer.status !== 200) { $('name').textContent = T.notFound; $('submit').disabled = true; return; }
  $('name').textContent = offer.body.name;
  $('price').textContent = rupiah(offer.body.unitPriceIdr);
  $('availability').textContent = T.availability[offer.body.availability] || offer.body.availability;
  $('availability').className = 'badge ' + offer.body.availability;
  $('queue').textContent = offer.body.queue.depth > 0 ? fill(T.queue, { depth: offer.body.queue.depth, eta: offer.body.queue.etaSeconds }) : '';
  if (offer.body.status !== 'OPEN') { $('submit').disabled = true; $('form-error').textContent = T.closed; }
}

/** Looks at the order again when the API says (Retry-After), until it ends. */
function schedule(res) {
  if (res.status === 200 || res.status === 201 || res.status === 202) {
    if (TERMINAL.includes(res.body.status)) { loadOffer(); $('new-order').hidden = false; return; }
  }
  // A read that already waited for a change (Prefer: wait) is followed by the next one at once.
  const seconds = res.waited ? 0.2 : res.retryAfter > 0 ? res.retryAfter : 2;
  setTimeout(poll, seconds * 1000);
}

// The version of the order this page shows (its ETag): the next read waits until the order is newer, and
// a 304 means it is not yet (the page keeps what it shows). A page that shows nothing yet (resumed after a
// reload) reads at once.
let seen;
async function poll() {
  if (!current) return;
  const headers = { 'Order-Token': current.orderToken, ...(seen ? { 'Prefer': 'wait=20', 'If-None-Match': seen } : {}) };
  const res = await api(current.statusUrl, { headers });
  if (res.etag) seen = res.etag;
  if (res.status === 200) render(res.body);
  schedule(res);
}

function render(order) {
  $('status').style.display = 'block';
  $('order-id').textContent = order.orderId;
  $('order-status').textContent = order.status;
  $('order-status-text').textContent = T.status[order.status] || '';
  $('order-detail').textContent = order.reason ? '(' + (T.reasons[order.reason] || order.reason) + ')' :
    order.queue ? '· ' + fill(T.position, { depth: order.queue.depth, eta: order.queue.etaSeconds }) :
    order.refund ? '· ' + fill(T.refund, { amount: rupiah(order.refund.amountIdr), status: T.status[order.refund.status] || order.refund.status }) : '';
  $('payment').hidden = !(order.status === 'RESERVED' && order.payment);
  if (order.payment) {
    $('pay-until').textContent = fill(T.payUntil, { time: new Date(order.payment.expiresAt).toLocaleTimeString(LOCALE) });
    $('amount').textContent = rupiah(order.payment.amountIdr);
    $('qris').textContent = order.payment.qris;
    $('pay').dataset.paymentId = order.payment.paymentId;
  }
  if (order.stamps) {
    $('stamps').hidden = false;
    $('serials').replaceChildren(...order.stamps.map((s) => { const li = document.createElement('li'); li.textContent = s.serial; return li; }));
    if (order.status === 'FULFILLED') showStamping(order);
  }
}

/** What an applicant reads for a refused request: the code's message in their language, or the fields. */
function explain(res) {
  const error = res.body.error || {};
  const issues = error.issues || [];
  if (error.code === 'VALIDATION_FAILED' && issues.length) {
    return issues.map((issue) => T.fields[issue.path.replace('body.', '')] || issue.message).join('; ');
  }
  return T.errors[error.code] || fill(T.errors.other, { status: res.status });
}

$('order').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('form-error').textContent = '';
  $('submit').disabled = true;
  const res = await api('/v1/storefronts/' + resellerId + '/orders', {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'Idempotency-Key': crypto.randomUUID() },
    body: JSON.stringify({
      nik: $('nik').value.trim(),
      fullName: $('full-name').value.trim(),
      birthDate: $('birth-date').value,
      quantity: Number($('quantity').value),
      ...contactOf($('contact').value.trim()),
    }),
  });
  if (res.status !== 201 && res.status !== 202) {
    $('submit').disabled = false;
    $('form-error').textContent = explain(res);
    return;
  }
  current = keepOrder(res.body);
  seen = res.etag;
  render(res.body);
  schedule(res);
});

/** A phone number or an e-mail address, as the buyer typed it (optional). */
function contactOf(text) {
  if (!text) return {};
  return { contact: text.includes('@') ? { email: text } : { phone: text.replace(/[\\s-]/g, '') } };
}

$('recover').addEventListener('submit', async (event) => {
  event.preventDefault();
  $('recover-result').textContent = '';
  const res = await api('/v1/order-recovery', {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ nik: $('recover-nik').value.trim(), fullName: $('recover-name').value.trim(), birthDate: $('recover-birth').value }),
  });
  $('recover-result').textContent = res.status === 202 ? fill(T.recoverSent, { count: res.body.noticesSent }) : explain(res);
});

$('pay').addEventListener('click', async () => {
  $('pay').disabled = true;
  await api('/sandbox/payment-gateway/payments/' + $('pay').dataset.paymentId + '/pay', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
});

$('new-order').addEventListener('click', () => {
  localStorage.removeItem(STORED);
  history.replaceState(null, '', location.pathname + location.search);
  location.reload();
});

${stampingPanelScript}
const resumed = keptOrder();
if (resumed) {
  current = resumed;
  $('resumed').textContent = T.resume;
  $('resumed').hidden = false;
  $('submit').disabled = true;
  poll();
}
loadOffer(${JSON.stringify(offer ?? null).replace(/</g, '\\u003c')});
</script>
</body>
</html>
`;
