// Try it with a typed path: ~ expands, the back end sends a preview, the bars have width, a long tag list
// stays inside its card, errors read as sentences; at 1440×900 and 1024×700, light and dark.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchConsole } from '../helpers/browser';
import { makeTutorialLibrary, posterJpeg, FIXTURE_GENRES } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { waitForJob } from '../helpers/backend';
import { skipWithoutMobilenet as skip } from '../helpers/backbones';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let home: string;
const savedHome = process.env.HOME;

before(async () => {
  if (skip) return;
  // The back end runs in this process: os.homedir() follows $HOME, so ~ is a folder the test made.
  home = tempDir();
  process.env.HOME = home;
  await makeTutorialLibrary(path.join(home, 'dataset'), { train: 60, val: 20, seed: 21 });
  fs.mkdirSync(path.join(home, 'Posters'));
  // Looks like every genre: the most tags a poster can get.
  fs.writeFileSync(path.join(home, 'Posters', 'everything.jpg'), await posterJpeg(FIXTURE_GENRES, 77, 300, 450));
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  const gate = ctx.backend.gate;
  const { job } = (await gate.invoke('library:open', { path: path.join(home, 'dataset') })) as { job: { id: string } };
  await waitForJob(ctx.backend, job.id);
  const lib = (await gate.invoke('library:list', {})) as { id: number }[];
  const train = (await gate.invoke('train:start', { libraryId: lib[0].id, backbone: 'mobilenet_v2', epochs: 10 })) as { job: { id: string } };
  assert.equal((await waitForJob(ctx.backend, train.job.id)).status, 'done');
  browser = await launchBrowser();
});
after(async () => {
  process.env.HOME = savedHome;
  await browser?.close();
  await ctx?.stop();
});

async function predictTyped(page: Page, typed: string) {
  await page.getByTestId('try-path').fill(typed);
  await page.getByTestId('try-path-run').click();
}

/** Preview decoded, every bar drawn with width, every chip inside its card. */
async function checkResult(page: Page) {
  const result = page.getByTestId('try-result').first();
  await result.locator('.preview img').waitFor();
  await page.waitForFunction(() => {
    const img = document.querySelector<HTMLImageElement>('[data-testid=try-result] .preview img');
    return Boolean(img?.complete && img.naturalWidth > 0);
  });
  const card = (await result.boundingBox())!;
  const bars = await result.locator('[role=meter]').evaluateAll((els) => els.map((e) => e.getBoundingClientRect().width));
  assert.equal(bars.length, FIXTURE_GENRES.length);
  for (const w of bars) assert.ok(w >= 48, `a bar is ${w}px wide`);
  await page.waitForFunction(() => document.querySelector('[data-testid=try-result] .chips')?.getAttribute('data-measured') === 'true');
  for (const chip of await result.locator('[role=listitem]').all()) {
    const b = (await chip.boundingBox())!;
    assert.ok(b.x >= card.x && b.x + b.width <= card.x + card.width + 0.5 && b.y + b.height <= card.y + card.height + 0.5, 'a tag chip overflows its card');
  }
  const overflow = await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
  assert.ok(overflow <= 0, `the page is ${overflow}px wider than the window`);
}

test('Try it with typed paths: preview, bars, tags in the card, readable errors, recent images', { skip }, async () => {
  const sizes = [
    { label: '1440x900', width: 1440, height: 900, theme: 'light' as const },
    { label: '1024x700', width: 1024, height: 700, theme: 'dark' as const },
  ];
  for (const size of sizes) {
    const context = await browser.newContext({ viewport: { width: size.width, height: size.height }, colorScheme: size.theme });
    const page = await context.newPage();
    const messages = watchConsole(page);
    await page.goto(`${ctx.bridge.loginUrl}#/try`);
    await page.getByTestId('try-path').waitFor();

    await predictTyped(page, '~/Posters/everything.jpg');
    await checkResult(page);
    assert.equal(await page.getByTestId('try-result').first().getAttribute('aria-label'), 'everything.jpg');
    await screenshot(page, `try-typed-path-${size.label}-${size.theme}`);

    // A path that does not exist: the card says so in words.
    await predictTyped(page, '~/Posters/missing.jpg');
    await page.getByTestId('try-result').locator('.error').waitFor();
    assert.equal(await page.getByTestId('try-result').locator('.error').textContent(), 'file not found');

    // A relative path: refused before anything is read, with the way out.
    await predictTyped(page, 'everything.jpg');
    const toast = page.locator('[data-testid=toast][data-kind=error]');
    await toast.waitFor();
    assert.match((await toast.textContent()) ?? '', /"everything\.jpg" is not a full path\. Type a full path such as/);
    // The previous result card does not stay as if it were this path's answer (QA #19).
    assert.equal(await page.getByTestId('try-result').count(), 0);
    await screenshot(page, `try-relative-${size.label}-${size.theme}`);
    await toast.getByRole('button', { name: 'Dismiss' }).click();

    // Images that worked are offered again after a reload (the missing one is not).
    await page.reload();
    await page.getByTestId('try-path').waitFor();
    const offered = await page.evaluate(() =>
      Array.from(document.querySelector<HTMLInputElement>('[data-testid=try-path]')!.list?.options ?? [], (o) => o.value),
    );
    assert.deepEqual(offered, ['~/Posters/everything.jpg']);
    assert.deepEqual(messages, [], messages.join('\n'));
    await context.close();
  }
});

test('Try it uses the default model as it loads and changes, and says why (QA #1)', { skip }, async () => {
  const gate = ctx.backend.gate;
  const lib = (await gate.invoke('library:list', {})) as { id: number }[];
  const runs = (await gate.invoke('runs:list', {})) as { id: number; status: string }[];
  const first = runs.find((r) => r.status === 'done')!.id;
  // A newer run, and the older one marked as the default.
  const newer = (await gate.invoke('train:start', { libraryId: lib[0].id, backbone: 'mobilenet_v2', head: 'mlp', epochs: 2 })) as {
    runId: number;
    job: { id: string };
  };
  assert.equal((await waitForJob(ctx.backend, newer.job.id)).status, 'done');
  await gate.invoke('runs:prefer', { runId: first, preferred: true });

  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const messages = watchConsole(page);
  await page.goto(`${ctx.bridge.loginUrl}#/try`);
  const select = page.getByTestId('try-run');
  await page.getByTestId('try-model-reason').waitFor();
  assert.equal(await select.evaluate((e: HTMLSelectElement) => e.options[e.selectedIndex].text), `Default model (run #${first})`);
  assert.equal((await page.getByTestId('try-model-reason').textContent())?.replace(/\s+/g, ' ').trim(), `Model: #${first} — marked as default by you`);
  await screenshot(page, 'try-default-model');

  // Unmarked in Runs: "Default model" follows, to the latest run trained here.
  await gate.invoke('runs:prefer', { runId: first, preferred: false });
  await page.waitForFunction(
    (id) => document.querySelector('[data-testid=try-model-reason]')?.textContent?.includes(`#${id} — latest finished run`),
    newer.runId,
    { timeout: 10_000 },
  );
  assert.equal(await select.evaluate((e: HTMLSelectElement) => e.options[e.selectedIndex].text), `Default model (run #${newer.runId})`);

  // A run picked by hand is used as it is.
  await select.selectOption(String(first));
  assert.equal((await page.getByTestId('try-model-reason').textContent())?.replace(/\s+/g, ' ').trim(), `Model: #${first} — chosen by you`);
  await predictTyped(page, '~/Posters/everything.jpg');
  await page.getByTestId('try-result').first().waitFor();
  assert.deepEqual(messages, [], messages.join('\n'));
  await page.close();
});
