// The renderer's reshaping between the back end's chart data and what the charts draw, by hand-worked values.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { apPairs, heatShare, prSeries, reliabilityPoints, splitHistogram } from '../../../../renderer/src/lib/components/charts/chart-data';
import { barAt, barSpan } from '../../../../renderer/src/lib/components/charts/grouped-bars';
import { pngFileName } from '../../../../renderer/src/lib/components/charts/chart-png';

test('runs compare: AP paired by genre, sorted by the difference, genres not in both (or without AP) apart', () => {
  const r = apPairs(
    [
      { genre: 'Action', averagePrecision: 0.5 },
      { genre: 'Drama', averagePrecision: 0.4 },
      { genre: 'Horror', averagePrecision: 0.9 },
      { genre: 'Western', averagePrecision: null },
      { genre: 'Comedy', averagePrecision: 0.3 },
    ],
    [
      { genre: 'Horror', averagePrecision: 0.6 },
      { genre: 'Action', averagePrecision: 0.7 },
      { genre: 'Drama', averagePrecision: 0.4 },
      { genre: 'Western', averagePrecision: 0.2 },
      { genre: 'Musical', averagePrecision: 0.1 },
      { genre: 'Comedy', averagePrecision: 0.0 },
    ],
  );
  assert.deepEqual(
    r.pairs.map((p) => [p.genre, Math.round(p.diff * 100) / 100]),
    [
      ['Horror', 0.3],
      ['Comedy', 0.3],
      ['Drama', 0],
      ['Action', -0.2],
    ],
  );
  assert.deepEqual(r.unpaired, ['Western', 'Musical']);
});

test('heatmap strength: pairs against the largest pair, the diagonal against the largest genre', () => {
  assert.deepEqual(
    heatShare([
      [10, 2, 0],
      [2, 5, 4],
      [0, 4, 20],
    ]),
    [
      [0.5, 0.5, 0],
      [0.5, 0.25, 1],
      [0, 1, 1],
    ],
  );
  assert.deepEqual(heatShare([[0]]), [[0]]);
});

test('reliability points skip empty bins; PR series start at recall 0', () => {
  const bins = [
    { count: 2, meanPredicted: 0.05, observed: 0 },
    { count: 0, meanPredicted: null, observed: null },
    { count: 1, meanPredicted: 0.25, observed: 1 },
  ];
  assert.deepEqual(reliabilityPoints(bins), { x: [0.05, 0.25], observed: [0, 1], counts: [2, 1] });
  assert.deepEqual(prSeries({ precision: [1, 0.5], recall: [0.5, 1] }), { x: [0, 0.5, 1], y: [1, 1, 0.5] });
  assert.deepEqual(prSeries({ precision: [], recall: [] }), { x: [], y: [] });
});

test('histogram per split: one series per split with posters, zeros where a genre has none', () => {
  const h = splitHistogram(
    [
      { name: 'Action', bySplit: { train: 3, val: 1 } },
      { name: 'Drama', bySplit: { train: 0, val: 2 } },
    ],
    [
      { split: 'train', posters: 4 },
      { split: 'val', posters: 3 },
      { split: 'test', posters: 0 },
    ],
  );
  assert.deepEqual(h, [
    { split: 'train', values: [3, 0] },
    { split: 'val', values: [1, 2] },
  ]);
});

test('grouped bars: a click lands on the bar drawn there, the gap between groups on none', () => {
  // A 50 px slot, 2 bars: the group is 40 px wide, each bar 20 px, from −20 to 0 and 0 to 20.
  assert.deepEqual(barSpan(50, 0, 2), { left: -20, width: 20 });
  assert.deepEqual(barSpan(50, 1, 2), { left: 0, width: 20 });
  assert.equal(barAt(50, -10, 2), 0);
  assert.equal(barAt(50, 5, 2), 1);
  assert.equal(barAt(50, 22, 2), null);
  assert.equal(barAt(50, -21, 2), null);
  // A wide slot: bars stop at 36 px and stay centred on the category.
  assert.deepEqual(barSpan(400, 1, 2), { left: 0, width: 36 });
  assert.equal(barAt(400, -40, 2), null);
  assert.equal(barAt(400, -30, 2), 0);
});

test('PNG file names come from the chart title', () => {
  assert.equal(pngFileName('Precision-recall: Sci-Fi (run #3)'), 'precision-recall-sci-fi-run-3.png');
  assert.equal(pngFileName('Genres that come together (café)'), 'genres-that-come-together-cafe.png');
  assert.equal(pngFileName('***'), 'chart.png');
});
