import { test } from 'node:test';
import assert from 'node:assert/strict';
import { stratifiedHoldout } from '../../../main/ml/split';
import { seededRandom } from '../../../main/ml/random';

function labels(n: number, g: number, seed: number): Uint8Array {
  const rand = seededRandom(seed);
  const y = new Uint8Array(n * g);
  for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) if (rand() < 0.5 / (j + 1)) y[i * g + j] = 1; // genre j rarer with j
  return y;
}

test('hold-out is seeded, disjoint, complete and keeps each genre near the fraction', () => {
  const n = 1000;
  const g = 8;
  const y = labels(n, g, 1);
  const a = stratifiedHoldout(y, n, g, { fraction: 0.15, seed: 7 });
  assert.deepEqual(stratifiedHoldout(y, n, g, { fraction: 0.15, seed: 7 }), a, 'same seed, same split');
  assert.notDeepEqual(stratifiedHoldout(y, n, g, { fraction: 0.15, seed: 8 }).val, a.val, 'other seed, other split');
  assert.equal(a.train.length + a.val.length, n);
  assert.equal(new Set([...a.train, ...a.val]).size, n);
  assert.ok(Math.abs(a.val.length / n - 0.15) < 0.03, `val share ${a.val.length / n}`);
  const inVal = new Set(a.val);
  for (let j = 0; j < g; j++) {
    let total = 0;
    let held = 0;
    for (let i = 0; i < n; i++)
      if (y[i * g + j]) {
        total++;
        if (inVal.has(i)) held++;
      }
    assert.ok(Math.abs(held - total * 0.15) <= Math.max(2, total * 0.05), `genre ${j}: ${held} of ${total} held out`);
  }
});

test('a genre with a few posters still gets one in validation; tiny sets keep both sides', () => {
  const n = 40;
  const y = new Uint8Array(n * 2);
  for (let i = 0; i < n; i++) y[i * 2] = 1;
  for (const i of [3, 17, 25, 31, 38, 39, 2]) y[i * 2 + 1] = 1; // 7 posters of genre 1
  const s = stratifiedHoldout(y, n, 2, { fraction: 0.15, seed: 3 });
  assert.equal(s.val.filter((i) => y[i * 2 + 1]).length, 1);
  const tiny = stratifiedHoldout(Uint8Array.from([1, 1]), 2, 1, { fraction: 0.5, seed: 1 });
  assert.equal(tiny.train.length, 1);
  assert.equal(tiny.val.length, 1);
  assert.throws(() => stratifiedHoldout(Uint8Array.from([1]), 1, 1), /at least 2/);
  assert.throws(() => stratifiedHoldout(y, n, 2, { fraction: 1 }), /between 0 and 1/);
});
