import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors } from '../helpers/browser';
import { makeTutorialLibrary, posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { waitForJob } from '../helpers/backend';
import { availableBackbones } from '../../main/ml/backbones/registry';

const skip = availableBackbones().some((b) => b.id === 'mobilenet_v2' && b.installed) ? undefined : 'mobilenet_v2 is not installed (run npm run postinstall)';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let folder: string;

before(async () => {
  if (skip) return;
  const work = tempDir();
  await makeTutorialLibrary(path.join(work, 'dataset'), { train: 60, val: 20, seed: 11 });
  // "My posters": unlabelled, in nested folders, one with an awkward name.
  folder = path.join(work, 'My posters, "2026"');
  fs.mkdirSync(path.join(folder, 'sub'), { recursive: true });
  const looks: string[][] = [['Action'], ['Comedy'], ['Horror', 'Drama'], ['Romance'], ['Action', 'Comedy'], ['Drama']];
  for (const [i, genres] of looks.entries()) fs.writeFileSync(path.join(folder, i % 2 ? 'sub' : '', `poster ${i}.jpg`), await posterJpeg(genres, 500 + i));
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  const gate = ctx.backend.gate;
  const { job } = (await gate.invoke('library:open', { path: path.join(work, 'dataset') })) as { job: { id: string } };
  await waitForJob(ctx.backend, job.id);
  const lib = (await gate.invoke('library:list', {})) as { id: number }[];
  const train = (await gate.invoke('train:start', { libraryId: lib[0].id, backbone: 'mobilenet_v2', epochs: 15 })) as { job: { id: string } };
  assert.equal((await waitForJob(ctx.backend, train.job.id)).status, 'done');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

test('tag a folder of my own posters, review the predictions in the gallery and accept one', { skip }, async () => {
  const page = await browser.newPage({ viewport: { width: 1400, height: 950 } });
  const errors = watchPageErrors(page);
  await page.goto(ctx.bridge.loginUrl);
  await page.getByRole('button', { name: 'Tag', exact: true }).click();
  await page.getByTestId('tag-folders').fill(folder);
  await page.getByTestId('tag-start').click();
  const summary = page.getByTestId('tag-summary');
  await summary.waitFor({ timeout: 120_000 });
  assert.match((await summary.textContent()) ?? '', /Tagged 6 posters/);
  await page.getByTestId('export-format').selectOption('csv');
  await page.getByTestId('export-run').click();
  await page.getByTestId('export-result').waitFor();
  await screenshot(page, 'tag-summary');

  await page.getByTestId('tag-review').first().click();
  await page.getByTestId('poster-card').first().waitFor();
  await page.waitForFunction(() => /^6 posters/.test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''));
  // Predicted tags are on the cards, distinct from labels (there are none yet).
  await page.getByTestId('predicted-tag').first().waitFor();
  await screenshot(page, 'gallery-predictions');

  const card = page.getByTestId('poster-card').first();
  const posterId = await card.getAttribute('data-poster-id');
  await card.click();
  await page.getByTestId('detail-predictions').waitFor();
  await page.getByTestId('accept-all').click();
  // The accepted tags are now labels of that poster, saved in the database.
  await page.waitForFunction(() => document.querySelectorAll('[data-testid^=label-toggle-][aria-pressed=true]').length > 0);
  const labelled = (await ctx.backend.gate.invoke('posters:query', { libraryId: 2, labelled: true })) as { items: { posterId: string; genres: string[] }[] };
  assert.equal(labelled.items.length, 1);
  assert.equal(labelled.items[0].posterId, posterId);
  assert.ok(labelled.items[0].genres.length > 0);
  assert.deepEqual(errors, []);
  await page.close();
});
