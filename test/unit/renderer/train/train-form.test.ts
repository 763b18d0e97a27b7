// The Train form's "also train on" choice: remembered across reloads, and what applies when libraries close.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { alsoTrainOn, labelledTotal, sanitizeForm } from '../../../../renderer/src/lib/components/train/train-form';
import { formatPoints, genresByChange } from '../../../../renderer/src/lib/components/runs/comparison';

const list = [
  { id: 1, name: 'Tutorial', labelledCount: 3000 },
  { id: 2, name: 'My posters', labelledCount: 120 },
  { id: 5, name: 'Festival', labelledCount: 40 },
];

test('sanitizeForm keeps the remembered "also train on" ids and drops what is not an id', () => {
  assert.deepEqual(sanitizeForm({ libraryId: 1, alsoLibraryIds: [2, 5, 2, 'x', -1, 1.5] }).alsoLibraryIds, [2, 5]);
  assert.deepEqual(sanitizeForm({ alsoLibraryIds: 'all' }).alsoLibraryIds, []);
  assert.deepEqual(sanitizeForm(null).alsoLibraryIds, []);
  // A round trip through storage gives the same form.
  const form = sanitizeForm({ libraryId: 2, alsoLibraryIds: [1] });
  assert.deepEqual(sanitizeForm(JSON.parse(JSON.stringify(form))), form);
});

test('alsoTrainOn: open libraries other than the main one; labelledTotal sums what each adds', () => {
  assert.deepEqual(alsoTrainOn(list, 1, [2, 5]), [2, 5]);
  // Chosen as the main library: not also added to itself.
  assert.deepEqual(alsoTrainOn(list, 2, [2, 5]), [5]);
  // A closed library (id 9) drops out.
  assert.deepEqual(alsoTrainOn(list, 1, [9, 5]), [5]);
  assert.equal(labelledTotal(list, 1, [2, 5]), 3160);
  assert.equal(labelledTotal(list, 1, []), 3000);
  assert.equal(labelledTotal(list, undefined, [5]), 40);
});

test('run comparison: changes in points, genres by the size of their change', () => {
  assert.equal(formatPoints(0.0142), '+1.4 pts');
  assert.equal(formatPoints(-0.003), '−0.3 pts');
  assert.equal(formatPoints(0.0001), '±0.0 pts');
  assert.equal(formatPoints(null), '–');
  const sorted = genresByChange([
    { genre: 'A', delta: 0.01 },
    { genre: 'B', delta: null },
    { genre: 'C', delta: -0.05 },
    { genre: 'D', delta: 0.02 },
  ]);
  assert.deepEqual(
    sorted.map((g) => g.genre),
    ['C', 'D', 'A', 'B'],
  );
});
