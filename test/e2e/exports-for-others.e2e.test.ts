// Exports for other programs, as a user meets them: a run as a standalone ONNX model (Run page → Export),
// and the library's labels as Label Studio tasks, then a Label Studio export read back (Library → More).
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
let libraryId: number;
let out: string;

before(async () => {
  if (skip) return;
  const root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 30, val: 10, seed: 41 });
  out = tempDir();
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  const { job, library } = (await ctx.backend.gate.invoke('library:open', { path: root })) as { job: { id: string }; library: { id: number } };
  await waitForJob(ctx.backend, job.id);
  libraryId = library.id;
  runId = await trainRun(ctx.backend, library.id);
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function themedPage(dark: boolean): Promise<{ page: Page; errors: string[]; close: () => Promise<void> }> {
  const context = await browser.newContext({ viewport: { width: 1280, height: 860 } });
  await context.addInitScript((t) => localStorage.setItem('poster-tagger:theme', JSON.stringify(t)), dark ? 'dark' : 'light');
  const page = await context.newPage();
  const errors = watchPageErrors(page);
  page.on('console', (m) => m.type() === 'warning' && errors.push(`warning: ${m.text()}`));
  await page.goto(ctx.bridge.loginUrl);
  await page.getByTestId('theme-switch').waitFor();
  return { page, errors, close: () => context.close() };
}

test('Run → Export as ONNX: the note says what is inside; the file is written, then only replaced after "Replace <file>?"', { skip }, async () => {
  for (const dark of [false, true]) {
    const { page, errors, close } = await themedPage(dark);
    await page.evaluate((h) => (location.hash = h), `#/runs/${runId}/export`);
    await page.getByTestId('run-export').waitFor();
    // Light: the ONNX choice; dark: only a name ending in .onnx, which picks the format by itself.
    if (!dark) {
      await page.getByTestId('run-export-format-onnx').check();
      await page.getByTestId('run-export-onnx-note').waitFor();
      assert.match((await page.getByTestId('run-export-path').getAttribute('placeholder')) ?? '', /model\.onnx/);
    }
    const file = path.join(out, `model-${dark ? 'dark' : 'light'}.onnx`);
    await page.getByTestId('run-export-path').fill(file);
    await page.getByTestId('run-export-save').click();
    await page.getByTestId('run-export-onnx-note').waitFor();
    await page.getByText(`Saved run #${runId}'s model as ONNX to ${file}`).waitFor({ timeout: 60_000 });
    // The backbone is inside: MobileNetV2 is ~9 MB as float32, ~2.6 MB as int8 (the run's variant where the CPU has VNNI).
    assert.ok(fs.statSync(file).size > 2_000_000);
    await page.getByTestId('run-export-save').click();
    await page.getByTestId('run-export-confirm').waitFor();
    await screenshot(page, `run-export-onnx-${dark ? 'dark' : 'light'}`);
    await page.getByTestId('run-export-keep').click();
    assert.deepEqual(errors, []);
    await close();
  }
});

test('Library → Labels for other trainers: Label Studio tasks with the labeling config, and an export read back after a check', { skip }, async () => {
  for (const dark of [false, true]) {
    const { page, errors, close } = await themedPage(dark);
    await page.evaluate(() => (location.hash = '#/library'));
    await page.getByTestId('library-more').click();
    await page.getByTestId('open-dataset').click();
    const dialog = page.getByTestId('dataset-dialog');
    await dialog.waitFor();
    await page.getByTestId('dataset-label-studio').check();
    const file = path.join(out, `tasks-${dark ? 'dark' : 'light'}.json`);
    await page.getByTestId('dataset-target').fill(file);
    await page.getByTestId('dataset-export').click();
    await page.getByTestId('dataset-label-config').waitFor();
    assert.match((await page.getByTestId('dataset-label-config').textContent()) ?? '', /<Choices name="genre"/);
    const tasks = JSON.parse(fs.readFileSync(file, 'utf8')) as { annotations?: { result: object[] }[] }[];
    assert.equal(tasks.length, 40);

    // The same tasks with one poster relabelled (all five genres: no fixture poster has them), as if labelled in Label Studio.
    const all = { from_name: 'genre', to_name: 'image', type: 'choices', value: { choices: ['Action', 'Comedy', 'Drama', 'Horror', 'Romance'] } };
    tasks[0].annotations = [{ result: [all] }];
    const exported = path.join(out, `ls-export-${dark ? 'dark' : 'light'}.json`);
    fs.writeFileSync(exported, JSON.stringify(tasks));
    await page.getByTestId('dataset-import-file').fill(exported);
    await page.getByTestId('dataset-import-check').click();
    const plan = page.getByTestId('dataset-import-plan');
    await plan.waitFor();
    await screenshot(page, `dataset-dialog-${dark ? 'dark' : 'light'}`);
    const text = (await plan.textContent()) ?? '';
    if (!dark) {
      assert.match(text, /Would relabel 1 poster\(s\): 40 poster\(s\) matched/);
      await page.getByTestId('dataset-import-apply').click();
      await page.getByText(/Relabelled 1 poster/).waitFor();
    } else assert.match(text, /^Nothing to change: 40 poster\(s\) matched/);
    assert.deepEqual(errors, []);
    await close();
  }
  const { ids } = (await ctx.backend.gate.invoke('posters:ids', { libraryId })) as { ids: number[] };
  assert.equal(ids.length, 40);
});
