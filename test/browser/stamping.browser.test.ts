import { mkdtempSync, writeFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedChromium, launchChromium, skipBrowser, watchPage } from '../support/browser.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { claimOf, stockReseller, validNik } from '../support/flows.js';
import { checkDocument, pdfsig, samplePdf, stampRectangles } from '../support/stamping.js';

/**
 * Once the order is FULFILLED the buyer stamps several PDFs in one go: choose the files,
 * place a stamp by clicking the rendered preview, stamp all, watch each document's progress, download.
 * The downloads are checked by pdfsig and by kuota's verifier.
 */
const SCREENSHOT = 'docs/storefront-stamping.png';

let kuota: TestCloud;
let browser: LaunchedChromium;
let stampedLetter: { pdf: Uint8Array; serial: string } | undefined;

describe.skipIf(skipBrowser)('stamping on the storefront page in Chromium', () => {
  beforeAll(async () => {
    browser = await launchChromium({ viewport: { width: 900, height: 1400 } });
    kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '2' } });
    await stockReseller(kuota, 0, 10);
  });
  afterAll(async () => {
    await browser?.close();
    await kuota?.stop();
  });

  it('stamps two PDFs placed on their previews, shows the progress, and the downloads verify', async () => {
    // Arrange: two stamps bought on the page, two PDFs on disk.
    const { page } = browser;
    page.setDefaultTimeout(30_000);
    const watched = watchPage(page, kuota.baseUrl);
    const nik = validNik(31);
    await page.goto(`${kuota.baseUrl}/storefronts/R01?lang=id`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${kuota.baseUrl}/storefronts/R01?lang=id`);
    await page.locator('#nik').fill(nik);
    await page.locator('#full-name').fill(claimOf(nik).fullName);
    await page.locator('#birth-date').fill(claimOf(nik).birthDate);
    await page.locator('#quantity').fill('2');
    await page.locator('#submit').click();
    await page.locator('#pay').waitFor({ state: 'visible' });
    await page.locator('#pay').click();
    await page.locator('#stamping').waitFor({ state: 'visible' });
    const directory = mkdtempSync(join(tmpdir(), 'kuota-page-'));
    const files = ['lamaran.pdf', 'pernyataan.pdf'].map((name) => join(directory, name));
    writeFileSync(files[0] as string, await samplePdf('Surat lamaran'));
    writeFileSync(files[1] as string, await samplePdf('Surat pernyataan', { pages: 3 }));

    // Act: choose both, place the first one's stamp near the top left of its preview, stamp all.
    await page.locator('#documents').setInputFiles(files);
    await page.locator('.doc-card canvas').nth(1).waitFor({ state: 'visible' });
    const title = await page.locator('#stamping h2').textContent();
    await expect.poll(() => page.locator('.doc-card .pages').nth(1).textContent()).toBe('dari 3');
    const pagesOfSecond = await page.locator('.doc-card .pages').nth(1).textContent();
    const preview = page.locator('.doc-card .preview').first();
    await preview.click({ position: { x: 60, y: 40 } });
    await page.locator('#stamp-all').click();
    await page.locator('.doc-card .download:not([hidden])').nth(1).waitFor({ state: 'visible' });
    const states = await page.locator('.doc-card .state').allTextContents();
    const links = await page
      .locator('.doc-card .download')
      .evaluateAll((anchors) => anchors.map((anchor) => (anchor as unknown as { href: string }).href));
    await mkdir('docs', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const downloads = await Promise.all(
      links.map(async (link) => new Uint8Array(await (await fetch(link)).arrayBuffer())),
    );

    // Assert
    expect(title).toBe('Bubuhkan e-Meterai pada dokumen');
    expect(pagesOfSecond).toBe('dari 3');
    expect(states).toEqual(['selesai', 'selesai']);
    for (const pdf of downloads) {
      expect(pdfsig(pdf).map((signature) => signature.validation)).toEqual(['Signature is Valid.']);
      const check = await checkDocument(kuota, pdf);
      expect(check.body.signatures.map((signature) => signature.valid)).toEqual([true]);
    }
    // The first stamp sits where it was clicked: near the top left of page 1 (points from the lower left).
    const [firstRect] = await stampRectangles(downloads[0] as Uint8Array);
    const [secondRect] = await stampRectangles(downloads[1] as Uint8Array);
    expect(firstRect?.[0]).toBe(1);
    expect(firstRect?.[1]).toBeLessThan(150);
    expect(firstRect?.[2]).toBeGreaterThan(600);
    const serial = (await page.locator('.doc-card select').first().inputValue()) || '';
    stampedLetter = { pdf: downloads[0] as Uint8Array, serial };
    // The second kept the default: its last page, lower right inside the margin.
    expect(secondRect).toEqual([3, 595.28 - 36 - 150, 36, 595.28 - 36, 36 + 75]);
    expect(watched.problems).toEqual([]);
    const s3 = String(process.env.KUOTA_S3_ENDPOINT);
    expect(watched.offSite.filter((url) => !url.startsWith(s3))).toEqual([]);
  });

  it('the public page checks a stamped PDF (valid) and a changed copy (not valid), and opens a scanned serial', async () => {
    // Arrange
    if (!stampedLetter) throw new Error('the stamping test must run first');
    const { page } = browser;
    page.setDefaultTimeout(20_000);
    const directory = mkdtempSync(join(tmpdir(), 'kuota-check-'));
    const original = join(directory, 'asli.pdf');
    const changed = join(directory, 'diubah.pdf');
    writeFileSync(original, stampedLetter.pdf);
    const copy = Buffer.from(stampedLetter.pdf);
    const inContent = copy.indexOf('stream', 64) + 12;
    copy[inContent] = (copy[inContent] ?? 0) ^ 0x01;
    writeFileSync(changed, copy);

    // Act
    await page.goto(`${kuota.baseUrl}/?lang=id&serial=${stampedLetter.serial}`);
    await expect.poll(() => page.locator('#verify-result').textContent()).toContain('dibubuhkan');
    await page.locator('#document').setInputFiles(original);
    await page.locator('#document-result .verdict').waitFor({ state: 'visible' });
    const verdict = await page.locator('#document-result .verdict').textContent();
    const checks = await page.locator('#document-result li').allTextContents();
    await page.locator('#document').setInputFiles(changed);
    await expect.poll(() => page.locator('#document-result .verdict').textContent()).toBe('TIDAK SAH');
    const changedIntact = await page
      .locator('#document-result li[data-check="documentIntact"]')
      .textContent();

    // Assert
    expect(verdict).toBe('SAH');
    expect(checks).toHaveLength(4);
    for (const check of checks) expect(check.startsWith('✓')).toBe(true);
    expect(changedIntact?.startsWith('✗')).toBe(true);
  });
});
