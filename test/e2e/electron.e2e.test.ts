import { test } from 'node:test';
import assert from 'node:assert/strict';
import { _electron } from 'playwright-core';
import { projectRoot } from '../../main/core/project-root';
import { tempDir } from '../helpers/temp';

function electronBinary(): { path?: string; reason?: string } {
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
    const p = require('electron') as unknown;
    return typeof p === 'string' ? { path: p } : { reason: 'the electron package gave no binary path' };
  } catch (err) {
    return { reason: `no Electron binary is installed (${(err as Error).message.split('\n')[0]})` };
  }
}

const electron = electronBinary();
const noDisplay = process.platform === 'linux' && !process.env.DISPLAY && !process.env.WAYLAND_DISPLAY;
const skip = electron.reason ?? (noDisplay ? 'no display: run under xvfb-run to launch Electron' : undefined);

test('Electron smoke test: the desktop app starts and shows app.info', { skip }, async () => {
  const app = await _electron.launch({
    executablePath: electron.path!,
    args: [projectRoot()],
    env: { ...process.env, POSTER_TAGGER_DATA_DIR: tempDir() },
  });
  try {
    const page = await app.firstWindow();
    await page.getByTestId('info-version').waitFor();
    assert.match((await page.getByTestId('info-shell').textContent()) ?? '', /Desktop app \(Electron/);
    assert.equal(await page.evaluate(() => typeof (globalThis as { require?: unknown }).require), 'undefined');
  } finally {
    await app.close();
  }
});
