import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { testBackend, trainTinyModel } from '../../helpers/backend';
import { skipWithoutMobilenet } from '../../helpers/backbones';
import { onnxCheckerError, openWebRuntime, skipWithoutPythonOnnx } from '../../helpers/onnx-check';
import { tempDir } from '../../helpers/temp';
import { decodeViews } from '../../../main/ml/features/decode';
import { readMetadataProps } from '../../../main/ml/onnx/onnx-reader';

const SIZE = 224; // mobilenet_v2's input

/** The posters of the tiny library, train then val, in file-name order. */
function posterFiles(root: string): string[] {
  return ['train', 'val'].flatMap((split) =>
    fs
      .readdirSync(path.join(root, split))
      .filter((f) => f.endsWith('.jpg'))
      .sort()
      .map((f) => path.join(root, split, f)),
  );
}

test(
  'a run exported as ONNX gives the app’s probabilities on 50 posters in a second runtime, with its genres and thresholds inside',
  { skip: skipWithoutMobilenet, timeout: 600_000 },
  async (t) => {
    // float32: the ≤ 1e-4 agreement is the export's own. int8 kernels round differently in each runtime
    // and CPU (ONNX Runtime's VNNI path against the wasm one: up to ~3e-3 here), see README.
    const variant = process.env.POSTER_TAGGER_BACKBONE_VARIANT;
    process.env.POSTER_TAGGER_BACKBONE_VARIANT = 'float32';
    t.after(() => (variant === undefined ? delete process.env.POSTER_TAGGER_BACKBONE_VARIANT : (process.env.POSTER_TAGGER_BACKBONE_VARIANT = variant)));
    const b = testBackend();
    try {
      const root = tempDir();
      const { runId } = await trainTinyModel(b, path.join(root, 'lib'), { train: 40, val: 12 });
      await b.call('runs:setTagging', { runId, mode: 'broad', maxTags: 3 });
      const file = path.join(root, 'model.onnx');

      const first = await b.call('runs:export', { id: runId, file, format: 'onnx' });
      assert.equal(first.exists, undefined);
      assert.ok(first.bytes > 5_000_000, `the backbone is inside (${first.bytes} bytes)`);
      // An existing file is never replaced unasked.
      const mtime = fs.statSync(file).mtimeMs;
      const again = await b.call('runs:export', { id: runId, file, format: 'onnx' });
      assert.equal(again.exists, file);
      assert.equal(fs.statSync(file).mtimeMs, mtime);

      const posters = posterFiles(path.join(root, 'lib')).slice(0, 50);
      assert.equal(posters.length, 50);
      const app = await b.call('predict:files', { runId, paths: posters });
      const detail = await b.call('runs:get', { id: runId });
      const genres = detail.genres;

      const props = readMetadataProps(fs.readFileSync(file));
      assert.deepEqual(JSON.parse(props.genres), genres);
      const rule = JSON.parse(props.decision_rule);
      assert.equal(rule.mode, 'broad');
      assert.equal(rule.maxTags, 3);
      const thresholds = JSON.parse(props.thresholds) as (number | null)[];
      assert.equal(thresholds.length, genres.length);
      assert.match(JSON.parse(props.preprocessing).resize, /224x224 .*no crop, no padding/);
      assert.equal(JSON.parse(props.provenance).run, runId);

      // The file's rule gives the app's tags.
      const ort = await openWebRuntime(file);
      try {
        const pixels = Buffer.concat(await Promise.all(posters.map(async (p) => (await decodeViews(fs.readFileSync(p), SIZE, ['original'])).get('original')!)));
        let maxDiff = 0;
        const probs = new Float32Array(posters.length * genres.length);
        for (let start = 0; start < posters.length; start += 10) {
          const out = await ort.run(pixels.subarray(start * SIZE * SIZE * 3, (start + 10) * SIZE * SIZE * 3), 10, SIZE);
          probs.set(out, start * genres.length);
        }
        app.forEach((r, i) =>
          genres.forEach((g, j) => {
            maxDiff = Math.max(maxDiff, Math.abs(r.probabilities[g] - probs[i * genres.length + j]));
          }),
        );
        t.diagnostic(`max |app − onnxruntime-web| over ${posters.length} posters × ${genres.length} genres: ${maxDiff.toExponential(2)}`);
        assert.ok(maxDiff <= 1e-4, `max difference ${maxDiff}`);
        app.forEach((r, i) => {
          const tags = genres
            .map((g, j) => ({ g, p: probs[i * genres.length + j], t: thresholds[j] }))
            .filter((x) => x.t !== null && x.p >= x.t)
            .sort((a, c) => c.p - a.p)
            .slice(0, rule.maxTags)
            .map((x) => x.g);
          assert.deepEqual(tags, r.tags, `tags of ${path.basename(posters[i])}`);
        });
      } finally {
        await ort.release();
      }

      if (skipWithoutPythonOnnx) t.diagnostic(`onnx checker skipped: ${skipWithoutPythonOnnx}`);
      else assert.equal(onnxCheckerError(file), '', 'onnx.checker.check_model accepts the file');
    } finally {
      await b.close();
    }
  },
);

test('ONNX export refuses a folder, a missing folder and a run without a model', async () => {
  const b = testBackend();
  try {
    const root = tempDir();
    await assert.rejects(b.call('runs:export', { id: 99, file: path.join(root, 'm.onnx'), format: 'onnx' }), /no run #99/i);
    await assert.rejects(b.call('runs:export', { id: 1, file: path.join(root, 'nope', 'm.onnx'), format: 'onnx' }), /no run #1|does not exist/i);
  } finally {
    await b.close();
  }
});
