// The loop's last steps in the UI: train on several libraries from the Train form, see the new run against
// the model it would replace on the posters both held out, promote it and re-tag only what changed.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors } from '../helpers/browser';
import { FIXTURE_GENRES, makeTutorialLibrary, posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { trainRun, waitForJob } from '../helpers/backend';
import { skipWithoutMobilenet as skip } from '../helpers/backbones';
import type { JobSnapshot, TagSummary } from '../../contract';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let mainId: number;
let extraId: number;
let firstRun: number;
let newRun: number;
const invoke = <T>(name: string, input: unknown) => ctx.backend.gate.invoke(name, input) as Promise<T>;

before(async () => {
  if (skip) return;
  const root = tempDir();
  // 32 val posters: enough held-out posters (30) for the comparison to give numbers.
  await makeTutorialLibrary(path.join(root, 'Studio posters'), { train: 40, val: 32, seed: 3 });
  await makeTutorialLibrary(path.join(root, 'Festival posters'), { train: 18, val: 6, seed: 8 });
  const toTag = path.join(root, 'My collection');
  fs.mkdirSync(toTag);
  for (let i = 0; i < 16; i++) fs.writeFileSync(path.join(toTag, `p${i}.jpg`), await posterJpeg([FIXTURE_GENRES[i % 5]], 400 + i));
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  for (const name of ['Studio posters', 'Festival posters']) {
    const { library, job } = await invoke<{ library: { id: number }; job: { id: string } }>('library:open', { path: path.join(root, name) });
    await waitForJob(ctx.backend, job.id);
    if (name === 'Studio posters') mainId = library.id;
    else extraId = library.id;
  }
  firstRun = await trainRun(ctx.backend, mainId, { seed: 1 });
  const tag = await invoke<{ job: { id: string } }>('tag:start', { runId: firstRun, folders: [toTag] });
  assert.equal((await waitForJob(ctx.backend, tag.job.id)).status, 'done');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function openTrain(page: Page) {
  await page.addInitScript((id) => localStorage.setItem('poster-tagger:library', String(id)), mainId);
  await page.goto(ctx.bridge.loginUrl);
  await page.getByRole('button', { name: 'Train', exact: true }).first().click();
  await page.getByTestId('train-backbone').locator('option[value=mobilenet_v2]').waitFor({ state: 'attached' });
  await page.getByTestId('train-backbone').selectOption('mobilenet_v2');
  await page.getByTestId('train-library').selectOption(String(mainId));
}

test('Train form: also train on another library (remembered), then the run against the model it would replace', { skip }, async () => {
  for (const theme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ viewport: { width: 1280, height: 860 }, colorScheme: theme });
    const page = await context.newPage();
    const errors = watchPageErrors(page);
    await openTrain(page);
    const also = page.getByTestId(`train-also-${extraId}`);
    assert.equal(await page.getByTestId(`train-also-${mainId}`).count(), 0, 'the main library is not offered again');
    assert.match((await page.getByTestId('train-also').textContent()) ?? '', /Festival posters\s*\+24 labelled/);
    if (!(await also.isChecked())) await also.check();
    assert.match((await page.getByTestId('train-also-total').textContent()) ?? '', /2 libraries: up to 96 labelled posters/);
    await screenshot(page, `train-also-${theme}`);
    assert.deepEqual(errors, []);
    await context.close();
  }

  const page = await browser.newPage({ viewport: { width: 1280, height: 1000 } });
  const errors = watchPageErrors(page);
  await openTrain(page);
  await page.getByTestId(`train-also-${extraId}`).check();
  // Remembered like the other fields: a reload keeps it.
  await page.reload();
  await page.getByTestId('train-backbone').locator('option[value=mobilenet_v2]').waitFor({ state: 'attached' });
  assert.equal(await page.getByTestId(`train-also-${extraId}`).isChecked(), true);
  await page.getByTestId('train-start').click();
  await page.getByTestId('train-result').waitFor({ timeout: 180_000 });
  const runs = await invoke<{ id: number; dataset: string }[]>('runs:list', {});
  newRun = runs[0].id;
  assert.match(runs[0].dataset, /Studio posters \+ Festival posters/);
  const comparison = page.getByTestId('run-comparison');
  await comparison.getByTestId('comparison-map').waitFor();
  const text = (await comparison.textContent())?.replace(/\s+/g, ' ') ?? '';
  assert.match(text, new RegExp(`Run #${newRun} against run #${firstRun} — the model it would replace \\(latest finished run\\)`));
  // Studio's 32 val posters; Festival's were held out by the new run only.
  assert.match(text, /On the 32 posters both runs held out/);
  const c = await invoke<{ shared: number; run: { mAP: number }; against: { mAP: number } }>('runs:compare', { runId: newRun });
  assert.equal(c.shared, 32);
  assert.match((await comparison.getByTestId('comparison-map').textContent()) ?? '', new RegExp(`${(c.run.mAP * 100).toFixed(1)}%`));
  await comparison.scrollIntoViewIfNeeded();
  await screenshot(page, 'train-compared');
  assert.deepEqual(errors, []);
  await page.close();
});

test('Run page: compared on Overview; "Use as default" offers a re-tag that rewrites only what changed', { skip }, async () => {
  const dark = await browser.newContext({ viewport: { width: 1280, height: 900 }, colorScheme: 'dark' });
  const darkPage = await dark.newPage();
  await darkPage.goto(`${ctx.bridge.loginUrl}#/runs/${newRun}`);
  await darkPage.getByTestId('comparison-map').waitFor();
  await darkPage.getByTestId('run-comparison').scrollIntoViewIfNeeded();
  await screenshot(darkPage, 'run-compared-dark');
  await dark.close();

  const page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
  const errors = watchPageErrors(page);
  await page.goto(`${ctx.bridge.loginUrl}#/runs/${newRun}`);
  await page.getByTestId('comparison-map').waitFor();
  // Compare with the first run explicitly: the same shared posters, "chosen by you".
  await page.getByTestId('compare-select').selectOption(String(firstRun));
  await page.locator('[data-testid=run-comparison]', { hasText: 'chosen by you' }).waitFor();
  await page.getByTestId('run-prefer').click();
  const offer = page.getByTestId('retag-offer');
  await offer.waitFor();
  assert.match((await offer.textContent()) ?? '', new RegExp(`Posters tagged by run #${firstRun} keep those tags until they are re-tagged`));
  await screenshot(page, 'retag-offer-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'retag-offer-dark');
  await page.emulateMedia({ colorScheme: 'light' });
  await page.getByTestId('retag-start').click();
  const result = page.getByTestId('retag-result');
  await result.waitFor({ timeout: 120_000 });
  const job = (await invoke<JobSnapshot[]>('jobs:list', {})).find((j) => j.kind === 'tag' && j.title.startsWith('Re-tagging'))!;
  const summary = job.result as TagSummary;
  assert.equal(summary.tagged, 16);
  assert.equal(summary.retag?.fromRunId, firstRun);
  assert.match((await result.textContent()) ?? '', new RegExp(`${summary.retag!.changed} of 16 posters changed their tags with run #${newRun}`));
  await screenshot(page, 'retag-done-light');
  await page.emulateMedia({ colorScheme: 'dark' });
  await screenshot(page, 'retag-done-dark');
  // Review goes to the gallery showing the new run's tags.
  await page.getByTestId('retag-review').click();
  await page.getByTestId('gallery-summary').waitFor();
  assert.deepEqual(errors, []);
  await page.close();
});
