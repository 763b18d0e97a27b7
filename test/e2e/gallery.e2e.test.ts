import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors } from '../helpers/browser';
import { makeTutorialLibrary } from '../helpers/posters';
import { tempDir } from '../helpers/temp';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let libraryRoot: string;
let fixture: Awaited<ReturnType<typeof makeTutorialLibrary>>;

before(async () => {
  libraryRoot = path.join(tempDir(), 'My Posters ü');
  fixture = await makeTutorialLibrary(libraryRoot, { train: 40, val: 12 });
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function summaryCount(page: Page): Promise<number> {
  const text = (await page.getByTestId('gallery-summary').textContent()) ?? '';
  return Number(text.match(/([\d,]+) posters/)?.[1].replace(/,/g, ''));
}

test('open a generated library, filter by genre, edit a label, and the edit survives a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  const errors = watchPageErrors(page);
  await page.goto(ctx.bridge.loginUrl);

  await page.getByTestId('library-path').fill(libraryRoot);
  await page.getByTestId('library-open').click();
  await page.getByTestId('poster-card').first().waitFor();
  await page.waitForFunction(() => /52 posters/.test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''));
  // Only visible cards are in the DOM, but thumbnails really load.
  await page
    .locator('[data-testid=poster-card] img')
    .first()
    .evaluate((img: HTMLImageElement) => img.decode());

  const horror = [...fixture.train, ...fixture.val].filter((p) => p.genres.includes('Horror'));
  await page.getByTestId('genre-filter-Horror').check();
  await page.waitForFunction(
    (n) => new RegExp(`^${n} posters`).test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''),
    horror.length,
  );
  assert.equal(await summaryCount(page), horror.length);
  const cards = page.getByTestId('poster-card');
  for (const id of await cards.evaluateAll((els) => els.map((e) => e.getAttribute('data-poster-id')))) {
    assert.ok(
      horror.some((p) => p.id === id),
      `${id} is not a Horror poster`,
    );
  }

  // Edit: open the first Horror poster and add Comedy (or remove it) with the keyboard-friendly toggles.
  const target = horror[0];
  await page.locator(`[data-poster-id=${target.id}]`).click();
  await page.getByTestId('poster-detail').waitFor();
  assert.match((await page.getByTestId('detail-path').textContent()) ?? '', new RegExp(`${target.id}\\.jpg$`));
  const hadComedy = target.genres.includes('Comedy');
  await page.keyboard.press('2'); // the second genre of the vocabulary: Comedy
  const toggle = page.getByTestId('label-toggle-Comedy');
  await page.waitForFunction((want) => document.querySelector('[data-testid=label-toggle-Comedy]')?.getAttribute('aria-pressed') === want, String(!hadComedy));
  await screenshot(page, 'gallery-detail');

  await page.reload();
  await page.getByTestId('poster-card').first().waitFor();
  await page.getByTestId('filter-search').fill(target.id);
  await page.waitForFunction(() => /^1 poster\b/.test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''));
  await page.locator(`[data-poster-id=${target.id}]`).click();
  await page.getByTestId('poster-detail').waitFor();
  await page.waitForFunction((want) => document.querySelector('[data-testid=label-toggle-Comedy]')?.getAttribute('aria-pressed') === want, String(!hadComedy));
  assert.equal(await toggle.getAttribute('aria-pressed'), String(!hadComedy));
  assert.deepEqual(errors, []);
  await page.close();
});

test('a path that is not a folder gets a clear error in the page', async () => {
  const page = await browser.newPage();
  await page.goto(ctx.bridge.loginUrl);
  await page.getByTestId('library-path').fill('/definitely/not/here');
  await page.getByTestId('library-open').click();
  // A toast (it floats; errors stay until dismissed) instead of a strip that pushed the layout down.
  const err = page.locator('[data-testid=toast][data-kind=error]');
  await err.waitFor();
  assert.match((await err.textContent()) ?? '', /not|does not exist|no such/i);
  await page.close();
});
