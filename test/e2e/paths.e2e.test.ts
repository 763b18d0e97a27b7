// Typed paths in the browser: a relative path is refused in plain words (as a hint while typing and from the
// back end), ~ is the home folder, and folders used before are offered again.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchConsole } from '../helpers/browser';
import { makeTutorialLibrary } from '../helpers/posters';
import { tempDir } from '../helpers/temp';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let home: string;
const savedHome = process.env.HOME;

before(async () => {
  // The back end runs in this process: os.homedir() follows $HOME, so ~ is a folder the test made.
  home = tempDir();
  process.env.HOME = home;
  await makeTutorialLibrary(path.join(home, 'Posters'), { train: 6, val: 2, seed: 5 });
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  browser = await launchBrowser();
});
after(async () => {
  process.env.HOME = savedHome;
  await browser?.close();
  await ctx?.stop();
});

test('library folder: relative refused in plain words, ~ expands, recent folders offered', async () => {
  for (const theme of ['light', 'dark'] as const) {
    const context = await browser.newContext({ viewport: { width: 1024, height: 700 }, colorScheme: theme });
    const page = await context.newPage();
    const messages = watchConsole(page);
    await page.goto(ctx.bridge.loginUrl);
    const field = page.getByTestId('library-path');
    await field.fill('Posters');
    // While typing: a hint floating under the field, which does not move the page.
    const hint = page.getByTestId('path-hint');
    await hint.waitFor({ state: 'visible' });
    assert.match((await hint.textContent()) ?? '', /Type a full path such as \/home\/you\/Posters or ~\/Posters/);
    assert.equal(await field.getAttribute('aria-invalid'), 'true');
    await screenshot(page, `paths-relative-hint-${theme}`);
    if (theme === 'dark') {
      await context.close();
      break;
    }

    // Sent anyway: the back end's refusal arrives as written, not as a validation dump.
    await page.getByTestId('library-open').click();
    const toast = page.locator('[data-testid=toast][data-kind=error]');
    await toast.waitFor();
    const text = (await toast.textContent()) ?? '';
    assert.match(text, /"Posters" is not a full path\. Type a full path such as/);
    assert.doesNotMatch(text, /Invalid input|path:/);
    await toast.getByRole('button', { name: 'Dismiss' }).click();

    await field.fill('~/Posters/');
    assert.equal(await hint.count(), 0, 'no hint for ~/…');
    await page.getByTestId('library-open').click();
    await page.getByTestId('poster-card').first().waitFor();
    const libs = (await ctx.backend.gate.invoke('library:list', {})) as { root: string }[];
    assert.deepEqual(
      libs.map((l) => l.root),
      [path.join(home, 'Posters')],
    );

    // After a reload the folder is offered (most recent first, without the trailing slash).
    await page.reload();
    await field.waitFor();
    const offered = await page.evaluate(() => {
      const input = document.querySelector<HTMLInputElement>('[data-testid=library-path]')!;
      return Array.from(input.list?.options ?? [], (o) => o.value);
    });
    assert.deepEqual(offered, ['~/Posters']);
    assert.deepEqual(messages, [], messages.join('\n'));
    await context.close();
  }
});
