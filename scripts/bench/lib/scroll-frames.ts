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
const SCROLL_SCRIPT = `(async () => {
  const grid = document.querySelector('[data-testid=gallery-grid]');
  const deltas = [];
  const frame = () => new Promise((res) => requestAnimationFrame(res));
  let last = await frame();
  const rowPx = (grid.querySelector('[data-testid=poster-card]')?.offsetHeight ?? 250) + 12;
  // Steady: 40 px a frame (2,400 px/s, a brisk wheel) for 600 frames.
  for (let i = 0; i < 600; i++) {
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

export interface ScrollResult {
  /** From clicking Open (the library is already indexed) to the first poster card on screen. */
  firstCardMs: number;
  frames: number;
  rowsScrolled: number;
  p50: number;
  p95: number;
  max: number;
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
    const sorted = [...r.deltas].sort((a, b) => a - b);
    const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1)];
    return { firstCardMs, frames: sorted.length, rowsScrolled: r.rowsScrolled, p50: q(0.5), p95: q(0.95), max: sorted[sorted.length - 1] };
  } finally {
    await browser.close();
    await bridge.close();
  }
}
