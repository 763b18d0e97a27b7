// Run pages, QA round: no console warning when Overview is shown again after Evaluation or Export
// (uPlot of a destroyed chart); a cancelled run's Evaluation link says why there is nothing; delete and
// "Reset to the model's" ask in an in-app dialog (Escape closes it, the focus returns) naming what is
// lost; suggestion-only genres read as such and are never predicted tags in the poster grid.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchConsole } from '../helpers/browser';
import { makeTutorialLibrary } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { waitForJob, trainRun } from '../helpers/backend';
import { skipWithoutMobilenet as skip } from '../helpers/backbones';
import { createRun, setRunStatus } from '../../main/runs/runs-repo';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let libraryId: number;
let tinyLibraryId: number;
let linearRun: number;
let mlpRun: number;

const train = (library: number, head: 'default' | 'mlp' = 'default') => trainRun(ctx.backend, library, { head });

before(async () => {
  if (skip) return;
  const root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 50, val: 16, seed: 41 });
  const tiny = path.join(tempDir(), 'tiny');
  await makeTutorialLibrary(tiny, { train: 7, val: 1, seed: 9 });
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  for (const folder of [root, tiny]) {
    const { job, library } = (await ctx.backend.gate.invoke('library:open', { path: folder })) as { job: { id: string }; library: { id: number } };
    await waitForJob(ctx.backend, job.id);
    if (folder === root) libraryId = library.id;
    else tinyLibraryId = library.id;
  }
  linearRun = await train(libraryId);
  mlpRun = await train(libraryId, 'mlp');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function open(page: Page, hash: string) {
  if (!page.url().startsWith(new URL(ctx.bridge.loginUrl).origin)) {
    await page.goto(ctx.bridge.loginUrl);
    await page.getByTestId('theme-switch').waitFor();
  }
  await page.evaluate((h) => (location.hash = h), hash);
}

test('Overview ↔ Evaluation ↔ Export by tab, Back and URL: no console warning (derived_inert)', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const messages = watchConsole(page);
  for (const id of [mlpRun, linearRun]) {
    await open(page, `#/runs/${id}`);
    await page.getByTestId('chart-metrics').locator('.u-legend').waitFor();
    for (let round = 0; round < 2; round++) {
      await page.getByTestId('tab-evaluation').click();
      await page.getByTestId('evaluation').waitFor();
      await page.getByTestId('tab-overview').click();
      await page.getByTestId('chart-metrics').locator('.u-legend').waitFor();
      await page.getByTestId('tab-export').click();
      await page.getByTestId('run-export').waitFor();
      await page.getByTestId('tab-overview').click();
      await page.getByTestId('chart-loss').locator('canvas').waitFor();
    }
    await page.getByTestId('tab-evaluation').click();
    await page.getByTestId('evaluation').waitFor();
    await page.goBack();
    await page.getByTestId('chart-metrics').locator('canvas').waitFor();
    await page.goForward();
    await page.getByTestId('evaluation').waitFor();
    await page.evaluate((h) => (location.hash = h), `#/runs/${id}`);
    await page.getByTestId('chart-metrics').locator('canvas').waitFor();
    // Redraws after the swaps (resize, theme) must not reach a destroyed chart either.
    await page.setViewportSize({ width: 1100, height: 800 });
    await page.locator('[data-testid=theme-switch] [data-theme-choice=dark]').click();
    await page.waitForTimeout(300);
    await page.locator('[data-testid=theme-switch] [data-theme-choice=light]').click();
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.waitForTimeout(300);
  }
  // The MLP run marks its kept epoch, and the caption says what the dashed line is.
  await open(page, `#/runs/${mlpRun}`);
  assert.match((await page.getByTestId('chart-metrics-kept').textContent()) ?? '', /dashed line: the kept epoch \(\d+\)/);
  assert.deepEqual(messages, [], messages.join('\n'));
  await page.close();
});

test('a cancelled run: its Evaluation and Export links say there is nothing, not the Overview', { skip }, async () => {
  const run = createRun(ctx.backend.db, { libraryId, dataset: 'posters', backbone: 'mobilenet_v2', genres: ['Action'], config: { head: 'default' }, seed: 1 });
  setRunStatus(ctx.backend.db, run.id, 'cancelled', { error: 'Cancelled by the user' });
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  const messages = watchConsole(page);
  await open(page, `#/runs/${run.id}/evaluation`);
  const line = page.getByTestId('run-no-model');
  await line.waitFor();
  assert.match((await line.textContent()) ?? '', new RegExp(`Run #${run.id} was cancelled before it had a model: nothing to evaluate\\.`));
  assert.equal(await page.getByTestId('run-curves').count(), 0, 'not the Overview');
  await screenshot(page, 'run-cancelled-evaluation');
  await open(page, `#/runs/${run.id}/export`);
  await page.getByText(`Run #${run.id} was cancelled before it had a model: nothing to export.`).waitFor();
  await line.getByRole('link').click();
  await page.getByTestId('run-curves').waitFor();
  assert.deepEqual(messages, [], messages.join('\n'));
  await page.close();
});

test('"Reset to the model\'s" asks first, naming how many saved thresholds are forgotten; singular "1 genre differs"', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const messages = watchConsole(page);
  await open(page, `#/runs/${linearRun}/evaluation`);
  await page.getByTestId('evaluation').waitFor();
  const detail = (await ctx.backend.gate.invoke('runs:get', { id: linearRun })) as { genres: string[] };
  const [g1, g2] = detail.genres;
  await page.getByTestId(`threshold-${g1}`).fill('0.93');
  assert.match((await page.getByTestId('thresholds-unsaved').textContent()) ?? '', /\(1 genre differs from the model\)/);
  await page.getByTestId(`threshold-${g2}`).fill('0.91');
  assert.match((await page.getByTestId('thresholds-unsaved').textContent()) ?? '', /\(2 genres differ from the model\)/);
  await page.getByTestId('thresholds-save').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=thresholds-state]')?.getAttribute('data-saved') === '2');

  const reset = page.getByTestId('thresholds-reset');
  await reset.click();
  const dialog = page.getByTestId('thresholds-reset-confirm');
  await dialog.waitFor();
  assert.match((await dialog.textContent()) ?? '', new RegExp(`Forget the saved thresholds of 2 genres for run #${linearRun}\\?`));
  await screenshot(page, 'thresholds-reset-confirm');
  // Escape: nothing is forgotten, the focus is back on the button.
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await reset.evaluate((e) => e === document.activeElement), true);
  let saved = (await ctx.backend.gate.invoke('runs:get', { id: linearRun })) as { tagging: { overrides: (number | null)[] | null } };
  assert.equal(saved.tagging.overrides?.filter((t) => t !== null).length, 2, 'still saved');

  await reset.click();
  await page.getByTestId('thresholds-reset-confirm-ok').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=thresholds-state]')?.getAttribute('data-saved') === '0');
  saved = (await ctx.backend.gate.invoke('runs:get', { id: linearRun })) as { tagging: { overrides: (number | null)[] | null } };
  assert.equal(saved.tagging.overrides, null);
  assert.deepEqual(messages, [], messages.join('\n'));
  await page.close();
});

test('suggestion-only genres: greyed numbers, labelled slider, never a predicted tag in the poster grid', { skip }, async () => {
  const tinyRun = await train(tinyLibraryId);
  const detail = (await ctx.backend.gate.invoke('runs:get', { id: tinyRun })) as { genres: string[]; auto: boolean[] };
  const only = detail.genres.filter((_, j) => detail.auto[j] === false);
  assert.ok(only.length > 0, 'on 8 posters some genre is only suggested');
  for (const dark of [false, true]) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    await context.addInitScript((t) => localStorage.setItem('poster-tagger:theme', JSON.stringify(t)), dark ? 'dark' : 'light');
    const page = await context.newPage();
    const messages = watchConsole(page);
    await open(page, `#/runs/${tinyRun}/evaluation`);
    await page.getByTestId('evaluation').waitFor();
    for (const g of only) {
      const row = page.getByTestId(`eval-row-${g}`);
      assert.equal(await row.getAttribute('data-suggestion-only'), 'true');
      assert.equal(await page.getByTestId(`eval-suggestion-${g}`).textContent(), 'suggestion only — not tagged automatically');
      assert.match((await page.getByTestId(`threshold-${g}`).getAttribute('aria-label')) ?? '', /^Suggestion threshold for .* never tagged/);
      // Every slider of a suggestion-only genre at 0: still no predicted tag of it on any poster.
      await page.getByTestId(`threshold-${g}`).fill('0');
    }
    const predicted = await page.locator('[data-testid=eval-card] .tag.ok, [data-testid=eval-card] .tag.wrong').allTextContents();
    assert.deepEqual(
      predicted.filter((t) => only.includes(t)),
      [],
    );
    await screenshot(page, `evaluation-suggestion-only-${dark ? 'dark' : 'light'}`);
    assert.deepEqual(messages, [], messages.join('\n'));
    await context.close();
  }
});

test('deleting the ★ default run: an in-app dialog says it is the default and what takes over; Escape keeps it', { skip }, async () => {
  const doomed = await train(libraryId, 'mlp');
  await ctx.backend.gate.invoke('runs:prefer', { runId: doomed, preferred: true });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  const messages = watchConsole(page);
  page.on('dialog', (d) => {
    messages.push(`native dialog: ${d.message()}`);
    void d.dismiss();
  });
  await open(page, `#/runs/${doomed}`);
  await page.getByTestId('run-unprefer').waitFor();
  const del = page.getByTestId('run-delete');
  await del.click();
  const dialog = page.getByTestId('run-delete-confirm');
  await dialog.waitFor();
  const next = (await ctx.backend.gate.invoke('runs:default', { without: doomed })) as { runId: number };
  assert.match(
    (await page.getByTestId('run-delete-default').textContent())?.replace(/\s+/g, ' ') ?? '',
    new RegExp(`Run #${doomed} is the default model for Tag and Try it \\(marked by you\\)\\. After it is deleted they use run #${next.runId} \\(`),
  );
  assert.equal(await dialog.evaluate((e: HTMLDialogElement) => e.open && e.matches(':modal')), true, 'a modal <dialog>');
  await screenshot(page, 'run-delete-default-confirm');
  await page.keyboard.press('Escape');
  await dialog.waitFor({ state: 'detached' });
  assert.equal(await del.evaluate((e) => e === document.activeElement), true, 'the focus is back on Delete');
  assert.ok(await ctx.backend.gate.invoke('runs:get', { id: doomed }), 'not deleted');

  await del.click();
  await page.getByTestId('run-delete-confirm-ok').click();
  await page.getByText(`Deleted run #${doomed}.`).waitFor();
  await page.getByTestId('runs-table').waitFor();
  assert.match((await page.getByTestId('default-model').textContent()) ?? '', new RegExp(`run #${next.runId}`));
  assert.deepEqual(messages, [], messages.join('\n'));
  await page.close();
});
