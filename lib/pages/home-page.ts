import { languageScript } from './language.js';

/**
 * The public page: where e-Meterai can be bought right now (open data), and verification of a serial (also
 * opened by a stamp's QR code, `?serial=`) or of a whole stamped PDF. In Bahasa
 * Indonesia by default, English one click away (`?lang=en`, remembered on the device).
 */
const TEXTS = {
  id: {
    title: 'e-Meterai: beli di mana sekarang',
    intro:
      'Data terbuka dari setiap penjual resmi, diperbarui setiap 30 detik. Harga: nilai meterai Rp10.000 ditambah biaya layanan penjual (dibatasi regulator).',
    updated: 'Diperbarui pukul {time}.',
    reseller: 'Penjual',
    availability: 'Ketersediaan',
    price: 'Harga',
    buy: 'Beli',
    check: 'Periksa meterai',
    serial: 'Nomor seri 22 karakter',
    checkButton: 'Periksa',
    notFound: 'Tidak ditemukan: nomor seri ini tidak pernah terjual.',
    sold: '{serial}: terjual oleh {reseller} pada {at}',
    affixed: ', dibubuhkan pada {at} ke dokumen {document}…',
    states: { AVAILABLE: 'TERSEDIA', LOW: 'HAMPIR HABIS', SOLD_OUT: 'HABIS' },
    checkDocument: 'Periksa dokumen',
    checkDocumentHelp: 'Pilih PDF bermeterai (maks. 10 MB): setiap e-Meterai di dalamnya diperiksa.',
    checking: 'Memeriksa…',
    noStamp: 'Tidak ada e-Meterai pada dokumen ini.',
    unreadable: 'Berkas ini bukan PDF yang dapat dibaca.',
    valid: 'SAH',
    invalid: 'TIDAK SAH',
    signatureValid: 'tanda tangan valid',
    documentIntact: 'dokumen tidak diubah setelah dibubuhkan',
    certificateChainValid: 'sertifikat berantai ke penerbit',
    boundToThisDocument: 'meterai terikat pada dokumen ini',
    stampedAt: 'dibubuhkan {at}',
    stampStatus: { SOLD: 'terjual, belum dibubuhkan', AFFIXED: 'sudah dibubuhkan', UNKNOWN: 'tidak dikenal' },
    language: 'English',
  },
  en: {
    title: 'e-Meterai: where to buy now',
    intro:
      "Open data from every licensed reseller, refreshed every 30 seconds. Face value Rp10,000 plus the reseller's service fee (capped by the regulator).",
    updated: 'Updated {time}.',
    reseller: 'Reseller',
    availability: 'Availability',
    price: 'Price',
    buy: 'Buy',
    check: 'Check a stamp',
    serial: '22-character serial',
    checkButton: 'Check',
    notFound: 'Not found: this serial was never sold.',
    sold: '{serial}: sold by {reseller} at {at}',
    affixed: ', affixed {at} to document {document}…',
    states: { AVAILABLE: 'AVAILABLE', LOW: 'LOW', SOLD_OUT: 'SOLD OUT' },
    checkDocument: 'Check a document',
    checkDocumentHelp: 'Choose a stamped PDF (up to 10 MB): every e-Meterai in it is checked.',
    checking: 'Checking…',
    noStamp: 'This document carries no e-Meterai.',
    unreadable: 'This file is not a readable PDF.',
    valid: 'VALID',
    invalid: 'NOT VALID',
    signatureValid: 'signature valid',
    documentIntact: 'document unchanged since stamping',
    certificateChainValid: 'certificate chains to the issuer',
    boundToThisDocument: 'stamp bound to this document',
    stampedAt: 'stamped {at}',
    stampStatus: { SOLD: 'sold, not yet affixed', AFFIXED: 'affixed', UNKNOWN: 'unknown' },
    language: 'Bahasa Indonesia',
  },
} as const;

export const homePage = (): string => `<!doctype html>
<html lang="id">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>e-Meterai</title>
<style>
  :root { font-family: system-ui, sans-serif; color: #1b1f24; background: #f5f6f8; }
  main { max-width: 52rem; margin: 2rem auto; padding: 0 1rem; }
  section { background: #fff; border-radius: 10px; padding: 1rem 1.25rem; box-shadow: 0 1px 3px #0002; margin-bottom: 1rem; }
  table { width: 100%; border-collapse: collapse; font-size: .9rem; }
  th, td { text-align: left; padding: .4rem; border-bottom: 1px solid #e5e7eb; }
  .AVAILABLE { color: #0c6b35; font-weight: 700; } .LOW { color: #7a5a00; font-weight: 700; } .SOLD_OUT { color: #9b1c1c; }
  input { padding: .5rem; width: 70%; } button { padding: .5rem .9rem; }
  .muted { color: #6b7280; font-size: .85rem; }
  .verdict { font-weight: 700; } .verdict.ok { color: #0c6b35; } .verdict.bad { color: #9b1c1c; }
  ul.checks { margin: .25rem 0 .75rem; }
</style>
</head>
<body>
<main>
  <div class="muted" style="text-align:right"><a href="#" id="language"></a></div>
  <h1 data-t="title"></h1>
  <p class="muted"><span data-t="intro"></span> <span id="updated"></span></p>
  <section><table id="availability"><thead><tr><th data-t="reseller"></th><th data-t="availability"></th><th data-t="price"></th><th></th></tr></thead><tbody></tbody></table></section>
  <section>
    <h2 data-t="check"></h2>
    <form id="verify"><input id="serial" maxlength="22"> <button data-t="checkButton"></button></form>
    <p id="verify-result"></p>
  </section>
  <section>
    <h2 data-t="checkDocument"></h2>
    <p class="muted" data-t="checkDocumentHelp"></p>
    <input id="document" type="file" accept="application/pdf">
    <div id="document-result" aria-live="polite"></div>
  </section>
</main>
<script>
${languageScript(TEXTS)}
const base = new URL('.', location.href).href;
const $ = (id) => document.getElementById(id);
$('serial').placeholder = T.serial;
async function load() {
  const data = await fetch(base + 'v1/public/availability').then((r) => r.json());
  $('updated').textContent = fill(T.updated, { time: new Date(data.updatedAt).toLocaleTimeString(LOCALE) });
  $('availability').querySelector('tbody').replaceChildren(...data.resellers.map((r) => {
    const tr = document.createElement('tr');
    const name = document.createElement('td'); name.textContent = r.name + ' (' + r.resellerId + ')';
    const availability = document.createElement('td'); availability.className = r.availability; availability.textContent = T.states[r.availability] || r.availability;
    const price = document.createElement('td'); price.textContent = 'Rp' + r.unitPriceIdr.toLocaleString('id-ID');
    const link = document.createElement('td'); const a = document.createElement('a'); a.href = base + 'storefronts/' + r.resellerId + (LANG === 'en' ? '?lang=en' : ''); a.textContent = r.open ? T.buy : ''; link.append(a);
    tr.append(name, availability, price, link);
    return tr;
  }));
}
async function verifySerial(serial) {
  const response = await fetch(base + 'v1/stamps/' + encodeURIComponent(serial));
  const body = await response.json();
  $('verify-result').textContent = response.ok
    ? fill(T.sold, { serial, reseller: body.resellerId, at: new Date(body.soldAt).toLocaleString(LOCALE) }) +
      (body.affixedAt ? fill(T.affixed, { at: new Date(body.affixedAt).toLocaleString(LOCALE), document: body.documentSha256.slice(0, 12) }) : '')
    : T.notFound;
}
$('verify').addEventListener('submit', (event) => {
  event.preventDefault();
  verifySerial($('serial').value.trim().toUpperCase());
});
// The QR code on a stamp opens this page with its serial: check it at once.
const scanned = new URLSearchParams(location.search).get('serial');
if (scanned) { $('serial').value = scanned; verifySerial(scanned.toUpperCase()); }

/** A document check: the PDF goes to storage by a presigned URL, then the check is read. */
$('document').addEventListener('change', async (event) => {
  const file = event.target.files[0];
  if (!file) return;
  const result = $('document-result');
  result.textContent = T.checking;
  const created = await fetch(base + 'v1/document-checks', { method: 'POST' }).then((r) => r.json());
  await fetch(created.upload.url, { method: 'PUT', headers: created.upload.headers, body: file });
  const check = await fetch(base + 'v1/document-checks/' + created.checkId).then((r) => r.json());
  if (check.status === 'UNREADABLE') { result.textContent = T.unreadable; return; }
  if (check.signatures.length === 0) { result.textContent = T.noStamp; return; }
  result.replaceChildren(...check.signatures.map((signature) => {
    const block = document.createElement('div');
    const head = document.createElement('p');
    const verdict = document.createElement('span');
    verdict.className = 'verdict ' + (signature.valid ? 'ok' : 'bad');
    verdict.textContent = signature.valid ? T.valid : T.invalid;
    head.append(verdict, ' · ', signature.serial, ' · ', T.stampStatus[signature.status] || signature.status,
      signature.stampedAt ? ' · ' + fill(T.stampedAt, { at: new Date(signature.stampedAt).toLocaleString(LOCALE) }) : '');
    const list = document.createElement('ul');
    list.className = 'checks';
    for (const key of ['signatureValid', 'documentIntact', 'certificateChainValid', 'boundToThisDocument']) {
      const item = document.createElement('li');
      item.dataset.check = key;
      item.textContent = (signature[key] ? '✓ ' : '✗ ') + T[key];
      list.append(item);
    }
    block.append(head, list);
    return block;
  }));
  event.target.value = '';
});
load();
setInterval(load, 30000);
</script>
</body>
</html>
`;
