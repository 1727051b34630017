/** The public page: where e-Meterai can be bought right now (open data), and stamp verification. */
export const homePage = (): string => `<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>e-Meterai · availability</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f5f6f8; }
  main { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
  section { background: #fff; border-radius: 10px; padding: 1rem 1.25rem; box-shadow: 0 1px 3px #0002; margin-bottom: 1rem; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; }
  th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #e5e7eb; }
  .AVAILABLE { color: #0c6b35; font-weight: 700; } .LOW { color: #7a5a00; font-weight: 700; } .SOLD_OUT { color: #9b1c1c; }
  input { padding: .5rem; width: 70%; } button { padding: .5rem .9rem; }
  .muted { color: #6b7280; font-size: .85rem; }
</style>
</head>
<body>
<main>
  <h1>e-Meterai: where to buy now</h1>
  <p class="muted">Open data from every licensed reseller, refreshed every 30 seconds. Face value Rp10,000 plus the reseller's service fee (capped by the regulator). <span id="updated"></span></p>
  <section><table id="availability"><thead><tr><th>Reseller</th><th>Availability</th><th>Price</th><th></th></tr></thead><tbody></tbody></table></section>
  <section>
    <h2>Check a stamp</h2>
    <form id="verify"><input id="serial" placeholder="22-character serial" maxlength="22"> <button>Check</button></form>
    <p id="verify-result"></p>
  </section>
</main>
<script>
const base = new URL('.', location.href).href;
const $ = (id) => document.getElementById(id);
async function load() {
  const data = await fetch(base + 'v1/public/availability').then((r) => r.json());
  $('updated').textContent = 'Updated ' + new Date(data.updatedAt).toLocaleTimeString() + '.';
  $('availability').querySelector('tbody').replaceChildren(...data.resellers.map((r) => {
    const tr = document.createElement('tr');
    const name = document.createElement('td'); name.textContent = r.name + ' (' + r.resellerId + ')';
    const availability = document.createElement('td'); availability.className = r.availability; availability.textContent = r.availability.replace('_', ' ');
    const price = document.createElement('td'); price.textContent = 'Rp' + r.unitPriceIdr.toLocaleString('id-ID');
    const link = document.createElement('td'); const a = document.createElement('a'); a.href = base + 'storefronts/' + r.resellerId; a.textContent = r.open ? 'Buy' : ''; link.append(a);
    tr.append(name, availability, price, link);
    return tr;
  }));
}
$('verify').addEventListener('submit', async (event) => {
  event.preventDefault();
  const serial = $('serial').value.trim().toUpperCase();
  const response = await fetch(base + 'v1/stamps/' + encodeURIComponent(serial));
  const body = await response.json();
  $('verify-result').textContent = response.ok
    ? serial + ': ' + body.status + ', sold by ' + body.resellerId + ' at ' + new Date(body.soldAt).toLocaleString() + (body.affixedAt ? ', affixed ' + new Date(body.affixedAt).toLocaleString() + ' to document ' + body.documentSha256.slice(0, 12) + '…' : '')
    : (body.error ? body.error.message : 'Not found');
});
load();
setInterval(load, 30000);
</script>
</body>
</html>
`;
