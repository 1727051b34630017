import { existsSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LaunchedChromium, launchChromium, skipBrowser, watchPage } from '../support/browser.js';
import { startTestCloud, type TestCloud } from '../support/cloud.js';
import { claimOf, soldStampsOf, stockReseller, validNik } from '../support/flows.js';

/**
 * The storefront page, walked in Debian's Chromium (never a downloaded browser): order with a
 * NIK, see the order queued or reserved, pay with the sandbox wallet, see the serials. Without
 * /usr/bin/chromium the test fails with instructions; KUOTA_SKIP_BROWSER=1 skips it explicitly.
 */
const SCREENSHOT = 'test-artifacts/storefront.png';

let kuota: TestCloud;
let browser: LaunchedChromium;

describe.skipIf(skipBrowser)('storefront page in Chromium', () => {
  beforeAll(async () => {
    // Fails with install instructions when /usr/bin/chromium is missing.
    browser = await launchChromium({ viewport: { width: 900, height: 1000 } });
    kuota = await startTestCloud({ extraEnv: { KUOTA_STOCK_SHARDS: '2' } });
    await stockReseller(kuota, 0, 10);
  });
  afterAll(async () => {
    await browser?.close();
    await kuota?.stop();
  });

  it('orders, pays with the sandbox wallet and shows the serials', async () => {
    // Arrange
    const { page } = browser;
    page.setDefaultTimeout(20_000);
    const watched = watchPage(page, kuota.baseUrl);
    await page.goto(`${kuota.baseUrl}/storefronts/R01`);
    await expect.poll(() => page.locator('#price').textContent(), { timeout: 15_000 }).toMatch(/12[.,]500/);
    const name = await page.locator('#name').textContent();

    // Act
    await page.locator('#nik').fill(validNik(1));
    await page.locator('#full-name').fill(claimOf(validNik(1)).fullName);
    await page.locator('#birth-date').fill(claimOf(validNik(1)).birthDate);
    await page.locator('#quantity').fill('2');
    await page.locator('#submit').click();
    await page.locator('#status').waitFor({ state: 'visible' });
    const firstStatus = await page.locator('#order-status').textContent();
    await page.locator('#pay').waitFor({ state: 'visible' });
    const reservedStatus = await page.locator('#order-status').textContent();
    const amount = await page.locator('#amount').textContent();
    await page.locator('#pay').click();
    await page.locator('#serials li').nth(1).waitFor({ state: 'visible' });
    const finalStatus = await page.locator('#order-status').textContent();
    const shown = (await page.locator('#serials li').allTextContents()).map((text) => text.trim());
    const orderId = (await page.locator('#order-id').textContent()) ?? '';
    await mkdir('test-artifacts', { recursive: true });
    await page.screenshot({ path: SCREENSHOT, fullPage: true });
    const stored = await soldStampsOf(kuota, orderId);

    // Assert
    expect(name).toBe(kuota.credentials.resellers[0]?.name);
    expect(['QUEUED', 'RESERVED']).toContain(firstStatus);
    expect(reservedStatus).toBe('RESERVED');
    expect(amount).toMatch(/25[.,]000/);
    expect(finalStatus).toBe('FULFILLED');
    expect(shown).toHaveLength(2);
    for (const serial of shown) expect(serial).toMatch(/^[A-Z0-9]{22}$/);
    expect(stored.map((item) => item.serial).sort()).toEqual([...shown].sort());
    expect(existsSync(SCREENSHOT)).toBe(true);
    expect(watched.problems).toEqual([]);
    expect(watched.offSite).toEqual([]);
  });

  it('speaks Bahasa Indonesia by default, English one click away, and resumes an order after a reload', async () => {
    // Arrange: a fresh page (no language chosen, no order kept).
    const { page } = browser;
    page.setDefaultTimeout(20_000);
    const watched = watchPage(page, kuota.baseUrl);
    await page.goto(`${kuota.baseUrl}/storefronts/R01`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${kuota.baseUrl}/storefronts/R01`);
    const nik = validNik(2);

    // Act: read the page, order, reload in the middle (before paying), pay, see the serials.
    const htmlLang = await page.getAttribute('html', 'lang');
    const button = await page.locator('#submit').textContent();
    const label = await page.locator('label[for="full-name"]').textContent();
    await page.locator('#nik').fill(nik);
    await page.locator('#full-name').fill(claimOf(nik).fullName);
    await page.locator('#birth-date').fill(claimOf(nik).birthDate);
    await page.locator('#quantity').fill('1');
    await page.locator('#submit').click();
    await page.locator('#pay').waitFor({ state: 'visible' });
    const orderId = await page.locator('#order-id').textContent();
    const statusText = await page.locator('#order-status-text').textContent();
    const amount = await page.locator('#amount').textContent();
    await page.reload();
    await page.locator('#pay').waitFor({ state: 'visible' });
    const resumedId = await page.locator('#order-id').textContent();
    const resumedNote = await page.locator('#resumed').textContent();
    await page.locator('#pay').click();
    await page.locator('#serials li').first().waitFor({ state: 'visible' });
    const finalText = await page.locator('#order-status-text').textContent();
    await page.locator('#language').click();
    await page.waitForURL(/lang=en/);
    const englishButton = await page.locator('#new-order').textContent();
    const englishLang = await page.getAttribute('html', 'lang');

    // Assert
    expect(htmlLang).toBe('id');
    expect(button).toBe('Pesan');
    expect(label).toBe('Nama lengkap (sesuai KTP)');
    expect(statusText).toBe('menunggu pembayaran');
    expect(amount).toMatch(/^Rp12\.500$/);
    expect(resumedId).toBe(orderId);
    expect(resumedNote).toContain('tersimpan');
    expect(finalText).toContain('selesai');
    expect(englishLang).toBe('en');
    expect(englishButton).toBe('New order');
    expect(watched.problems).toEqual([]);
  });

  it('recovers a lost order: Lacak pesanan sends a fresh link to the phone on the order, which opens it', async () => {
    // Arrange: an order with a phone number, paid; then the buyer loses the page and the device's memory.
    const { page } = browser;
    page.setDefaultTimeout(20_000);
    const nik = validNik(4);
    const phone = '081234567004';
    await page.goto(`${kuota.baseUrl}/storefronts/R01?lang=id`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${kuota.baseUrl}/storefronts/R01?lang=id`);
    await page.locator('#nik').fill(nik);
    await page.locator('#full-name').fill(claimOf(nik).fullName);
    await page.locator('#birth-date').fill(claimOf(nik).birthDate);
    await page.locator('#quantity').fill('1');
    await page.locator('#contact').fill(phone);
    await page.locator('#submit').click();
    await page.locator('#pay').waitFor({ state: 'visible' });
    const orderId = await page.locator('#order-id').textContent();
    await page.locator('#pay').click();
    await page.locator('#serials li').first().waitFor({ state: 'visible' });
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${kuota.baseUrl}/storefronts/R01?lang=id`);

    // Act: Lacak pesanan, then the link from the (sandbox) outbox.
    const lostPage = await page.locator('#status').isVisible();
    await page.locator('#recover-nik').fill(nik);
    await page.locator('#recover-name').fill(claimOf(nik).fullName);
    await page.locator('#recover-birth').fill(claimOf(nik).birthDate);
    await page.locator('#recover-submit').click();
    await expect.poll(() => page.locator('#recover-result').textContent()).toContain('tautan dikirim');
    const outbox = await kuota.api.get<{ notices: { kind: string; link: string }[] }>(
      `/sandbox/notifications?to=${phone}`,
    );
    const link = outbox.body.notices.find((notice) => notice.kind === 'RECOVERY')?.link ?? '';
    await page.goto(`${kuota.baseUrl}${link}`);
    await page.locator('#serials li').first().waitFor({ state: 'visible' });
    const recoveredId = await page.locator('#order-id').textContent();

    // Assert
    expect(lostPage).toBe(false);
    expect(outbox.body.notices.map((notice) => notice.kind)).toEqual(['RESERVED', 'FULFILLED', 'RECOVERY']);
    expect(recoveredId).toBe(orderId);
  });

  it('tells the applicant in Bahasa Indonesia when the identity does not match', async () => {
    // Arrange
    const { page } = browser;
    await page.goto(`${kuota.baseUrl}/storefronts/R01?lang=id`);
    await page.evaluate(() => localStorage.clear());
    await page.goto(`${kuota.baseUrl}/storefronts/R01?lang=id`);

    // Act
    await page.locator('#nik').fill(validNik(3));
    await page.locator('#full-name').fill('Nama Yang Salah');
    await page.locator('#birth-date').fill(claimOf(validNik(3)).birthDate);
    await page.locator('#submit').click();
    await expect.poll(() => page.locator('#form-error').textContent()).not.toBe('');
    const message = await page.locator('#form-error').textContent();

    // Assert
    expect(message).toContain('Dukcapil');
  });
});
