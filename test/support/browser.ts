import { existsSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { type BrowserContext, chromium, type Page } from 'playwright-core';

/**
 * Debian's Chromium for the browser tests, never a downloaded browser. Without /usr/bin/chromium a browser
 * test fails with instructions; KUOTA_SKIP_BROWSER=1 skips it deliberately (describe.skipIf(skipBrowser)).
 */
export const CHROMIUM = '/usr/bin/chromium';
export const skipBrowser = process.env.KUOTA_SKIP_BROWSER === '1';

/** Flags that keep Chromium off the network (../shared/TOOLCHAIN.md, "Chromium headless"). */
export const CHROMIUM_FLAGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE localhost, EXCLUDE 127.0.0.1',
];

export const requireChromium = (): void => {
  if (!existsSync(CHROMIUM)) {
    throw new Error(
      `Chromium is not installed at ${CHROMIUM}: install it with \`sudo apt-get install -y chromium\`, ` +
        'or set KUOTA_SKIP_BROWSER=1 to skip the browser tests deliberately',
    );
  }
};

export interface LaunchedChromium {
  readonly context: BrowserContext;
  /** The context's first tab. */
  readonly page: Page;
  /** Closes the browser and deletes its fresh user-data dir. */
  close(): Promise<void>;
}

/**
 * Launches Chromium with a fresh `--user-data-dir` (a persistent context is how Playwright takes an
 * explicit one) and the offline flags. Fails with instructions when Chromium is missing.
 */
export const launchChromium = async (
  options: { viewport?: { width: number; height: number } } = {},
): Promise<LaunchedChromium> => {
  requireChromium();
  const userDataDir = await mkdtemp(join(tmpdir(), 'kuota-chromium-'));
  try {
    const context = await chromium.launchPersistentContext(userDataDir, {
      executablePath: CHROMIUM,
      headless: true,
      args: CHROMIUM_FLAGS,
      viewport: options.viewport ?? { width: 1280, height: 900 },
      timeout: 30_000,
    });
    const page = context.pages()[0] ?? (await context.newPage());
    return {
      context,
      page,
      close: async () => {
        await context.close();
        await rm(userDataDir, { recursive: true, force: true });
      },
    };
  } catch (error) {
    await rm(userDataDir, { recursive: true, force: true });
    throw error;
  }
};

/**
 * Records what a page should never do: script errors, failed responses (the browser's own favicon request
 * aside) and requests to anywhere but the app under test.
 */
export const watchPage = (page: Page, baseUrl: string) => {
  const problems: string[] = [];
  const offSite: string[] = [];
  page.on('pageerror', (error) => problems.push(error.message));
  page.on('console', (message) => {
    if (message.type() === 'error' && !message.location().url.endsWith('/favicon.ico'))
      problems.push(message.text());
  });
  page.on('response', (response) => {
    if (response.status() >= 400 && !response.url().endsWith('/favicon.ico'))
      problems.push(`${response.status()} ${response.url()}`);
  });
  page.on('request', (request) => {
    if (
      !request.url().startsWith(baseUrl) &&
      !request.url().startsWith('data:') &&
      !request.url().startsWith('blob:')
    )
      offSite.push(request.url());
  });
  return { problems, offSite };
};
