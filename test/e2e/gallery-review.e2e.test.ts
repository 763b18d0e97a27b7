import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors } from '../helpers/browser';
import { posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { trainTinyModel, waitForJob } from '../helpers/backend';
import { skipWithoutMobilenet as skip } from '../helpers/backbones';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let runId: number;
let mineId: number;
let mine: string;

type State = { id: number; labelsSource: string | null; labels: { genre: string; source: string }[] };
const invoke = <T>(name: string, input: unknown) => ctx.backend.gate.invoke(name, input) as Promise<T>;

before(async () => {
  if (skip) return;
  const work = tempDir();
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  ({ runId } = await trainTinyModel(ctx.backend, path.join(work, 'dataset'), { train: 40, val: 12 }));
  // My own posters: unlabelled, and not tagged by the model yet.
  mine = path.join(work, 'mine');
  fs.mkdirSync(mine);
  const looks = [['Action'], ['Comedy'], ['Horror', 'Drama'], ['Romance'], ['Action', 'Comedy'], ['Drama']];
  for (const [i, g] of looks.entries()) fs.writeFileSync(path.join(mine, `poster ${i}.jpg`), await posterJpeg(g, 700 + i));
  const { library, job } = await invoke<{ library: { id: number }; job: { id: string } }>('library:open', { path: mine });
  await waitForJob(ctx.backend, job.id);
  mineId = library.id;
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

test(
  'predictions of a model that has not tagged the folder say so; the choice is remembered; bulk accept of all filtered undoes exactly',
  { skip },
  async () => {
    const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
    const errors = watchPageErrors(page);
    await page.addInitScript((id) => localStorage.setItem('poster-tagger:library', String(id)), mineId);
    await page.goto(ctx.bridge.loginUrl);
    await page.waitForFunction(() => /^6 posters/.test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''));

    await page.getByTestId('filter-run').selectOption(String(runId));
    const notice = page.getByTestId('run-not-tagged');
    await notice.waitFor();
    assert.match((await notice.textContent()) ?? '', new RegExp(`Run #${runId} has not tagged this library yet`));
    await screenshot(page, 'gallery-run-not-tagged');
    await page.getByTestId('go-tag').click();
    await page.waitForFunction(() => location.hash === '#/tag');

    // Tagged (as the Tag view would): the notice goes, and the choice survives a reload.
    const tag = await invoke<{ job: { id: string } }>('tag:start', { runId, folders: [mine] });
    assert.equal((await waitForJob(ctx.backend, tag.job.id)).status, 'done');
    await page.goto(`${ctx.bridge.loginUrl}#/library`);
    await page.getByTestId('predicted-tag').first().waitFor();
    assert.equal(await page.getByTestId('filter-run').inputValue(), String(runId), 'the model choice is remembered for this library');
    assert.equal(await notice.count(), 0);

    // Select all (Ctrl+A) and accept: every poster's labels change; Ctrl+Z puts back exactly what was there.
    const ids = (await invoke<{ ids: number[] }>('posters:ids', { libraryId: mineId })).ids;
    const before = await invoke<State[]>('posters:labelStates', { ids });
    assert.ok(before.every((s) => s.labelsSource === null && s.labels.length === 0));
    await page.getByTestId('gallery-grid').focus();
    await page.keyboard.press('Control+a');
    assert.equal(await page.getByTestId('bulk-count').textContent(), '6 posters selected');
    await page.getByTestId('bulk-accept').click();
    await page.locator('[data-testid=toast][data-kind=success]', { hasText: 'Accepted predicted tags of' }).waitFor();
    const accepted = await invoke<State[]>('posters:labelStates', { ids });
    assert.ok(
      accepted.some((s) => s.labels.length > 0),
      'some labels were added',
    );
    await screenshot(page, 'gallery-bulk-accepted');
    assert.match((await page.getByTestId('undo').getAttribute('title')) ?? '', /Undo: Accepted predicted tags of 6 posters/);
    await page.keyboard.press('Control+z');
    await page.locator('[data-testid=toast]', { hasText: 'Undid: Accepted predicted tags of 6 posters' }).waitFor();
    assert.deepEqual(await invoke<State[]>('posters:labelStates', { ids }), before, 'undo restores every poster exactly (unlabelled again)');
    await page.getByTestId('redo').click();
    await page.locator('[data-testid=toast]', { hasText: 'Redid: Accepted predicted tags of 6 posters' }).waitFor();
    assert.deepEqual(await invoke<State[]>('posters:labelStates', { ids }), accepted);
    await page.keyboard.press('Control+z');
    await page.locator('[data-testid=toast]', { hasText: 'Undid: Accepted' }).nth(0).waitFor();
    await page.waitForFunction(() => document.querySelector('[data-testid=redo]')?.hasAttribute('disabled') === false);
    assert.deepEqual(await invoke<State[]>('posters:labelStates', { ids }), before);

    // Reject in the detail panel, then undo it: the tag is back.
    await page.getByTestId('poster-card').first().click();
    await page.getByTestId('detail-predictions').waitFor();
    const reject = page.locator('[data-testid^=reject-]').first();
    const genre = ((await reject.getAttribute('data-testid')) ?? '').replace('reject-', '');
    await reject.click();
    await page.waitForFunction((g) => document.querySelector(`[data-testid=detail-prediction][data-genre="${g}"]`)?.classList.contains('rejected'), genre);
    await page.keyboard.press('Control+z');
    await page.waitForFunction((g) => document.querySelector(`[data-testid=reject-${g}]`) !== null, genre);
    await screenshot(page, 'gallery-review-detail');
    assert.deepEqual(errors, []);
    await page.close();
  },
);
