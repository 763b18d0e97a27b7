import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors, watchWarnings } from '../helpers/browser';
import { makeTutorialLibrary, posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let root: string;
let fixture: Awaited<ReturnType<typeof makeTutorialLibrary>>;
/** Many genres: more than the ten number keys. */
const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Crime', 'Thriller', 'Adventure', 'Family', 'Fantasy', 'Mystery', 'Western', 'Musical'];

before(async () => {
  root = path.join(tempDir(), 'UX posters');
  fixture = await makeTutorialLibrary(root, { train: 40, val: 12, genres: GENRES });
  // Square posters (the CHAMPIONS case), one huge one and one that cannot be read.
  const [a, b, c, d] = fixture.train;
  fs.writeFileSync(path.join(root, 'train', `${a.id}.jpg`), await posterJpeg(a.genres, 7, 128, 128));
  fs.writeFileSync(path.join(root, 'train', `${b.id}.jpg`), await posterJpeg(b.genres, 8, 128, 128));
  fs.writeFileSync(path.join(root, 'train', `${c.id}.jpg`), await posterJpeg(c.genres, 9, 1200, 1800));
  fs.writeFileSync(path.join(root, 'train', `${d.id}.jpg`), Buffer.from('not a jpeg at all, just some bytes that no decoder accepts'));
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

const summary = (page: Page) => page.getByTestId('gallery-summary').textContent();

async function openLibrary(page: Page, theme: 'light' | 'dark' = 'light') {
  await page.addInitScript((t) => localStorage.setItem('poster-tagger:theme', JSON.stringify(t)), theme);
  await page.goto(ctx.bridge.loginUrl);
  if (!(await page.getByTestId('library-select').count())) {
    await page.getByTestId('library-path').fill(root);
    await page.getByTestId('library-open').click();
  }
  await page.waitForFunction(() => /^52 posters/.test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''));
  await page.getByTestId('poster-card').first().waitFor();
}

test('the grid fills the width at any size, keeps each poster whole, and the size choice survives a reload', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = watchPageErrors(page);
  const warnings = watchWarnings(page);
  await openLibrary(page);
  const grid = page.getByTestId('gallery-grid');

  const layout = () =>
    grid.evaluate((el) => {
      const box = el.getBoundingClientRect();
      const cards = Array.from(el.querySelectorAll('[data-testid=poster-card]')).map((c) => c.getBoundingClientRect());
      const top = Math.min(...cards.map((c) => c.top));
      const firstRow = cards.filter((c) => Math.abs(c.top - top) < 1);
      return {
        columns: Number(el.getAttribute('data-columns')),
        gridRight: box.right,
        rowRight: Math.max(...firstRow.map((c) => c.right)),
        inRow: firstRow.length,
        width: firstRow[0].width,
      };
    });
  for (const size of ['S', 'M', 'L'] as const) {
    await page.getByTestId(`thumb-size-${size}`).click();
    await page.waitForFunction((s) => document.querySelector(`[data-testid=thumb-size-${s}]`)?.getAttribute('aria-checked') === 'true', size);
    await page.waitForTimeout(150);
    const l = await layout();
    assert.equal(l.inRow, l.columns, `${size}: a full first row`);
    // No empty strip: the last card ends at the grid's padding (8 px) plus the scrollbar at most.
    assert.ok(l.gridRight - l.rowRight < 30, `${size}: ${l.gridRight - l.rowRight}px left empty`);
  }
  const large = await layout();
  await page.reload();
  await page.getByTestId('poster-card').first().waitFor();
  assert.equal(await page.getByTestId('thumb-size-L').getAttribute('aria-checked'), 'true', 'the size is remembered');
  assert.equal((await layout()).columns, large.columns);
  await page.getByTestId('thumb-size-M').click();

  // A square poster is shown whole (contained, not cropped to portrait).
  const square = page.locator(`[data-poster-id=${fixture.train[0].id}] img`);
  await square.evaluate((img: HTMLImageElement) => img.decode());
  assert.equal(await square.evaluate((img) => getComputedStyle(img).objectFit), 'contain');
  await screenshot(page, 'gallery-1440-light');

  // The broken poster's message starts below the split badge.
  const broken = page.locator(`[data-poster-id=${fixture.train[3].id}]`);
  const badge = (await broken.locator('.split').boundingBox())!;
  const problem = (await broken.locator('.problem').boundingBox())!;
  assert.ok(problem.y + 20 > badge.y + badge.height, 'error text is not under the split badge');

  // The huge poster in the detail panel stays inside its box, above File and Genres.
  await page.locator(`[data-poster-id=${fixture.train[2].id}]`).click();
  const img = page.locator('[data-testid=poster-detail] .image img');
  await img.waitFor();
  await img.evaluate((i: HTMLImageElement) => i.decode());
  await screenshot(page, 'gallery-detail-1440-light');
  const imgBox = (await img.boundingBox())!;
  const frame = (await page.locator('[data-testid=poster-detail] .image').boundingBox())!;
  const file = (await page.getByTestId('detail-path').boundingBox())!;
  const panel = (await page.getByTestId('poster-detail').boundingBox())!;
  assert.ok(
    imgBox.y + imgBox.height <= frame.y + frame.height + 0.5 && imgBox.x + imgBox.width <= panel.x + panel.width + 0.5,
    `the image stays in its box: ${JSON.stringify({ imgBox, frame, panel })}`,
  );
  assert.ok(frame.y + frame.height <= file.y, 'the image never covers File/Size');
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
  await page.close();
});

test('at 1024×700 the toolbar fits on one line, the sidebar has no horizontal scrollbar; dark theme too', async () => {
  for (const theme of ['light', 'dark'] as const) {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    const errors = watchPageErrors(page);
    await openLibrary(page, theme);
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), theme);
    const bar = await page
      .locator('.bar')
      .first()
      .evaluate((el) => ({ h: el.getBoundingClientRect().height, sw: el.scrollWidth, cw: el.clientWidth }));
    assert.ok(bar.h < 52, `library bar is one line (${bar.h}px)`);
    assert.ok(bar.sw <= bar.cw + 1, 'nothing sticks out of the library bar');
    const side = await page.getByRole('complementary', { name: 'Filters' }).evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
    assert.ok(side.sw <= side.cw, `sidebar scrolls sideways (${side.sw} > ${side.cw})`);
    const tb = await page.locator('.toolbar').evaluate((el) => el.getBoundingClientRect().height);
    assert.ok(tb < 44, `gallery toolbar is one line (${tb}px)`);
    await screenshot(page, `gallery-1024-${theme}`);
    await page.locator(`[data-poster-id=${fixture.train[2].id}]`).click();
    await page.getByTestId('poster-detail').waitFor();
    await page.waitForTimeout(300);
    const tools = await page.locator('.toolbar').evaluate((el) => ({ sw: el.scrollWidth, cw: el.clientWidth }));
    assert.ok(tools.sw <= tools.cw + 1, `the gallery toolbar fits next to the detail panel (${tools.sw} > ${tools.cw})`);
    assert.ok(Number(await page.getByTestId('gallery-grid').getAttribute('data-columns')) >= 2, 'two columns next to the panel');
    await screenshot(page, `gallery-detail-1024-${theme}`);
    await page.getByTestId('library-more').click();
    await page.getByTestId('open-report').waitFor();
    await screenshot(page, `library-more-1024-${theme}`);
    await page.keyboard.press('Escape');
    assert.equal(await page.getByTestId('open-report').count(), 0, 'Escape closes the menu');
    assert.deepEqual(errors, []);
    await page.close();
  }
});

test('keyboard: the grid is one tab stop, arrows move by the column count, Enter opens, every genre has a key, undo/redo', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = watchPageErrors(page);
  const warnings = watchWarnings(page);
  await openLibrary(page);
  // QA 28: "Skip to the posters" is the very first Tab stop of the page, and puts the focus on the grid.
  await page.reload();
  await page.getByTestId('poster-card').first().waitFor();
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'skip-to-gallery', 'the first Tab reaches the skip link');
  assert.ok(await page.getByTestId('skip-to-gallery').isVisible(), 'the focused skip link is shown');
  await page.keyboard.press('Enter');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'gallery-grid');
  const activeId = () => page.evaluate(() => document.getElementById('gallery-grid')?.getAttribute('aria-activedescendant'));
  assert.equal(await activeId(), 'poster-card-0');
  const columns = Number(await page.getByTestId('gallery-grid').getAttribute('data-columns'));
  assert.ok(columns >= 5, `${columns} columns at 1440 px`);
  await page.keyboard.press('ArrowRight');
  assert.equal(await activeId(), 'poster-card-1');
  await page.keyboard.press('ArrowDown');
  assert.equal(await activeId(), `poster-card-${1 + columns}`);
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowUp');
  assert.equal(await activeId(), 'poster-card-0');
  await page.keyboard.press('End');
  await page.waitForFunction(() => document.getElementById('gallery-grid')?.getAttribute('aria-activedescendant') === 'poster-card-51');
  assert.ok(await page.locator('#poster-card-51').isVisible(), 'the last card was scrolled into view');
  await page.keyboard.press('Home');
  await page.waitForFunction(() => document.getElementById('gallery-grid')?.getAttribute('aria-activedescendant') === 'poster-card-0');
  // One tab stop: Tab leaves the grid instead of walking its cards.
  await page.keyboard.press('Tab');
  assert.notEqual(await page.evaluate(() => document.activeElement?.closest('#gallery-grid')?.id), 'gallery-grid');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'gallery-grid');

  // Enter opens the detail panel; the arrows then move it along.
  await page.keyboard.press('Enter');
  await page.getByTestId('poster-detail').waitFor();
  const first = await page.locator('#poster-card-0').getAttribute('data-poster-id');
  await page.waitForFunction((id) => document.querySelector('[data-testid=poster-detail] h2')?.textContent === id, first);
  await page.keyboard.press('ArrowRight');
  const second = await page.locator('#poster-card-1').getAttribute('data-poster-id');
  await page.waitForFunction((id) => document.querySelector('[data-testid=poster-detail] h2')?.textContent === id, second);
  await screenshot(page, 'gallery-keyboard-focus');

  // All 13 genres show a key; the 12th (Western) is toggled with its letter.
  const keys = await page.locator('[data-testid^=label-toggle-] kbd').allTextContents();
  assert.equal(keys.length, GENRES.length);
  assert.deepEqual(keys.slice(9, 12), ['0', 'Q', 'W']);
  const western = page.getByTestId('label-toggle-Western');
  const had = (await western.getAttribute('aria-pressed')) === 'true';
  await page.keyboard.press('w');
  await page.waitForFunction((want) => document.querySelector('[data-testid=label-toggle-Western]')?.getAttribute('aria-pressed') === want, String(!had));
  assert.equal(await page.getByTestId('undo').isDisabled(), false);
  assert.match((await page.getByTestId('undo').getAttribute('title')) ?? '', /Western/);

  // Undo restores the imported labels exactly (nothing is left as an edit), redo re-applies it.
  await page.keyboard.press('Control+z');
  await page.waitForFunction((want) => document.querySelector('[data-testid=label-toggle-Western]')?.getAttribute('aria-pressed') === want, String(had));
  await page.locator('[data-testid=toast]', { hasText: 'Undid: ' }).first().waitFor();
  const row = (await ctx.backend.gate.invoke('posters:query', { libraryId: 1, search: second! })) as { items: { labelsSource: string }[] };
  assert.equal(row.items[0].labelsSource, 'import');
  await page.keyboard.press('Control+Shift+z');
  await page.waitForFunction((want) => document.querySelector('[data-testid=label-toggle-Western]')?.getAttribute('aria-pressed') === want, String(!had));
  await page.keyboard.press('Control+z');
  await page.waitForFunction((want) => document.querySelector('[data-testid=label-toggle-Western]')?.getAttribute('aria-pressed') === want, String(had));
  await page.keyboard.press('Control+y');
  await page.waitForFunction((want) => document.querySelector('[data-testid=label-toggle-Western]')?.getAttribute('aria-pressed') === want, String(!had));
  await page.getByTestId('undo').click();
  await page.waitForFunction((want) => document.querySelector('[data-testid=label-toggle-Western]')?.getAttribute('aria-pressed') === want, String(had));

  // Ctrl+A selects every poster the filters match, not only the cards in the DOM.
  await page.keyboard.press('Escape');
  await page.getByTestId('gallery-grid').focus();
  await page.keyboard.press('Control+a');
  await page.getByTestId('bulk-bar').waitFor();
  assert.equal(await page.getByTestId('bulk-count').textContent(), '52 posters selected');
  assert.ok((await page.getByTestId('poster-card').count()) < 52, 'more are selected than are rendered');
  await page.keyboard.press('Escape');
  await page.getByTestId('bulk-bar').waitFor({ state: 'detached' });
  assert.match((await summary(page)) ?? '', /^52 posters/);
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
  await page.close();
});

test('dialogs: the import report closes on Escape and gives the focus back; write-back asks first, naming the file', async () => {
  const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
  const errors = watchPageErrors(page);
  await openLibrary(page);
  const more = page.getByTestId('library-more');
  await more.click();
  await page.getByTestId('open-report').click();
  const report = page.getByTestId('import-report');
  await report.waitFor();
  assert.equal(await report.evaluate((d: HTMLDialogElement) => d.open && d.contains(document.activeElement)), true, 'the dialog takes the focus');
  await page.waitForTimeout(200);
  await screenshot(page, 'import-report-dialog');
  await page.keyboard.press('Escape');
  await report.waitFor({ state: 'detached' });
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'library-more', 'focus is back on the opener');

  // An edit, then "Write 1 edit to CSV": a confirmation naming the full path; Escape/Cancel keeps the file.
  const csv = path.join(root, 'train', 'metadata.csv');
  const original = fs.readFileSync(csv, 'utf8');
  const target = fixture.train[5];
  await page.locator(`[data-poster-id=${target.id}]`).click();
  await page.getByTestId('poster-detail').waitFor();
  const genre = target.genres.includes('Comedy') ? 'Drama' : 'Comedy';
  await page.getByTestId(`label-toggle-${genre}`).click();
  const write = page.getByTestId('write-back');
  await write.waitFor();
  assert.equal((await write.textContent())?.trim(), 'Write 1 edit to CSV');
  const bar = await page
    .locator('.bar')
    .first()
    .evaluate((el) => ({ h: el.getBoundingClientRect().height, sw: el.scrollWidth, cw: el.clientWidth }));
  assert.ok(bar.h < 52 && bar.sw <= bar.cw + 1, `with the write button the library bar still fits one line (${JSON.stringify(bar)})`);
  await write.click();
  const confirm = page.getByTestId('writeback-confirm');
  await confirm.waitFor();
  assert.ok(((await confirm.textContent()) ?? '').includes(csv), 'the confirmation names the file');
  assert.match((await confirm.textContent()) ?? '', /Write 1 edit into/);
  await screenshot(page, 'writeback-confirm');
  await page.keyboard.press('Escape');
  await confirm.waitFor({ state: 'detached' });
  assert.equal(fs.readFileSync(csv, 'utf8'), original, 'cancelled: the file is as it was');
  await write.click();
  await page.getByTestId('writeback-confirm-ok').click();
  await page.locator('[data-testid=toast][data-kind=success]', { hasText: 'Saved 1 poster into train/metadata.csv' }).waitFor();
  assert.notEqual(fs.readFileSync(csv, 'utf8'), original, 'written after the confirmation');
  await write.waitFor({ state: 'detached' });
  assert.deepEqual(errors, []);
  await page.close();
});
