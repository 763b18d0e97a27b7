// Smoke test of the pipeline with a real backbone; skipped when the models are not installed.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hashFile } from '../../../../main/core/content-hash';
import { standaloneJobContext } from '../../../../main/jobs/types';
import { availableBackbones } from '../../../../main/ml/backbones/registry';
import { loadEmbeddings } from '../../../../main/ml/features/embedding-store';
import { embedImages } from '../../../../main/ml/features/pipeline';
import { sandbox, writePosters } from './fixtures';

const mobilenet = availableBackbones().find((b) => b.id === 'mobilenet_v2');
const skip =
  !mobilenet?.installed || !mobilenet.onnx ? `mobilenet_v2 not installed with a checked ONNX model (${mobilenet?.problem ?? mobilenet?.onnxReason})` : false;

test('mobilenet_v2 on ONNX Runtime embeds generated posters, both views, then serves them from the cache', { skip }, async () => {
  const s = sandbox();
  try {
    const files = await writePosters(s.dir, 3);
    const items = files.map((p) => ({ path: p }));
    const run = await embedImages(s.db, items, 'mobilenet_v2', standaloneJobContext(), { views: ['original', 'flipped'], engine: 'onnxruntime' });
    assert.deepEqual([run.embedded, run.cached, run.failed.length], [3, 0, 0]);
    const hashes = await Promise.all(files.map(hashFile));
    const orig = loadEmbeddings(s.db, hashes, 'mobilenet_v2', 'original');
    const flip = loadEmbeddings(s.db, hashes, 'mobilenet_v2', 'flipped');
    assert.equal(orig.dim, 3776, 'four MobileNetV2 depths');
    assert.equal(orig.missingCount + flip.missingCount, 0);
    assert.ok(orig.vectors.every(Number.isFinite));
    assert.ok(
      orig.vectors.some((v) => v > 0),
      'not all zeros',
    );
    assert.notDeepEqual(orig.vectors, flip.vectors);
    const again = await embedImages(s.db, items, 'mobilenet_v2', standaloneJobContext(), { views: ['original', 'flipped'] });
    assert.deepEqual([again.embedded, again.cached], [0, 3]);
  } finally {
    s.cleanup();
  }
});
