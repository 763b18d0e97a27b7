import { test } from 'node:test';
import assert from 'node:assert/strict';
import { confusion, topConfusions } from '../../../../renderer/src/lib/components/runs/confusion';

test('true × predicted: hits on the diagonal, wrong genres off it, misses in the last column, posters per cell', () => {
  const genres = ['Action', 'Drama', 'Horror'];
  const items = [
    { truth: ['Action'], predicted: ['Action'] }, // hit
    { truth: ['Action'], predicted: ['Horror'] }, // Action taken for Horror, Action missed
    { truth: ['Action', 'Horror'], predicted: ['Horror', 'Drama'] }, // Horror hit; Action missed; Drama wrong for both rows
    { truth: ['Drama'], predicted: [] }, // missed
  ];
  const c = confusion(items, genres);
  assert.deepEqual(c.support, [3, 1, 1]);
  assert.deepEqual(c.cells[0], [[0], [2], [1], [1, 2]]);
  assert.deepEqual(c.cells[1], [[], [], [], [3]]);
  // Horror of poster 2 was predicted: a hit; Drama is wrong for it too; Action (true) is not "confused".
  assert.deepEqual(c.cells[2], [[], [2], [2], []]);
  assert.deepEqual(topConfusions(c, 2), [
    { truth: 'Horror', predicted: 'Drama', count: 1, rate: 1 },
    { truth: 'Action', predicted: 'Drama', count: 1, rate: 1 / 3 },
  ]);
});
