// The Evaluation view's live totals use the metric definitions of the back end: on random scores and
// thresholds they equal evaluate() (suggestion-only genres never tagged, as the run's headline counts them).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { evaluate } from '../../../../main/ml/metrics';
import { evaluationAt, posterOutcome, truthMatrix } from '../../../../renderer/src/lib/components/runs/evaluation-totals';

function random(seed: number) {
  let s = seed >>> 0;
  return () => (s = (s * 1664525 + 1013904223) >>> 0) / 2 ** 32;
}

test('evaluation totals at slider thresholds equal evaluate() on the same posters', () => {
  const rnd = random(7);
  const genres = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Empty'];
  const g = genres.length;
  const n = 300;
  const items = Array.from({ length: n }, () => {
    const truth = genres.filter((name) => name !== 'Empty' && rnd() < 0.3);
    const scores = genres.map((name) => Math.min(1, Math.max(0, (truth.includes(name) ? 0.35 : 0) + rnd() * 0.65)));
    return { scores, truth };
  });
  const scores = new Float32Array(n * g);
  const targets = new Float32Array(n * g);
  items.forEach((it, i) => genres.forEach((name, j) => ((scores[i * g + j] = it.scores[j]), (targets[i * g + j] = it.truth.includes(name) ? 1 : 0))));
  const truth = truthMatrix(items, genres);

  for (const trial of [0, 1, 2]) {
    const thresholds = genres.map(() => Math.round(rnd() * 100) / 100);
    const auto = trial === 0 ? undefined : genres.map((_, j) => j !== trial);
    // Float32 scores in the reference, as the view's are rounded numbers: compare at the same values.
    const view = evaluationAt(
      items.map((it, i) => ({ ...it, scores: Array.from(scores.subarray(i * g, (i + 1) * g)) })),
      truth,
      genres,
      thresholds,
      auto,
    );
    const ref = evaluate(
      scores,
      targets,
      n,
      genres,
      thresholds.map((t, j) => (auto?.[j] === false ? Number.POSITIVE_INFINITY : t)),
    );
    const close = (a: number | null, b: number, what: string) => assert.ok(a !== null && Math.abs(a - b) < 1e-9, `${what}: ${a} vs ${b}`);
    close(view.totals.microF1, ref.microF1, 'micro-F1');
    close(view.totals.macroF1, ref.macroF1, 'macro-F1');
    close(view.totals.microPrecision ?? 0, ref.microPrecision, 'micro precision');
    close(view.totals.microRecall, ref.microRecall, 'micro recall');
    const refTags = ref.perGenre.reduce((a, m) => a + m.predicted, 0) / n;
    close(view.totals.tagsPerPoster, refTags, 'tags per poster');
    // Per genre: the row's own threshold, whether or not the genre is tagged automatically.
    const rowRef = evaluate(scores, targets, n, genres, thresholds);
    view.perGenre.forEach((row, j) => {
      assert.equal(row.support, rowRef.perGenre[j].support);
      assert.equal(row.precision, rowRef.perGenre[j].precision);
      assert.equal(row.recall, rowRef.perGenre[j].recall);
      assert.equal(row.f1, rowRef.perGenre[j].f1);
    });
  }
});

test('moving one threshold moves the totals', () => {
  const genres = ['A', 'B'];
  const items = [
    { scores: [0.9, 0.2], truth: ['A'] },
    { scores: [0.4, 0.8], truth: ['B', 'A'] },
    { scores: [0.6, 0.1], truth: [] },
  ];
  const truth = truthMatrix(items, genres);
  const strict = evaluationAt(items, truth, genres, [0.95, 0.5]).totals;
  const loose = evaluationAt(items, truth, genres, [0.3, 0.5]).totals;
  assert.equal(strict.tagsPerPoster, 1 / 3);
  assert.equal(loose.tagsPerPoster, 4 / 3);
  assert.equal(strict.microF1, (2 * 1) / (1 + 3));
  assert.equal(loose.microF1, (2 * 3) / (4 + 3));
  assert.equal(loose.labelledPerPoster, 1);
});

test('the Evaluation poster grid never shows a suggestion-only genre as a predicted tag, even above its slider (QA #8)', () => {
  const genres = ['Action', 'Western', 'Drama'];
  const item = { scores: [0.9, 0.95, 0.2], truth: ['Western', 'Drama'] };
  const thresholds = [0.5, 0.1, 0.5];
  // Older models (no auto flags): every genre is tagged.
  assert.deepEqual(posterOutcome(item, genres, thresholds), { predicted: ['Action', 'Western'], missed: ['Drama'], wrong: ['Action'] });
  // Western is suggestion only: not a tag, so its true label is missed, as the totals count it.
  assert.deepEqual(posterOutcome(item, genres, thresholds, [true, false, true]), { predicted: ['Action'], missed: ['Western', 'Drama'], wrong: ['Action'] });
});
