/**
 * The storefront page: order stamps with a NIK, pay the QRIS (sandbox), receive serials; a queued order
 * shows its place. Plain HTML and a little script against the public API. The offer (price, availability)
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
</style>
</head>
<body>
<main>
  <h1 id="name">e-Meterai</h1>
  <div class="muted">Storefront <span id="reseller">${resellerId}</span> · <span id="price">…</span> per stamp ·
    <span id="availability" class="badge">…</span></div>
  <div class="muted" id="queue"></div>
  <form id="order">
    <label for="nik">NIK (16 digits)</label>
    <input id="nik" name="nik" inputmode="numeric" autocomplete="off" maxlength="16" required>
    <label for="full-name">Full name (as on the KTP)</label>
    <input id="full-name" name="fullName" autocomplete="name" maxlength="100" required>
    <label for="birth-date">Birth date</label>
    <input id="birth-date" name="birthDate" type="date" required>
    <label for="quantity">Stamps</label>
    <input id="quantity" name="quantity" type="number" min="1" max="5" value="2" required>
    <button id="submit" type="submit">Order</button>
    <div id="form-error" class="error"></div>
  </form>
  <section id="status" aria-live="polite">
    <div>Order <code id="order-id"></code>: <strong id="order-status"></strong> <span id="order-detail"></span></div>
    <div id="payment" hidden>
      <p>Pay <strong id="amount"></strong> by QRIS before <span id="expires"></span>:</p>
      <div id="qris"></div>
      <button id="pay" type="button">Pay with the sandbox wallet</button>
    </div>
    <div id="stamps" hidden><p>Your e-Meterai serials:</p><ol id="serials"></ol></div>
  </section>
</main>
<script>
const resellerId = ${JSON.stringify(resellerId)};
const base = new URL('..', location.href).href;
const api = (path, init) => fetch(base + path.replace(/^\\//, ''), init).then(async (r) => ({ status: r.status, retryAfter: Number(r.headers.get('retry-after')), waited: r.headers.has('preference-applied'), body: await r.json().catch(() => ({})) }));
const $ = (id) => document.getElementById(id);
const rupiah = (n) => 'Rp' + Number(n).toLocaleString('id-ID');
let current;

const TERMINAL = ['FULFILLED', 'REJECTED', 'EXPIRED', 'REFUNDED'];
async function loadOffer(embedded) {
  const offer = embedded ? { status: 200, body: embedded } : await api('/v1/storefronts/' + resellerId + '/offer');
  if (offer.status !== 200) { $('name').textContent = 'Storefront not found'; $('submit').disabled = true; return; }
  $('name').textContent = offer.body.name;
  $('price').textContent = rupiah(offer.body.unitPriceIdr);
  $('availability').textContent = offer.body.availability.replace('_', ' ');
  $('availability').className = 'badge ' + offer.body.availability;
  $('queue').textContent = offer.body.queue.depth > 0 ? 'Queue: ' + offer.body.queue.depth + ' orders, about ' + offer.body.queue.etaSeconds + ' s' : '';
  if (offer.body.status !== 'OPEN') { $('submit').disabled = true; $('form-error').textContent = 'This storefront is ' + offer.body.status.toLowerCase() + '.'; }
}

/** Looks at the order again when the API says (Retry-After), until it ends. */
function schedule(res) {
  if (res.status === 200 || res.status === 201 || res.status === 202) {
    if (TERMINAL.includes(res.body.status)) { loadOffer(); return; }
  }
  // A read that already waited for a change (Prefer: wait) is followed by the next one at once.
  const seconds = res.waited ? 0.2 : res.retryAfter > 0 ? res.retryAfter : 2;
  setTimeout(poll, seconds * 1000);
}

async function poll() {
  if (!current) return;
  const res = await api(current.statusUrl, { headers: { 'Order-Token': current.orderToken, 'Prefer': 'wait=8' } });
  if (res.status === 200) render(res.body);
  schedule(res);
}

function render(order) {
  $('status').style.display = 'block';
  $('order-id').textContent = order.orderId;
  $('order-status').textContent = order.status;
  $('order-detail').textContent = order.reason ? '(' + order.reason + ')' :
    order.queue ? '· position ≈ ' + order.queue.depth + ', about ' + order.queue.etaSeconds + ' s' :
    order.refund ? '· refund ' + rupiah(order.refund.amountIdr) + ' ' + order.refund.status : '';
  $('payment').hidden = !(order.status === 'RESERVED' && order.payment);
  if (order.payment) {
    $('amount').textContent = rupiah(order.payment.amountIdr);
    $('expires').textContent = new Date(order.payment.expiresAt).toLocaleTimeString();
    $('qris').textContent = order.payment.qris;
    $('pay').dataset.paymentId = order.payment.paymentId;
  }
  if (order.stamps) {
    $('stamps').hidden = false;
    $('serials').replaceChildren(...order.stamps.map((s) => { const li = document.createElement('li'); li.textContent = s.serial; return li; }));
  }
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
    }),
  });
  if (res.status !== 201 && res.status !== 202) {
    $('submit').disabled = false;
    const issues = (res.body.error && res.body.error.issues) || [];
    $('form-error').textContent = issues.length ? issues.map((i) => i.path.replace('body.', '') + ': ' + i.message).join('; ') : (res.body.error ? res.body.error.message : 'Error ' + res.status);
    return;
  }
  current = res.body;
  render(res.body);
  schedule(res);
});

$('pay').addEventListener('click', async () => {
  $('pay').disabled = true;
  await api('/sandbox/payment-gateway/payments/' + $('pay').dataset.paymentId + '/pay', {
    method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}',
  });
});

loadOffer(${JSON.stringify(offer ?? null).replace(/</g, '\\u003c')});
</script>
</body>
</html>
`;
