// Opens every view at a desktop and a small laptop size, light and dark, with real data behind it
// (a generated library, a trained run, a tagged folder). Saves a screenshot of each for people to look
// at, and fails on any console warning, console error or uncaught exception.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchConsole } from '../helpers/browser';
import { makeTutorialLibrary, posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { waitForJob } from '../helpers/backend';
import { skipWithoutMobilenet as skip } from '../helpers/backbones';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let runId: number;
let mine: string;

before(async () => {
  if (skip) return;
  const work = tempDir();
  const dataset = path.join(work, 'Movie posters');
  await makeTutorialLibrary(dataset, { train: 60, val: 20, seed: 21 });
  mine = path.join(work, 'My posters');
  fs.mkdirSync(mine);
  for (const [i, genres] of [['Action'], ['Comedy', 'Romance'], ['Horror'], ['Drama', 'Romance']].entries()) {
    fs.writeFileSync(path.join(mine, `poster ${i}.jpg`), await posterJpeg(genres, 900 + i, 300, 450));
  }
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  const gate = ctx.backend.gate;
  const opened = (await gate.invoke('library:open', { path: dataset })) as { job: { id: string }; library: { id: number } };
  await waitForJob(ctx.backend, opened.job.id);
  const train = (await gate.invoke('train:start', { libraryId: opened.library.id, backbone: 'mobilenet_v2' })) as { runId: number; job: { id: string } };
  runId = train.runId;
  assert.equal((await waitForJob(ctx.backend, train.job.id)).status, 'done');
  const tag = (await gate.invoke('tag:start', { runId, folders: [mine] })) as { job: { id: string } };
  assert.equal((await waitForJob(ctx.backend, tag.job.id)).status, 'done');
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

interface ViewVisit {
  name: string;
  hash: string;
  /** What must be on screen before the picture is taken. */
  ready: (page: Page) => Promise<unknown>;
  /** Extra steps after navigation (open a panel, a dialog …). */
  act?: (page: Page) => Promise<unknown>;
}

const visits: ViewVisit[] = [
  { name: 'library', hash: '#/library', ready: (p) => p.getByTestId('poster-card').first().waitFor() },
  {
    name: 'library-detail',
    hash: '#/library',
    ready: (p) => p.getByTestId('poster-detail').waitFor(),
    act: async (p) => {
      await p.getByTestId('poster-card').first().waitFor();
      await p.getByTestId('poster-card').first().click();
    },
  },
  {
    name: 'library-charts',
    hash: '#/library',
    ready: (p) => p.getByTestId('heat-cell').first().waitFor(),
    act: async (p) => {
      await p.getByTestId('poster-card').first().waitFor();
      await p.keyboard.press('Escape'); // the detail panel of the visit before (charts show without it)
      await p
        .getByTestId('poster-detail')
        .waitFor({ state: 'detached' })
        .catch(() => {});
      if ((await p.getByTestId('toggle-charts').getAttribute('aria-pressed')) !== 'true') await p.getByTestId('toggle-charts').click();
      await p.getByTestId('chart-genre-histogram-bars').locator('canvas').waitFor();
    },
  },
  {
    name: 'label',
    hash: '#/label',
    // The queue of the library shown, or why there is none.
    ready: (p) => p.locator('[data-testid=label-poster], [data-testid=label-empty], .label-view .error').first().waitFor(),
  },
  { name: 'train', hash: '#/train', ready: (p) => p.getByTestId('train-start').waitFor() },
  { name: 'runs', hash: '#/runs', ready: (p) => p.getByTestId('run-row').first().waitFor() },
  { name: 'run-overview', hash: `#/runs/{run}`, ready: (p) => p.getByTestId('run-detail').waitFor() },
  {
    name: 'run-evaluation',
    hash: `#/runs/{run}/evaluation`,
    ready: (p) => Promise.all([p.getByTestId('evaluation').waitFor(), p.getByTestId('chart-calibration-plot').locator('canvas').waitFor()]),
  },
  { name: 'run-export', hash: `#/runs/{run}/export`, ready: (p) => p.getByTestId('run-detail').waitFor() },
  {
    name: 'tag',
    hash: '#/tag',
    ready: (p) => Promise.all([p.getByTestId('tag-start').waitFor(), p.getByTestId('chart-tag-distribution-bars').locator('canvas').waitFor()]),
  },
  { name: 'try', hash: '#/try', ready: (p) => p.getByRole('heading').first().waitFor() },
  { name: 'about', hash: '#/about', ready: (p) => p.getByTestId('info-version').waitFor() },
];

const sizes = [
  { label: '1440x900', width: 1440, height: 900 },
  { label: '1024x700', width: 1024, height: 700 },
];

for (const theme of ['light', 'dark'] as const) {
  for (const size of sizes) {
    test(`every view at ${size.label}, ${theme}: no warnings, no errors, nothing wider than the window`, { skip }, async () => {
      const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, colorScheme: theme });
      const page = await context.newPage();
      const messages = watchConsole(page);
      await page.goto(ctx.bridge.loginUrl);
      await page.getByTestId('theme-switch').waitFor();
      // The switch follows the system by default: the context's colour scheme decides.
      assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
      for (const visit of visits) {
        await page.evaluate((h) => (location.hash = h), visit.hash.replace('{run}', String(runId)));
        try {
          await visit.act?.(page);
          await visit.ready(page);
        } catch (err) {
          await screenshot(page, `view-${visit.name}-${size.label}-${theme}-FAILED`);
          throw new Error(`${visit.name} did not open: ${(err as Error).message}\nconsole: ${messages.join('\n') || '(quiet)'}`, { cause: err });
        }
        await page.waitForTimeout(150); // let transitions and charts settle
        const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
        assert.ok(overflow <= 0, `${visit.name} at ${size.label} is ${overflow}px wider than the window`);
        await screenshot(page, `view-${visit.name}-${size.label}-${theme}`);
      }
      assert.deepEqual(messages, [], `console output while opening every view:\n${messages.join('\n')}`);
      await context.close();
    });
  }
}
