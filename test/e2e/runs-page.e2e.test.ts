// The Runs list and a run's own page: reachable by URL and from the table, tabs in the address, one
// scroll area, live evaluation totals, model export that never replaces a file unasked, a missing run,
// delete and import without reused ids, chart legends at rest, dark mode.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors } from '../helpers/browser';
import { makeTutorialLibrary } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { waitForJob, trainRun } from '../helpers/backend';
import { skipWithoutMobilenet as skip } from '../helpers/backbones';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let runId: number;
let secondRunId: number;
let out: string;

const train = (libraryId: number, head: 'default' | 'mlp' = 'default', seed = 1) => trainRun(ctx.backend, libraryId, { head, seed });

before(async () => {
  if (skip) return;
  const root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 60, val: 20, seed: 31 });
  out = tempDir();
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  const { job, library } = (await ctx.backend.gate.invoke('library:open', { path: root })) as { job: { id: string }; library: { id: number } };
  await waitForJob(ctx.backend, job.id);
  runId = await train(library.id);
  secondRunId = await train(library.id, 'mlp');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

/** Console errors and warnings, and uncaught exceptions. */
function watch(page: Page) {
  const errors = watchPageErrors(page);
  page.on('console', (m) => m.type() === 'warning' && errors.push(`warning: ${m.text()}`));
  return errors;
}

async function open(page: Page, hash: string) {
  if (!page.url().startsWith(new URL(ctx.bridge.loginUrl).origin)) {
    await page.goto(ctx.bridge.loginUrl);
    await page.getByTestId('theme-switch').waitFor();
  }
  await page.evaluate((h) => (location.hash = h), hash);
}

/** Elements inside the view that scroll on their own (the view's <main> is the one scroll area). */
async function innerScrollers(page: Page) {
  return page.evaluate(() => {
    const main = Array.from(document.querySelectorAll('main')).find((m) => getComputedStyle(m).display !== 'none')!;
    return Array.from(main.querySelectorAll('*'))
      .filter((e) => {
        const s = getComputedStyle(e);
        // No helper functions in here: the test's transpiler would wrap them in a helper the page lacks.
        const y = (s.overflowY === 'auto' || s.overflowY === 'scroll') && e.scrollHeight > e.clientHeight + 1;
        const x = (s.overflowX === 'auto' || s.overflowX === 'scroll') && e.scrollWidth > e.clientWidth + 1;
        return x || y;
      })
      .map((e) => `${e.tagName.toLowerCase()}.${Array.from(e.classList).join('.')}`);
  });
}

test('the run page: from the table and by URL, tabs in the address, back link, one scroll area, legends at rest', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  const errors = watch(page);
  await open(page, '#/runs');
  const row = page.locator(`[data-testid=run-row][data-run-id="${runId}"]`);
  await row.waitFor();
  assert.equal(await page.getByTestId('run-detail').count(), 0, 'the list has no run details under it');
  assert.deepEqual(await innerScrollers(page), []);
  await screenshot(page, 'runs-list-1024');

  await row.getByTestId('run-open').click();
  await page.getByTestId('run-detail').waitFor();
  assert.equal(new URL(page.url()).hash, `#/runs/${runId}`);
  assert.equal(await page.getByTestId('runs-table').count(), 0, 'the run page is on its own');
  await page.getByTestId('chart-metrics').locator('.u-legend').waitFor();
  // At rest the legends show the final values, not uPlot's "--".
  const legend = await page.getByTestId('chart-metrics').locator('.u-legend .u-value').allTextContents();
  assert.ok(legend.length >= 4 && legend.every((v) => v !== '--' && v.trim() !== ''), legend.join(' | '));
  assert.ok(
    legend.slice(1).every((v) => /^\d\.\d{3}$/.test(v)),
    legend.join(' | '),
  );
  assert.deepEqual(await innerScrollers(page), []);
  await screenshot(page, 'run-overview-1024');

  await page.getByTestId('tab-evaluation').click();
  await page.getByTestId('evaluation').waitFor();
  assert.equal(new URL(page.url()).hash, `#/runs/${runId}/evaluation`);
  assert.deepEqual(await innerScrollers(page), []);
  await page.getByTestId('tab-export').click();
  await page.getByTestId('run-export').waitFor();
  assert.equal(new URL(page.url()).hash, `#/runs/${runId}/export`);

  // Reloading keeps the tab; Back goes to the previous tab.
  await page.reload();
  await page.getByTestId('run-export').waitFor();
  await page.goBack();
  await page.getByTestId('evaluation').waitFor();
  await page.getByTestId('runs-back').click();
  await page.getByTestId('runs-table').waitFor();
  assert.equal(new URL(page.url()).hash, '#/runs');

  // Compare with another run: its curves are drawn dashed, the summary has both columns.
  await page.locator(`[data-testid=run-row][data-run-id="${runId}"]`).getByTestId('run-open').click();
  await page.getByTestId('compare-select').selectOption({ label: `#${secondRunId} mobilenet_v2 mlp` });
  await page.getByTestId('run-summary').locator(`th:has-text("Run #${secondRunId}")`).waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('evaluation: the totals follow the sliders on the posters shown; threshold values are not cut off at 1024×700', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  const errors = watch(page);
  await open(page, `#/runs/${runId}/evaluation`);
  await page.getByTestId('evaluation').waitFor();
  const detail = (await ctx.backend.gate.invoke('runs:get', { id: runId })) as {
    metrics: { microF1: number; macroF1: number };
    genres: string[];
    auto: boolean[];
  };
  const total = (key: string) => page.getByTestId(`eval-total-${key}`).textContent();
  // At the model's thresholds the view's totals are the run's own numbers.
  assert.equal(await total('micro-f1'), `${(detail.metrics.microF1 * 100).toFixed(1)}%`);
  assert.equal(await total('macro-f1'), `${(detail.metrics.macroF1 * 100).toFixed(1)}%`);

  // Every threshold at 0: every automatic genre is tagged on every poster, recall is 100%.
  for (const g of detail.genres) await page.getByTestId(`threshold-${g}`).fill('0');
  const autoCount = detail.genres.filter((_, j) => detail.auto?.[j] !== false).length;
  await page.waitForFunction((k) => document.querySelector('[data-testid=eval-total-tags]')?.textContent === k.toFixed(2), autoCount);
  assert.notEqual(await total('micro-f1'), `${(detail.metrics.microF1 * 100).toFixed(1)}%`);
  if (autoCount === detail.genres.length) assert.equal(await total('recall'), '100.0%');
  await page.getByTestId('thresholds-unsaved').waitFor();

  // The threshold values are fully visible: inside the window and not clipped by their cell.
  for (const g of detail.genres) {
    const value = page.getByTestId(`threshold-value-${g}`);
    const box = await value.boundingBox();
    assert.ok(box && box.x + box.width <= 1024, `${g}'s threshold value ends at ${box && box.x + box.width}px`);
    assert.equal(await value.evaluate((e) => e.scrollWidth <= e.clientWidth + 1), true);
    assert.equal(await value.textContent(), '0.00');
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `${overflow}px wider than the window`);
  await screenshot(page, 'run-evaluation-1024');

  // Reset brings the run's numbers back.
  await page.getByTestId('thresholds-reset').click();
  await page.waitForFunction(
    (v) => document.querySelector('[data-testid=eval-total-micro-f1]')?.textContent === v,
    `${(detail.metrics.microF1 * 100).toFixed(1)}%`,
  );
  assert.deepEqual(errors, []);
  await page.close();
});

test('export: an existing file is only replaced after "Replace <file>?"; the new file is written at once', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = watch(page);
  await open(page, `#/runs/${runId}/export`);
  await page.getByTestId('run-export').waitFor();
  const file = path.join(out, 'model.ptmodel');

  await page.getByTestId('run-export-path').fill(file);
  await page.getByTestId('run-export-save').click();
  await page.getByText(`Saved run #${runId}'s model to ${file}`).waitFor();
  assert.ok(fs.statSync(file).size > 0);

  fs.writeFileSync(file, 'mine');
  await page.getByTestId('run-export-save').click();
  const confirm = page.getByTestId('run-export-confirm');
  await confirm.waitFor();
  assert.match((await confirm.textContent()) ?? '', new RegExp(`Replace ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\?`));
  assert.equal(fs.readFileSync(file, 'utf8'), 'mine', 'nothing replaced before the answer');
  await screenshot(page, 'run-export-confirm');
  await page.getByTestId('run-export-keep').click();
  assert.equal(await confirm.count(), 0);
  assert.equal(fs.readFileSync(file, 'utf8'), 'mine');

  await page.getByTestId('run-export-save').click();
  await page.getByTestId('run-export-replace').click();
  await page.waitForFunction(() => !document.querySelector('[data-testid=run-export-confirm]'));
  await page.getByText(`Saved run #${runId}'s model to ${file}`).first().waitFor();
  assert.notEqual(fs.readFileSync(file, 'utf8'), 'mine');
  assert.deepEqual(errors, []);
  await page.close();
});

test('a run that does not exist says so, with a link back, and no console error', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  const errors = watch(page);
  await open(page, '#/runs/9999/evaluation');
  const missing = page.getByTestId('run-missing');
  await missing.waitFor();
  assert.match((await missing.textContent()) ?? '', /Run #9999 does not exist \(deleted\?\)/);
  await missing.getByRole('link', { name: 'Back to all runs' }).click();
  await page.getByTestId('runs-table').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});

test('delete a run, import a model: the import gets a new id, never the deleted one; use as default', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = watch(page);
  const file = path.join(out, 'for-import.ptmodel');
  // An MLP with another seed: the default head on the same posters fits the very same model as run #runId
  // (its import would be refused as a duplicate).
  const doomed = await train(((await ctx.backend.gate.invoke('library:list', {})) as { id: number }[])[0].id, 'mlp', 7);
  // The deleted run's model, exported first: imported again it is a new run (the same model as a run that
  // still exists would be refused as a duplicate).
  await ctx.backend.gate.invoke('runs:export', { id: doomed, file });

  await open(page, `#/runs/${doomed}`);
  await page.getByTestId('run-detail').waitFor();
  await page.getByTestId('run-delete').click();
  await page.getByTestId('run-delete-confirm-ok').click();
  await page.getByTestId('runs-table').waitFor();
  await page.getByText(`Deleted run #${doomed}.`).waitFor();
  assert.equal(await page.locator(`[data-testid=run-row][data-run-id="${doomed}"]`).count(), 0);

  await page.getByTestId('import-path').fill(file);
  await page.getByTestId('import-model').click();
  // The import's own toast (the delete's may still be on screen under load).
  const toast = page.locator('[data-testid=toast]').filter({ hasText: /Imported as run #(\d+)/ });
  await toast.waitFor();
  const imported = Number((await toast.textContent())?.match(/#(\d+)/)?.[1]);
  assert.ok(imported > doomed, `imported as #${imported}, after the deleted #${doomed}`);

  await page.locator(`[data-testid=run-row][data-run-id="${imported}"]`).getByTestId('run-open').click();
  await page.getByTestId('run-prefer').click();
  await page.getByTestId('run-unprefer').waitFor();
  await page.getByTestId('runs-back').click();
  await page.locator(`[data-testid=run-row][data-run-id="${imported}"][data-preferred=true]`).getByTestId('run-default-marker').waitFor();
  assert.match((await page.getByTestId('default-model').textContent()) ?? '', new RegExp(`run #${imported}`));
  assert.deepEqual(errors, []);
  await page.close();
});

test('screenshots: run pages at 1440×900 and 1024×700, light and dark (charts use the theme)', { skip }, async () => {
  for (const dark of [false, true]) {
    for (const [w, h] of [
      [1440, 900],
      [1024, 700],
    ]) {
      const context = await browser.newContext({ viewport: { width: w, height: h } });
      await context.addInitScript((t) => localStorage.setItem('poster-tagger:theme', JSON.stringify(t)), dark ? 'dark' : 'light');
      const page = await context.newPage();
      const errors = watch(page);
      const name = `${w}x${h}-${dark ? 'dark' : 'light'}`;
      for (const [hash, ready, shot] of [
        ['#/runs', 'runs-table', 'runs-list'],
        [`#/runs/${runId}`, 'chart-metrics', 'run-overview'],
        [`#/runs/${runId}/evaluation`, 'evaluation', 'run-evaluation'],
        [`#/runs/${runId}/export`, 'run-export', 'run-export'],
        ['#/train', 'train-start', 'train'],
      ] as const) {
        await open(page, hash);
        await page.getByTestId(ready).waitFor();
        await page.waitForTimeout(200);
        await screenshot(page, `${shot}-${name}`);
      }
      // The canvas is drawn in the theme's colours: the axis labels are not the light theme's grey on a dark panel.
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), dark ? 'dark' : 'light');
      assert.deepEqual(errors, []);
      await context.close();
    }
  }
});
