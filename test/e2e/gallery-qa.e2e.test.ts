// Findings of a QA walk on real posters (numbers are theirs): import report wording and unreadable files (13),
// overlapping libraries (14), toasts left over a library switch or stacking (21), focus after a genre toggle
// (22), 25 genre names at 1024 px (23), empty genre states (24), "+1" on cards (25), dark mode controls (27).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Browser, Page } from 'playwright-core';
import { startTestBridge } from '../helpers/bridge';
import { launchBrowser, rendererDir, screenshot, watchPageErrors, watchWarnings } from '../helpers/browser';
import { makeTutorialLibrary, posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { setPosterLabels } from '../../main/library/gallery-queries';

const GENRES = [
  'Action',
  'Adventure',
  'Animation',
  'Biography',
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Family',
  'Fantasy',
  'History',
  'Horror',
  'Music',
  'Musical',
  'Mystery',
  'N/A',
  'News',
  'Reality-TV',
  'Romance',
  'Sci-Fi',
  'Short',
  'Sport',
  'Thriller',
  'War',
  'Western',
];

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let browser: Browser;
let root: string;
let plain: string;
let fixture: Awaited<ReturnType<typeof makeTutorialLibrary>>;
/** The JPEG libvips rejects with "Unsupported marker type 0x20" (three times in its message). */
let badId: string;

before(async () => {
  const base = tempDir();
  root = path.join(base, 'small');
  fixture = await makeTutorialLibrary(root, { train: 20, val: 6, genres: GENRES, seed: 3 });
  badId = fixture.train[1].id;
  const bad = Buffer.alloc(600, 0x20);
  bad.set([0xff, 0xd8, 0xff, 0x20], 0);
  fs.writeFileSync(path.join(root, 'train', `${badId}.jpg`), bad);
  plain = path.join(base, 'plain');
  fs.mkdirSync(plain);
  for (let i = 0; i < 3; i++) fs.writeFileSync(path.join(plain, `p${i}.jpg`), await posterJpeg([], 50 + i));
  ctx = await startTestBridge({ rendererDir: rendererDir() });
  browser = await launchBrowser();
});
after(async () => {
  await browser?.close();
  await ctx?.stop();
});

async function open(page: Page, folder: string, posters: number) {
  await page.getByTestId('library-path').fill(folder);
  await page.getByTestId('library-open').click();
  await page.waitForFunction((n) => new RegExp(`^${n} posters?`).test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''), posters);
  await page.waitForFunction(() => !/Indexing/.test(document.querySelector('[data-testid=library-stats]')?.textContent ?? 'Indexing'));
}

const toastTexts = (page: Page) => page.getByTestId('toast').allTextContents();

test('QA 13, 14, 21, 22, 24, 25: report words, unreadable files, overlap refused, toasts, focus, empty states, cards', async () => {
  const page = await browser.newPage({ viewport: { width: 1440, height: 900 } });
  const errors = watchPageErrors(page);
  const warnings = watchWarnings(page);
  await page.goto(ctx.bridge.loginUrl);
  await open(page, root, 26);

  // 25: a poster with exactly four labels shows all four, never "3 +1".
  const four = fixture.train[0];
  const imageId = ctx.backend.db.prepare('SELECT id FROM images WHERE poster_id = ?').pluck().get(four.id) as number;
  setPosterLabels(ctx.backend.db, imageId, ['Action', 'Drama', 'War', 'Short']);
  await page.reload();
  await page.waitForFunction((id) => document.querySelectorAll(`[data-poster-id=${id}] [data-testid=card-tags] [role=listitem]`).length > 0, four.id);
  const card = page.locator(`[data-poster-id=${four.id}]`);
  await page.waitForFunction((id) => document.querySelector(`[data-poster-id=${id}] [data-measured=true]`), four.id);
  assert.equal(await card.getByTestId('more-tags').count(), 0, 'no "+1" for one more tag');
  assert.deepEqual((await card.locator('[data-genre]').evaluateAll((els) => els.map((e) => e.getAttribute('data-genre')))).sort(), [
    'Action',
    'Drama',
    'Short',
    'War',
  ]);
  // Every "+N" on the screen has the same short form.
  for (const more of await page.getByTestId('more-tags').evaluateAll((els) => els.map((e) => (e.childNodes[0]?.textContent ?? '').trim()))) {
    assert.match(more, /^\+\d+$/, `"${more}"`);
  }

  // 13: the undecodable file, in plain words, with the decoder's line once, on the card and in the panel.
  const badCard = page.locator(`[data-poster-id=${badId}]`);
  const problem = badCard.getByTestId('card-problem');
  assert.equal(await problem.textContent(), 'This file is not a readable JPEG (it may be damaged or truncated)');
  const detailText = (await problem.getAttribute('title')) ?? '';
  assert.equal(detailText.match(/Unsupported marker type 0x20/g)?.length, 1, detailText);
  await badCard.click();
  await page.getByTestId('poster-detail').waitFor();
  await page.waitForFunction((id) => document.querySelector('[data-testid=poster-detail] h2')?.textContent === id, badId);
  const panel = page.getByTestId('detail-problem');
  assert.match((await panel.innerText()).split('\n')[0], /^This file is not a readable JPEG/);
  assert.equal(((await panel.textContent()) ?? '').match(/Unsupported marker type 0x20/g)?.length, 1, 'the detail once');
  assert.equal(await page.getByTestId('detail-size').textContent(), 'size unknown (unreadable), 600 bytes, jpeg');

  // 22: a genre toggled by mouse, then by Space, keeps the focus.
  await page.locator(`[data-poster-id=${four.id}]`).click();
  await page.waitForFunction((id) => document.querySelector('[data-testid=poster-detail] h2')?.textContent === id, four.id);
  const comedy = page.getByTestId('label-toggle-Comedy');
  await comedy.click();
  await page.waitForFunction(() => document.querySelector('[data-testid=label-toggle-Comedy]')?.getAttribute('aria-pressed') === 'true');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'label-toggle-Comedy', 'focus stays after a click');
  await page.keyboard.press('Space');
  await page.waitForFunction(() => document.querySelector('[data-testid=label-toggle-Comedy]')?.getAttribute('aria-pressed') === 'false');
  assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'label-toggle-Comedy', 'focus stays after Space');

  // 21: undo and redo replace their toast instead of stacking.
  await page.getByTestId('undo').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=label-toggle-Comedy]')?.getAttribute('aria-pressed') === 'true');
  await page.getByTestId('redo').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=label-toggle-Comedy]')?.getAttribute('aria-pressed') === 'false');
  await page.getByTestId('undo').click();
  await page.waitForFunction(() => document.querySelector('[data-testid=label-toggle-Comedy]')?.getAttribute('aria-pressed') === 'true');
  await page.waitForTimeout(300);
  const undoToasts = (await toastTexts(page)).filter((t) => /^(Undid|Redid)/.test(t));
  assert.equal(undoToasts.length, 1, JSON.stringify(undoToasts));
  assert.match(undoToasts[0], /^Undid: Removed Comedy/);

  // 13: the import report names its groups in words; the decoder's text is there once, as a detail.
  await page.getByTestId('library-more').click();
  await page.getByTestId('open-report').click();
  const report = page.getByTestId('import-report');
  await report.getByTestId('report-kind').first().waitFor();
  const kinds = await report.getByTestId('report-kind').allTextContents();
  assert.ok(
    kinds.some((k) => /^Images that could not be decoded 1$/.test(k.trim())),
    JSON.stringify(kinds),
  );
  assert.ok(
    kinds.every((k) => !/[a-z]-[a-z]/.test(k)),
    `no internal codes: ${JSON.stringify(kinds)}`,
  );
  const issue = (await report.getByTestId('report-issue').allTextContents()).find((t) => t.includes(badId)) ?? '';
  assert.match(issue, /This file is not a readable JPEG \(it may be damaged or truncated\)/);
  assert.equal(issue.match(/Unsupported marker type 0x20/g)?.length, 1, issue);
  await screenshot(page, 'qa-import-report');
  await page.keyboard.press('Escape');

  // A write-back leaves a "Saved …" toast for this library.
  await page.getByTestId('write-back').click();
  await page.getByTestId('writeback-confirm').getByRole('button', { name: 'Replace and write' }).click();
  await page.waitForFunction(() => [...document.querySelectorAll('[data-testid=toast]')].some((t) => /^Saved/.test(t.textContent ?? '')));

  // 14: a folder inside the open library is refused, naming it and the way out.
  await page.getByTestId('library-path').fill(path.join(root, 'train'));
  await page.getByTestId('library-open').click();
  await page.waitForFunction(() =>
    [...document.querySelectorAll('[data-testid=toast][data-kind=error]')].some((t) => /inside the library/.test(t.textContent ?? '')),
  );
  const refusal = (await toastTexts(page)).find((t) => /inside the library/.test(t)) ?? '';
  assert.match(
    refusal,
    new RegExp(
      `This folder is inside the library "small" \\(${fs.realpathSync(root).replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}\\), which is already open — open that one, or forget it first`,
    ),
  );
  assert.equal(await page.getByTestId('library-select').locator('option').count(), 1, 'no second library');
  await screenshot(page, 'qa-overlap-refused');

  // 21: another library shown: the first one's toasts go.
  await open(page, plain, 3);
  await page.waitForTimeout(300);
  assert.deepEqual(
    (await toastTexts(page)).filter((t) => /Saved|inside the library|Undid|Redid/.test(t)),
    [],
    'toasts of the other library are gone',
  );

  // 24: no genres yet: both the filter panel and the detail panel say what to do.
  assert.match((await page.getByTestId('no-genres').textContent()) ?? '', /^No genres yet: add one to a poster.*Tag view/);
  await page.getByTestId('poster-card').first().click();
  await page.getByTestId('detail-no-genres').waitFor();
  assert.match((await page.getByTestId('detail-no-genres').textContent()) ?? '', /^No genres yet/);
  await screenshot(page, 'qa-no-genres');
  assert.deepEqual(errors, []);
  assert.deepEqual(warnings, []);
  await page.close();
});

test('QA 23, 27, 28: 25 genre names fit the sidebar at 1024 px; dark controls; the skip link is the first Tab stop', async () => {
  for (const theme of ['light', 'dark'] as const) {
    const page = await browser.newPage({ viewport: { width: 1024, height: 700 } });
    const errors = watchPageErrors(page);
    await page.addInitScript((t) => localStorage.setItem('poster-tagger:theme', JSON.stringify(t)), theme);
    await page.goto(ctx.bridge.loginUrl);
    await page.getByTestId('library-select').selectOption({ label: 'small' });
    await page.waitForFunction(() => /^26 posters/.test(document.querySelector('[data-testid=gallery-summary]')?.textContent ?? ''));
    await page.waitForFunction((n) => document.querySelectorAll('[data-testid=genre-list] .name').length === n, GENRES.length);
    if (theme === 'dark') {
      // 28: from a fresh page, the very first Tab is the skip link; Enter on it focuses the grid.
      await page.reload();
      await page.getByTestId('poster-card').first().waitFor();
      await page.keyboard.press('Tab');
      assert.equal(await page.evaluate(() => document.activeElement?.getAttribute('data-testid')), 'skip-to-gallery');
      await screenshot(page, `qa-skip-link-${theme}`);
      await page.keyboard.press('Enter');
      assert.equal(await page.evaluate(() => document.activeElement?.id), 'gallery-grid');
      await page.waitForFunction((n) => document.querySelectorAll('[data-testid=genre-list] .name').length === n, GENRES.length);
    }
    const clipped = await page
      .locator('[data-testid=genre-list] .name')
      .evaluateAll((els) =>
        els
          .filter((e) => e.scrollWidth > e.clientWidth + 1 || e.getBoundingClientRect().right > e.closest('td')!.getBoundingClientRect().right + 1)
          .map((e) => e.textContent),
      );
    assert.deepEqual(clipped, [], 'genre names cut off');
    const select = await page.getByTestId('filter-run').evaluate((el) => {
      const side = el.closest('aside')!.getBoundingClientRect();
      const r = el.getBoundingClientRect();
      return { right: r.right, sideRight: side.right - parseFloat(getComputedStyle(el.closest('aside')!).paddingRight) + 1 };
    });
    assert.ok(select.right <= select.sideRight, `the "Show predictions of" select fits (${select.right} > ${select.sideRight})`);
    await screenshot(page, `qa-sidebar-1024-${theme}`);

    // 27: the disabled Open button does not look like the enabled one.
    const openBtn = page.getByTestId('library-open');
    await page.getByTestId('library-path').fill('');
    assert.ok(await openBtn.isDisabled());
    const disabledBg = await openBtn.evaluate((el) => getComputedStyle(el).backgroundColor);
    await page.getByTestId('library-path').fill('/x');
    const enabledBg = await openBtn.evaluate((el) => getComputedStyle(el).backgroundColor);
    assert.notEqual(disabledBg, enabledBg, 'disabled primary button has its own look');
    await page.getByTestId('library-path').fill('');

    assert.deepEqual(errors, []);
    await page.close();
  }
});
