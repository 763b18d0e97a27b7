// The charts with real data (a generated library, two trained runs, a tagged folder), light and dark:
// each renders, clicking a histogram bar, a heatmap cell or a flagged genre filters the gallery to those
// posters, and a chart saves as a PNG. Screenshots are kept in test-results/screenshots for people to look at.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchConsole } from '../helpers/browser';
import { makeTutorialLibrary, posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { trainRun, waitForJob } from '../helpers/backend';
import { skipWithoutMobilenet as skip } from '../helpers/backbones';
import type { CallInput, CallName, CallOutput } from '../../contract';
import { projectRoot } from '../../main/core/project-root';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let libraryId: number;
let mineId: number;
let runId: number;
let secondRunId: number;

const shots = path.join(projectRoot(), 'test-results', 'screenshots');
const call = <K extends CallName>(name: K, input: CallInput<K>) => ctx.backend.gate.invoke(name, input) as Promise<CallOutput<K>>;

before(async () => {
  if (skip) return;
  const work = tempDir();
  const dataset = path.join(work, 'Movie posters');
  await makeTutorialLibrary(dataset, { train: 60, val: 20, seed: 41 });
  const mine = path.join(work, 'My posters');
  fs.mkdirSync(mine);
  // Mostly Horror: far more than its training share, so the distribution chart has something to flag.
  for (let i = 0; i < 12; i++) fs.writeFileSync(path.join(mine, `poster ${i}.jpg`), await posterJpeg(i < 9 ? ['Horror'] : ['Comedy'], 700 + i, 200, 300));
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  const opened = await call('library:open', { path: dataset });
  await waitForJob(ctx.backend, opened.job.id);
  libraryId = opened.library.id;
  runId = await trainRun(ctx.backend, libraryId, { head: 'default', seed: 1 });
  secondRunId = await trainRun(ctx.backend, libraryId, { head: 'mlp', seed: 2 });
  const tag = await call('tag:start', { runId, folders: [mine] });
  assert.equal((await waitForJob(ctx.backend, tag.job.id)).status, 'done');
  mineId = tag.libraryIds[0];
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function openApp(theme: 'light' | 'dark') {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 }, colorScheme: theme, acceptDownloads: true });
  const page = await context.newPage();
  const messages = watchConsole(page);
  await page.goto(ctx.bridge.loginUrl);
  await page.getByTestId('theme-switch').waitFor();
  return { context, page, messages };
}

const go = (page: Page, hash: string) => page.evaluate((h) => (location.hash = h), hash);

/** Clicks bar `k` of `count` in category `i` of a BarChart (the same geometry as grouped-bars.ts). */
async function clickBar(page: Page, testId: string, i: number, k: number, count: number) {
  const chart = page.getByTestId(testId);
  const over = chart.locator('.u-over');
  const box = (await over.boundingBox())!;
  const n = Number(await chart.getAttribute('data-categories'));
  const horizontal = (await chart.getAttribute('data-horizontal')) === 'true';
  const slot = (horizontal ? box.height : box.width) / n;
  const width = Math.min((slot * 0.8) / count, 36);
  const along = slot * (i + 0.5) - (width * count) / 2 + width * (k + 0.5);
  await over.click({ position: horizontal ? { x: 3, y: along } : { x: along, y: box.height - 3 } });
}

async function gallerySays(page: Page, n: number) {
  await page
    .getByTestId('gallery-summary')
    .filter({ hasText: new RegExp(`^\\s*${n} posters?\\s*$`) })
    .waitFor({ timeout: 10_000 });
}

for (const theme of ['light', 'dark'] as const) {
  test(`library charts (${theme}): histogram per split and co-occurrence heatmap; a bar and a cell filter the gallery`, { skip }, async () => {
    const { context, page, messages } = await openApp(theme);
    await go(page, '#/library');
    await page.getByTestId('poster-card').first().waitFor();
    if ((await page.getByTestId('toggle-charts').getAttribute('aria-pressed')) !== 'true') await page.getByTestId('toggle-charts').click();
    await page.getByTestId('chart-genre-histogram-bars').locator('canvas').waitFor();
    await page.getByTestId('heat-cell').first().waitFor();
    const info = await call('genres:list', { libraryId });
    const co = await call('genres:cooccurrence', { libraryId });
    assert.equal(await page.getByTestId('heat-cell').count(), co.genres.length ** 2);
    await page.waitForTimeout(200);
    await screenshot(page, `charts-library-${theme}`);

    // A heatmap cell: the posters labelled with both genres.
    const [a, b] = [0, 1];
    await page.locator(`[data-testid=heat-cell][data-row="${co.genres[a]}"][data-column="${co.genres[b]}"]`).click();
    await gallerySays(page, co.counts[a][b]);
    assert.ok(await page.getByTestId(`genre-filter-${co.genres[a]}`).isChecked());
    assert.ok(await page.getByTestId(`genre-filter-${co.genres[b]}`).isChecked());

    // The keyboard: the heatmap is one tab stop; from the cell clicked ([0, 1]) ↓ → → is [1, 3], Enter opens it.
    await page.getByTestId('chart-cooccurrence-map').focus();
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('ArrowRight');
    await page.keyboard.press('Enter');
    await gallerySays(page, co.counts[1][3]);
    assert.ok(await page.getByTestId(`genre-filter-${co.genres[1]}`).isChecked());
    assert.ok(await page.getByTestId(`genre-filter-${co.genres[3]}`).isChecked());

    // A histogram bar: one genre in one split (val is the second series).
    const g = info.genres[2];
    await clickBar(page, 'chart-genre-histogram-bars', 2, 1, 2);
    await gallerySays(page, g.bySplit.val);
    assert.equal(await page.getByTestId('filter-split').inputValue(), 'val');
    assert.ok(await page.getByTestId(`genre-filter-${g.name}`).isChecked());

    // Save as PNG: a real PNG picture arrives as a download named after the chart.
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-cooccurrence-png').click()]);
    assert.equal(download.suggestedFilename(), 'genres-that-come-together.png');
    const bytes = fs.readFileSync((await download.path())!);
    assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    assert.ok(bytes.readUInt32BE(16) > 200 && bytes.readUInt32BE(20) > 200, 'a picture of a real size');
    await download.saveAs(path.join(shots, `charts-png-cooccurrence-${theme}.png`)); // to look at
    assert.deepEqual(messages, [], messages.join('\n'));
    await context.close();
  });

  test(`evaluation charts (${theme}): PR curve with the operating points, reliability plot, PNG`, { skip }, async () => {
    const { context, page, messages } = await openApp(theme);
    await go(page, `#/runs/${runId}/evaluation`);
    await page.getByTestId('chart-pr-plot').locator('canvas').waitFor();
    await page.getByTestId('chart-calibration-plot').locator('canvas').waitFor();
    const first = await page.getByTestId('chart-pr-genre').inputValue();
    assert.equal(await page.getByTestId('chart-pr-plot').getAttribute('data-markers'), '1');
    // Moving another genre's slider shows that genre's curve, with the point the slider moves it to.
    const genre = (await page.getByTestId('chart-pr-genre').locator('option').allTextContents()).find((g) => g !== first)!;
    await page.getByTestId(`threshold-${genre}`).fill('0.9');
    assert.equal(await page.getByTestId('chart-pr-genre').inputValue(), genre);
    await page.locator('[data-testid=chart-pr-plot][data-markers="2"]').waitFor();
    assert.match(await page.getByTestId('chart-pr-points').innerText(), /Slider's threshold 0\.90: precision .*, recall/);
    assert.ok(Number(await page.getByTestId('chart-calibration-plot').getAttribute('data-points')) >= 2);
    await page.waitForTimeout(200);
    await page.getByTestId('chart-pr').scrollIntoViewIfNeeded();
    await screenshot(page, `charts-evaluation-${theme}`);
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByTestId('chart-pr-png').click()]);
    assert.match(download.suggestedFilename(), /^precision-recall-.+-run-\d+\.png$/);
    await download.saveAs(path.join(shots, `charts-png-pr-${theme}.png`));
    assert.deepEqual(messages, [], messages.join('\n'));
    await context.close();
  });

  test(`runs compare (${theme}): per-genre AP of both runs as paired bars`, { skip }, async () => {
    const { context, page, messages } = await openApp(theme);
    await go(page, `#/runs/${runId}`);
    await page.getByTestId('compare-select').selectOption({ label: `#${secondRunId} mobilenet_v2 mlp` });
    await page.getByTestId('chart-ap-compare-bars').locator('canvas').waitFor();
    const bars = page.getByTestId('chart-ap-compare-bars');
    assert.equal(await bars.getAttribute('data-series'), '2');
    assert.equal(await bars.getAttribute('data-categories'), '5');
    await page.getByTestId('chart-ap-compare').scrollIntoViewIfNeeded();
    await page.waitForTimeout(200);
    await screenshot(page, `charts-runs-compare-${theme}`);
    assert.deepEqual(messages, [], messages.join('\n'));
    await context.close();
  });

  test(`tag distribution (${theme}): tagged vs training share, flags, a click through to those posters`, { skip }, async () => {
    const { context, page, messages } = await openApp(theme);
    await go(page, '#/tag');
    await page.getByTestId('chart-tag-distribution-bars').locator('canvas').waitFor();
    const d = await call('tag:distribution', { runId, libraryIds: [mineId] });
    assert.equal(d.posters, 12);
    const flagged = d.genres.filter((g) => g.flag);
    assert.equal(await page.getByTestId('tag-flag').count(), flagged.length);
    await page.getByTestId('chart-tag-distribution').scrollIntoViewIfNeeded();
    await page.waitForTimeout(200);
    await screenshot(page, `charts-tag-distribution-${theme}`);
    // The most tagged genre is the first bar: it opens the gallery on the posters tagged with it.
    const first = [...d.genres].sort((x, y) => y.taggedShare - x.taggedShare || x.genre.localeCompare(y.genre))[0];
    await clickBar(page, 'chart-tag-distribution-bars', 0, 0, 2);
    await page.getByTestId('filter-predicted-genre').waitFor();
    assert.equal(await page.getByTestId('filter-predicted-genre').inputValue(), first.genre);
    await gallerySays(page, first.tagged);
    assert.deepEqual(messages, [], messages.join('\n'));
    await context.close();
  });
}

test('many genres: the histogram turns horizontal and a bar still filters the gallery', { skip }, async () => {
  const root = path.join(tempDir(), 'Ten genres');
  const genres = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Western', 'War', 'Sport', 'Music', 'Family'];
  await makeTutorialLibrary(root, { train: 30, val: 10, seed: 5, genres });
  const opened = await call('library:open', { path: root });
  await waitForJob(ctx.backend, opened.job.id);
  const { context, page, messages } = await openApp('light');
  await go(page, '#/library');
  await page.getByTestId('library-select').selectOption(String(opened.library.id));
  await page.getByTestId('poster-card').first().waitFor();
  if ((await page.getByTestId('toggle-charts').getAttribute('aria-pressed')) !== 'true') await page.getByTestId('toggle-charts').click();
  const bars = page.getByTestId('chart-genre-histogram-bars');
  await bars.locator('canvas').waitFor();
  assert.equal(await bars.getAttribute('data-horizontal'), 'true');
  const info = await call('genres:list', { libraryId: opened.library.id });
  const g = info.genres.find((x) => x.name === 'Western')!;
  await clickBar(page, 'chart-genre-histogram-bars', info.genres.indexOf(g), 0, 2);
  await gallerySays(page, g.bySplit.train);
  assert.equal(await page.getByTestId('filter-split').inputValue(), 'train');
  await screenshot(page, 'charts-library-many-genres-light');
  assert.deepEqual(messages, [], messages.join('\n'));
  await context.close();
});
