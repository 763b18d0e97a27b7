import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors } from '../helpers/browser';
import { makeTutorialLibrary } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { waitForJob } from '../helpers/backend';
import { availableBackbones } from '../../main/ml/backbones/registry';

const skip = availableBackbones().some((b) => b.id === 'mobilenet_v2' && b.installed) ? undefined : 'mobilenet_v2 is not installed (run npm run postinstall)';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let root: string;

before(async () => {
  if (skip) return;
  root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 60, val: 20, seed: 5 });
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  const { job } = (await ctx.backend.gate.invoke('library:open', { path: root })) as { job: { id: string } };
  await waitForJob(ctx.backend, job.id);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function openTrain(page: Page) {
  await page.goto(ctx.bridge.loginUrl);
  await page.getByRole('button', { name: 'Train', exact: true }).first().click();
  await page.getByTestId('train-backbone').locator('option[value=mobilenet_v2]').waitFor({ state: 'attached' });
  await page.getByTestId('train-backbone').selectOption('mobilenet_v2');
}

test('train a small run: curves grow epoch by epoch, the run is done in the history, thresholds move live', { skip }, async () => {
  const K = 8;
  const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  const errors = watchPageErrors(page);
  await openTrain(page);
  await page.getByTestId('train-epochs').fill(String(K));
  await page.getByTestId('train-start').click();

  // The loss chart gains a point per epoch, up to K.
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-loss]')?.getAttribute('data-points')) >= 2);
  await page.waitForFunction((k) => Number(document.querySelector('[data-testid=chart-loss]')?.getAttribute('data-points')) === k, K, { timeout: 120_000 });
  await page.getByTestId('train-result').waitFor({ timeout: 60_000 });

  // History: the run is there, done.
  await page.getByRole('button', { name: 'Runs' }).click();
  const row = page.locator('[data-testid=run-row][data-status=done]').first();
  await row.waitFor();
  await row.getByTestId('run-open').click();
  await page.getByTestId('run-summary').waitFor();
  await page.getByTestId('tab-evaluation').click();
  await page.getByTestId('evaluation').waitFor();

  // Moving a threshold to 0 makes that genre's recall 100%.
  const genre = 'Drama';
  const recall = page.getByTestId(`eval-recall-${genre}`);
  await page.getByTestId(`threshold-${genre}`).fill('0');
  await page.waitForFunction((g) => document.querySelector(`[data-testid=eval-recall-${g}]`)?.textContent === '100.0%', genre);
  assert.equal(await recall.textContent(), '100.0%');
  await page.getByTestId(`threshold-${genre}`).fill('1');
  await page.waitForFunction((g) => document.querySelector(`[data-testid=eval-recall-${g}]`)?.textContent !== '100.0%', genre);
  await page.getByTestId('eval-error-filter').selectOption('mistakes');
  await screenshot(page, 'evaluation');
  assert.deepEqual(errors, []);
  await page.close();
});

test('cancel a run from the train panel and see it marked cancelled', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
  await openTrain(page);
  await page.getByTestId('train-epochs').fill('500');
  await page.getByTestId('train-early-stopping').uncheck();
  await page.getByTestId('train-start').click();
  await page.waitForFunction(() => Number(document.querySelector('[data-testid=chart-loss]')?.getAttribute('data-points')) >= 3, undefined, { timeout: 60_000 });
  await screenshot(page, 'train-mid-run');
  await page.getByTestId('train-cancel').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=live-status]')?.textContent === 'cancelled', undefined, { timeout: 5_000 }).catch(async (e) => { throw new Error(`status stayed "${await page.getByTestId('live-status').textContent()}": ${e.message}`); });
  await page.getByRole('button', { name: 'Runs' }).click();
  await page.locator('[data-testid=run-row][data-status=cancelled]').first().waitFor();
  await page.close();
});
