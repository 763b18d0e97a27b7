// The import report's near-duplicate check: pairs of a train poster and its near-copy in val, "keep on one
// side" with a confirmation naming how many posters move, and "put back", in light and dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors } from '../helpers/browser';
import { addLeakingScenes, makeTutorialLibrary } from '../helpers/posters';
import { tempDir } from '../helpers/temp';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let root: string;

before(async () => {
  root = path.join(tempDir(), 'leaky');
  await makeTutorialLibrary(root, { train: 16, val: 6, seed: 8 });
  await addLeakingScenes(root);
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function openReport(page: Page) {
  await page.getByTestId('library-more').click();
  await page.getByTestId('open-report').click();
  const leaks = page.getByTestId('import-report').getByTestId('split-leaks');
  await leaks.getByTestId('leak-pair').first().waitFor();
  return leaks;
}

for (const theme of ['light', 'dark'] as const) {
  test(`import report (${theme}): near-duplicates across train and val, kept on one side and put back`, async () => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: theme });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await page.goto(ctx.bridge.loginUrl);
    await page.getByTestId('library-path').fill(root);
    await page.getByTestId('library-open').click();
    await page.waitForFunction(() => /^\d+ posters/.test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''));
    await page.waitForFunction(() => !/Indexing/.test(document.querySelector('[data-testid=library-stats]')?.textContent ?? 'Indexing'));
    const csv = fs.readFileSync(path.join(root, 'val', 'metadata.csv'), 'utf8');

    let leaks = await openReport(page);
    const pairs = await leaks.getByTestId('leak-pair').allInnerTexts();
    assert.ok(
      pairs.some((t) => /train · scene-1[\s\S]*val · scene-1-reencoded/.test(t)),
      pairs.join(' | '),
    );
    assert.ok(!pairs.some((t) => /scene-[456]/.test(t)), 'distinct posters are not paired');
    await screenshot(page, `split-leaks-${theme}`);

    const keep = leaks.getByTestId('keep-on-one-side');
    const n = Number((await keep.innerText()).match(/\((\d+) val posters?/)![1]);
    assert.ok(n >= 2, await keep.innerText());
    await keep.click();
    const confirm = page.getByTestId('keep-confirm');
    await confirm.waitFor();
    assert.match(await confirm.innerText(), new RegExp(`Move ${n} val posters to train\\?[\\s\\S]*metadata\\.csv and image files are not changed`));
    await screenshot(page, `split-leaks-confirm-${theme}`);
    await page.getByTestId('keep-confirm-ok').click();
    await leaks.getByTestId('leak-undo').first().waitFor();
    assert.equal(await leaks.getByTestId('leak-undo').count(), await leaks.getByTestId('leak-pair').count(), 'every pair kept on train');
    assert.equal(await leaks.getByTestId('keep-on-one-side').count(), 0);
    assert.match(await leaks.innerText(), /All \d+ pairs are kept on the train side: their val posters count as train/);
    await screenshot(page, `split-leaks-kept-${theme}`);

    // Put every pair back (so the next theme starts as this one did); the files were never touched.
    while ((await leaks.getByTestId('leak-undo').count()) > 0) {
      const before = await leaks.getByTestId('leak-undo').count();
      await leaks.getByTestId('leak-undo').first().click();
      await page.waitForFunction((k) => document.querySelectorAll('[data-testid=split-leaks] [data-testid=leak-undo]').length < k, before);
    }
    assert.equal(fs.readFileSync(path.join(root, 'val', 'metadata.csv'), 'utf8'), csv);
    await page.keyboard.press('Escape');
    leaks = await openReport(page);
    assert.equal(await leaks.getByTestId('keep-on-one-side').count(), 1);
    assert.deepEqual(errors, []);
    await context.close();
  });
}
