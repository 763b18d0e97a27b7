import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors } from '../helpers/browser';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
before(async () => {
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

test('the app opens through the bridge and shows app.info', async () => {
  const page = await browser.newPage();
  const errors = watchPageErrors(page);
  await page.goto(ctx.bridge.loginUrl);
  assert.equal(new URL(page.url()).search, '', 'the token should leave the address bar');
  await page.getByRole('button', { name: 'About' }).click();
  await page.getByTestId('info-version').waitFor();
  const info = (await ctx.backend.gate.invoke('app:info', {})) as { version: string; dataDir: string; tfBackend: string };
  assert.equal(await page.getByTestId('info-version').textContent(), info.version);
  assert.equal(await page.getByTestId('info-data-dir').textContent(), info.dataDir);
  assert.match((await page.getByTestId('info-tf-backend').textContent()) ?? '', new RegExp(`^${info.tfBackend}`));
  assert.match((await page.getByTestId('info-shell').textContent()) ?? '', /Browser mode/);
  // int8: whether this CPU runs it fast and why, and the weights each backbone's new runs use.
  const int8 = (await ctx.backend.gate.invoke('app:info', {})) as { int8: { reason: string } };
  assert.ok(((await page.getByTestId('info-int8').textContent()) ?? '').includes(int8.int8.reason));
  const variants = await page.getByTestId('about-variant').allTextContents();
  assert.ok(variants.length > 0 && variants.every((t) => /float32|int8|–/.test(t)), `variants shown: ${variants.join(' | ')}`);
  await screenshot(page, 'about');
  await page.locator('[data-testid=theme-switch] [data-theme-choice=dark]').click();
  await screenshot(page, 'about-dark');
  assert.deepEqual(errors, []);
  await page.close();
});

test('job progress pushed by the back end appears live and can be cancelled from the page', async () => {
  const page = await browser.newPage();
  await page.goto(ctx.bridge.loginUrl);
  await page.getByTestId('theme-switch').waitFor();
  const { done } = ctx.backend.jobs.start({
    kind: 'index',
    title: 'E2E job',
    run: async (job) => {
      for (let i = 0; ; i++) {
        await job.checkpoint();
        job.progress({ phase: 'Working', done: i, failed: 0, total: 1000 });
        await new Promise((r) => setTimeout(r, 20));
      }
    },
  });
  const bar = page.getByTestId('job-index');
  await bar.getByText('E2E job').waitFor();
  await bar.getByText(/\/1,000/).waitFor();
  await bar.getByRole('button', { name: 'Cancel' }).click();
  await assert.rejects(done, /Cancelled/);
  await bar.waitFor({ state: 'detached' });
  await page.close();
});
