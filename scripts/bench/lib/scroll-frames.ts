// Scrolling the gallery grid in Chromium, measured the way the e2e tests drive the app (bridge + the npm
// Chromium): requestAnimationFrame deltas while the page scrolls the virtual grid programmatically, steadily
// (like a wheel or trackpad) and then in jumps (like dragging the scrollbar).
import type { Backend } from '../../../main/backend';
import { startBridge } from '../../../main/bridge/server';
import { launchBrowser, rendererDir } from '../../../test/helpers/browser';

/**
 * Runs in the page. A string, not a function: tsx compiles functions with helpers (__name) that do not exist
 * in the page.
 */
const STEADY_FRAMES = 600;

const SCROLL_SCRIPT = `(async () => {
  const grid = document.querySelector('[data-testid=gallery-grid]');
  const deltas = [];
  const frame = () => new Promise((res) => requestAnimationFrame(res));
  let last = await frame();
  const rowPx = (grid.querySelector('[data-testid=poster-card]')?.offsetHeight ?? 250) + 12;
  // Steady: 40 px a frame (2,400 px/s, a brisk wheel) for 600 frames.
  for (let i = 0; i < ${STEADY_FRAMES}; i++) {
    grid.scrollTop += 40;
    const now = await frame();
    deltas.push(now - last);
    last = now;
  }
  // Jumps: a new random place every 10 frames, 30 times (dragging the scrollbar through the whole library).
  for (let j = 0; j < 30; j++) {
    grid.scrollTop = Math.random() * (grid.scrollHeight - grid.clientHeight);
    for (let i = 0; i < 10; i++) {
      const now = await frame();
      deltas.push(now - last);
      last = now;
    }
  }
  return { deltas, rowsScrolled: Math.round((600 * 40) / rowPx) };
})()`;

/** The same scroll on a page of plain coloured rows: what this machine's compositor manages at all. */
const BLANK_PAGE = `<!doctype html><body style="margin:0"><div data-testid="gallery-grid" style="height:100vh;overflow-y:auto">${Array.from(
  { length: 2000 },
  (_, i) => `<div style="height:250px;background:hsl(${(i * 37) % 360} 50% 50%)">row ${i}</div>`,
).join('')}</div>`;

export interface ScrollResult {
  /** From clicking Open (the library is already indexed) to the first poster card on screen. */
  firstCardMs: number;
  frames: number;
  rowsScrolled: number;
  p50: number;
  p95: number;
  max: number;
  /** The steady part alone (600 frames at 2,400 px/s, like a wheel) and the jumps alone (like dragging the scrollbar). */
  steady: { p50: number; p95: number };
  jumps: { p50: number; p95: number };
  /** The same scroll on BLANK_PAGE. */
  baselineP95: number;
}

async function idle(backend: Backend): Promise<void> {
  while (backend.jobs.list().some((j) => j.status === 'running' || j.status === 'queued')) await new Promise((r) => setTimeout(r, 100));
}

export async function scrollFrames(backend: Backend, libraryRoot: string): Promise<ScrollResult> {
  const bridge = await startBridge({ backend, rendererDir: rendererDir() });
  const browser = await launchBrowser();
  try {
    const page = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await page.goto(bridge.loginUrl);
    await page.getByTestId('library-path').fill(libraryRoot);
    const t = performance.now();
    await page.getByTestId('library-open').click();
    await page.getByTestId('poster-card').first().waitFor();
    const firstCardMs = performance.now() - t;
    // The re-index of an unchanged library runs behind the first page; scroll once it is done.
    await idle(backend);
    await page.waitForTimeout(500);
    const r = (await page.evaluate(SCROLL_SCRIPT)) as { deltas: number[]; rowsScrolled: number };
    const blank = await browser.newPage({ viewport: { width: 1400, height: 900 } });
    await blank.setContent(BLANK_PAGE);
    const base = (await blank.evaluate(SCROLL_SCRIPT)) as { deltas: number[] };
    const q = (xs: number[], p: number) => {
      const sorted = [...xs].sort((a, b) => a - b);
      return sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    };
    const d = r.deltas;
    const steady = d.slice(0, STEADY_FRAMES);
    const jumps = d.slice(STEADY_FRAMES);
    return {
      firstCardMs,
      frames: d.length,
      rowsScrolled: r.rowsScrolled,
      p50: q(d, 0.5),
      p95: q(d, 0.95),
      max: q(d, 1),
      steady: { p50: q(steady, 0.5), p95: q(steady, 0.95) },
      jumps: { p50: q(jumps, 0.5), p95: q(jumps, 0.95) },
      baselineP95: q(base.deltas, 0.95),
    };
  } finally {
    await browser.close();
    await bridge.close();
  }
}
