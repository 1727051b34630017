import { MAX_DOCUMENT_BYTES, STAMP_HEIGHT, STAMP_MARGIN, STAMP_WIDTH } from '../domain/stamping.js';

/**
 * The storefront page's stamping panel, shown once an order is FULFILLED: several PDFs at once, each with a
 * stamp of the order, placed by a click on a PDF.js preview of the chosen page, then uploaded (straight to
 * storage by the presigned URL), stamped and offered for download, with each document's progress shown.
 * A stamped result can take another stamp. Relies on the page's `api`, `$`, `T`, `fill`, `explain` and
 * `current` (the order and its token).
 */
export const stampingPanelStyle = `
  #stamping { margin-top: 1.5rem; }
  .doc-card { border: 1px solid #d6dbe1; border-radius: 10px; padding: .75rem; margin-top: .75rem; }
  .doc-card select, .doc-card input.page { width: auto; padding: .3rem; font-size: .9rem; }
  .preview { position: relative; display: inline-block; margin-top: .5rem; cursor: crosshair; border: 1px solid #e3e6ea; }
  .preview canvas { display: block; }
  .stamp-box { position: absolute; border: 2px solid #0b5cad; background: #0b5cad22; pointer-events: none; }
  .doc-card .state { font-weight: 600; }
  .doc-card .state.FAILED { color: #9b1c1c; } .doc-card .state.STAMPED { color: #0c6b35; }
`;

export const stampingPanelHtml = `
  <section id="stamping" hidden>
    <h2 data-t="stampingTitle"></h2>
    <p class="muted" data-t="stampingHelp"></p>
    <label for="documents" data-t="addDocuments"></label>
    <input id="documents" type="file" accept="application/pdf" multiple>
    <div id="stamping-error" class="error"></div>
    <div id="doc-cards"></div>
    <button id="stamp-all" type="button" data-t="stampAll" hidden></button>
  </section>
`;

export const stampingPanelScript = `
const STAMP_W = ${STAMP_WIDTH}, STAMP_H = ${STAMP_HEIGHT}, STAMP_MARGIN = ${STAMP_MARGIN}, MAX_BYTES = ${MAX_DOCUMENT_BYTES};
const PREVIEW_WIDTH = 320;
let pdfjs;
async function loadPdfjs() {
  if (!pdfjs) {
    pdfjs = await import(base + 'assets/pdfjs/pdf.min.mjs');
    pdfjs.GlobalWorkerOptions.workerSrc = base + 'assets/pdfjs/pdf.worker.min.mjs';
  }
  return pdfjs;
}
let orderSerials = [];
const usedSerials = new Set();
const cards = [];
const pause = (ms) => new Promise((done) => setTimeout(done, ms));

/** Once per page: the panel, with the order's stamps; those already affixed are not offered. */
async function showStamping(order) {
  if ($('stamping').dataset.ready) return;
  $('stamping').dataset.ready = '1';
  $('stamping').hidden = false;
  orderSerials = order.stamps.map((stamp) => stamp.serial);
  const states = await Promise.all(orderSerials.map((serial) => api('/v1/stamps/' + serial)));
  states.forEach((state, i) => { if (state.body.status === 'AFFIXED') usedSerials.add(orderSerials[i]); });
}

function freeSerials(keep) { return orderSerials.filter((serial) => serial === keep || !usedSerials.has(serial)); }

function element(tag, className, text) {
  const node = document.createElement(tag);
  if (className) node.className = className;
  if (text !== undefined) node.textContent = text;
  return node;
}

function fillSerials(card) {
  card.select.replaceChildren(...freeSerials(card.serial).map((serial) => {
    const option = element('option', '', serial);
    option.value = serial;
    option.selected = serial === card.serial;
    return option;
  }));
}

async function addCard(name, bytes) {
  $('stamping-error').textContent = '';
  const serial = freeSerials()[0];
  if (!serial) { $('stamping-error').textContent = T.noFreeStamp; return; }
  usedSerials.add(serial);
  const card = { name, bytes, serial, x: undefined, y: undefined, page: undefined, pages: 1, scale: 1, root: element('div', 'doc-card') };
  const head = element('div');
  head.append(element('strong', 'doc-name', name), ' · ');
  const serialLabel = element('label', '', T.stampChoice + ' ');
  card.select = element('select', 'serial');
  serialLabel.append(card.select);
  const pageLabel = element('label', '', T.pageChoice + ' ');
  card.pageInput = element('input', 'page');
  card.pageInput.type = 'number'; card.pageInput.min = '1';
  card.pagesText = element('span', 'pages');
  pageLabel.append(card.pageInput, ' ', card.pagesText);
  head.append(serialLabel, ' ', pageLabel);
  card.preview = element('div', 'preview');
  card.canvas = element('canvas');
  card.box = element('div', 'stamp-box');
  card.preview.append(card.canvas, card.box);
  card.hint = element('div', 'muted hint', T.placeHint);
  const progress = element('div', 'progress');
  card.state = element('span', 'state READY', T.stampingStatus.READY);
  card.reason = element('span', 'reason');
  card.download = element('a', 'download', T.download);
  card.download.hidden = true;
  progress.append(card.state, ' ', card.reason, ' ', card.download);
  card.button = element('button', 'stamp-one', T.stampOne);
  card.button.type = 'button';
  card.again = element('button', 'stamp-again', T.stampAgain);
  card.again.type = 'button'; card.again.hidden = true;
  card.root.append(head, card.preview, card.hint, progress, card.button, ' ', card.again);
  $('doc-cards').append(card.root);
  cards.push(card);
  fillSerials(card);
  $('stamp-all').hidden = false;

  card.select.addEventListener('change', () => {
    usedSerials.delete(card.serial);
    card.serial = card.select.value;
    usedSerials.add(card.serial);
    for (const other of cards) if (other !== card && !other.done) fillSerials(other);
  });
  card.pageInput.addEventListener('change', () => { card.page = Math.max(1, Math.min(card.pages, Number(card.pageInput.value) || 1)); renderPreview(card); });
  card.preview.addEventListener('click', (event) => {
    if (card.pageWidth === undefined || card.done) return;
    const rect = card.canvas.getBoundingClientRect();
    const x = (event.clientX - rect.left) / card.scale - STAMP_W / 2;
    const y = (rect.bottom - event.clientY) / card.scale - STAMP_H / 2;
    card.x = Math.max(0, Math.min(card.pageWidth - STAMP_W, x));
    card.y = Math.max(0, Math.min(card.pageHeight - STAMP_H, y));
    placeBox(card);
  });
  card.button.addEventListener('click', () => stampCard(card));
  card.again.addEventListener('click', () => addCard(card.name.replace(/\\.pdf$/i, '') + '-emeterai.pdf', card.bytes));
  if (bytes.length > MAX_BYTES) { setState(card, 'FAILED', T.stampingReasons.TOO_LARGE); card.button.disabled = true; return; }
  await renderPreview(card);
}

function placeBox(card) {
  card.box.style.left = card.x * card.scale + 'px';
  card.box.style.top = (card.pageHeight - card.y - STAMP_H) * card.scale + 'px';
  card.box.style.width = STAMP_W * card.scale + 'px';
  card.box.style.height = STAMP_H * card.scale + 'px';
}

async function renderPreview(card) {
  try {
    const lib = await loadPdfjs();
    card.document = card.document || (await lib.getDocument({ data: card.bytes.slice() }).promise);
    card.pages = card.document.numPages;
    if (!card.page) card.page = card.pages;
    card.pageInput.max = String(card.pages);
    card.pageInput.value = String(card.page);
    card.pagesText.textContent = fill(T.ofPages, { pages: card.pages });
    const page = await card.document.getPage(card.page);
    const natural = page.getViewport({ scale: 1 });
    card.scale = PREVIEW_WIDTH / natural.width;
    card.pageWidth = natural.width;
    card.pageHeight = natural.height;
    const viewport = page.getViewport({ scale: card.scale });
    card.canvas.width = viewport.width;
    card.canvas.height = viewport.height;
    await page.render({ canvasContext: card.canvas.getContext('2d'), viewport }).promise;
    if (card.x === undefined) { card.x = card.pageWidth - STAMP_MARGIN - STAMP_W; card.y = STAMP_MARGIN; }
    card.x = Math.min(card.x, card.pageWidth - STAMP_W);
    card.y = Math.min(card.y, card.pageHeight - STAMP_H);
    placeBox(card);
  } catch {
    card.preview.hidden = true;
    card.hint.textContent = T.noPreview;
  }
}

function setState(card, status, reason) {
  card.state.className = 'state ' + status;
  card.state.textContent = T.stampingStatus[status] || status;
  card.reason.textContent = reason ? '(' + reason + ')' : '';
}

const withToken = (init) => ({ ...init, headers: { ...(init && init.headers), 'Order-Token': current.orderToken } });

async function stampCard(card) {
  if (card.busy || card.done) return;
  card.busy = true;
  card.button.disabled = true;
  setState(card, 'UPLOADING');
  const placement = card.x === undefined || card.pageWidth === undefined ? {} : { page: card.page, x: Math.round(card.x * 100) / 100, y: Math.round(card.y * 100) / 100 };
  const created = await api('/v1/stamps/' + card.serial + '/stampings', withToken({
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ documentName: card.name.slice(0, 120), ...placement }),
  }));
  if (created.status !== 201) return failCard(card, explain(created));
  const upload = await fetch(created.body.upload.url, { method: 'PUT', headers: created.body.upload.headers, body: card.bytes }).catch(() => undefined);
  if (!upload || !upload.ok) return failCard(card, T.stampingReasons.UPLOAD_MISSING);
  let answer = await api('/v1/stampings/' + created.body.stampingId + '/submit', withToken({ method: 'POST' }));
  for (;;) {
    if (answer.status !== 200 && answer.status !== 202) return failCard(card, explain(answer));
    setState(card, answer.body.status);
    if (answer.body.status === 'STAMPED') {
      card.done = true;
      card.busy = false;
      card.download.href = answer.body.download.url;
      card.download.hidden = false;
      card.again.hidden = freeSerials().length === 0;
      card.select.disabled = true;
      card.pageInput.disabled = true;
      card.box.hidden = true;
      // The preview shows the stamped result itself, stamp and all.
      const stamped = await fetch(answer.body.download.url).catch(() => undefined);
      if (stamped && stamped.ok) {
        card.bytes = new Uint8Array(await stamped.arrayBuffer());
        card.document = undefined;
        await renderPreview(card);
      }
      return;
    }
    if (answer.body.status === 'FAILED') {
      // The stamp was not used and stays with this document for a retry, unless another document holds it:
      // then the document gets the next free stamp.
      if (answer.body.reason === 'STAMP_ALREADY_AFFIXED') {
        const next = freeSerials().find((serial) => serial !== card.serial);
        if (next) { card.serial = next; usedSerials.add(next); fillSerials(card); }
      }
      return failCard(card, T.stampingReasons[answer.body.reason] || answer.body.reason);
    }
    await pause((answer.retryAfter > 0 ? answer.retryAfter : 1) * 1000);
    answer = await api('/v1/stampings/' + created.body.stampingId, withToken());
  }
}

function failCard(card, reason) {
  setState(card, 'FAILED', reason);
  card.busy = false;
  card.button.disabled = false;
}

$('documents').addEventListener('change', async (event) => {
  for (const file of event.target.files) await addCard(file.name, new Uint8Array(await file.arrayBuffer()));
  event.target.value = '';
});
$('stamp-all').addEventListener('click', () => Promise.all(cards.filter((card) => !card.done).map(stampCard)));
`;
