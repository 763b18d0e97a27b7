import fs from 'node:fs';
import path from 'node:path';
import { chromium, type Browser, type Page } from 'playwright-core';
import { projectRoot } from '../../main/core/project-root';
import { npmChromium } from './npm-chromium';

const SYSTEM_CANDIDATES = ['/usr/bin/chromium', '/usr/bin/chromium-browser', '/usr/bin/google-chrome', '/usr/bin/google-chrome-stable'];

interface BrowserChoice {
  executablePath: string;
  args: string[];
  env?: Record<string, string>;
  /** One line for the test log: which browser runs the tests. */
  says: string;
}

let choice: Promise<BrowserChoice> | undefined;

/**
 * The Chromium to drive, first found of: $POSTER_TAGGER_CHROMIUM; the headless Chromium that `npm install`
 * brings (Linux x64); a system install. Fails loudly when there is none.
 */
export function chooseChromium(): Promise<BrowserChoice> {
  choice ??= (async () => {
    const fromEnv = process.env.POSTER_TAGGER_CHROMIUM;
    if (fromEnv) {
      if (!fs.existsSync(fromEnv)) throw new Error(`POSTER_TAGGER_CHROMIUM points at ${fromEnv}, which does not exist.`);
      return { executablePath: fromEnv, args: [], says: `e2e browser: ${fromEnv} (POSTER_TAGGER_CHROMIUM)` };
    }
    const bundled = await npmChromium();
    if (bundled) return { ...bundled, says: `e2e browser: headless Chromium ${bundled.version} from npm (@sparticuz/chromium)` };
    const system = SYSTEM_CANDIDATES.find((p) => fs.existsSync(p));
    if (system) return { executablePath: system, args: [], says: `e2e browser: ${system} (system install)` };
    throw new Error(
      'End-to-end tests need Chromium and none was found: the npm one (@sparticuz/chromium) runs on Linux x64 only. ' +
        'Install Chromium (Debian/Ubuntu: `sudo apt-get install -y chromium`) or set POSTER_TAGGER_CHROMIUM to a Chrome/Chromium binary.',
    );
  })();
  return choice;
}

let announced = false;

export async function launchBrowser(): Promise<Browser> {
  const c = await chooseChromium();
  if (!announced) {
    announced = true;
    console.log(`# ${c.says}`);
  }
  return chromium.launch({
    executablePath: c.executablePath,
    headless: true,
    env: c.env ? { ...process.env, ...c.env } : undefined,
    // Quiet Chromium's background traffic: this machine has no outside network.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      ...c.args,
    ],
  });
}

export function rendererDir(): string {
  const dir = path.join(projectRoot(), 'dist', 'renderer');
  if (!fs.existsSync(path.join(dir, 'index.html'))) throw new Error('The renderer is not built: run `npm run build` first (npm test does).');
  return dir;
}

/** Screenshots for people to look at, kept as test artifacts (git-ignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  const dir = path.join(projectRoot(), 'test-results', 'screenshots');
  fs.mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: false });
  return file;
}

/** Collects page errors so a test can assert the app ran without uncaught exceptions. */
export function watchPageErrors(page: Page): string[] {
  const errors: string[] = [];
  page.on('pageerror', (e) => errors.push(e.message));
  page.on('console', (m) => m.type() === 'error' && errors.push(m.text()));
  return errors;
}

/** Console warnings only (Svelte's included): views that expect some errors still must not warn. */
export function watchWarnings(page: Page): string[] {
  const out: string[] = [];
  page.on('console', (m) => m.type() === 'warning' && out.push(m.text()));
  return out;
}

/** Everything a user would never want printed: uncaught exceptions, console errors and warnings (Svelte's included). */
export function watchConsole(page: Page): string[] {
  const messages: string[] = [];
  page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') messages.push(`${m.type()}: ${m.text()}`);
  });
  return messages;
}
