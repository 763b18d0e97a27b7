// Crash safety in CI: a few SIGKILLs of the real back end mid-work (the long run is `npm run test:crash-loop`).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { runCrashLoop } from './crash/crash-loop';
import { tempDir } from '../helpers/temp';
import { skipWithoutMobilenet as skip } from '../helpers/backbones';
import { LONG, record } from './stats';

test('SIGKILL at random moments: database intact, nothing committed lost, no run left running, work completes', { skip, timeout: 900_000 }, async () => {
  const kills = LONG ? 10 : 3;
  const r = await runCrashLoop({ kills, workDir: tempDir(), seed: 7 });
  record('crash safety', 'kills', r.kills);
  record('crash safety', 'faults', r.kills);
  record('crash safety', 'lost', r.lost);
  assert.deepEqual(r.problems, []);
  assert.equal(r.kills, kills);
  assert.equal(r.lost, 0);
  assert.ok(r.finalPredictions > 0 && r.finalPredictions === r.finalImages, `${r.finalPredictions} predictions for ${r.finalImages} images`);
});
