/**
 * The shipped backbones against their golden embeddings, on both engines. Needs resources/models
 * (made by `npm ci` through postinstall); skips with the reason when it is absent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { compareEmbeddings, goldenPixels, type Golden } from '../../../../main/ml/backbones/convert/golden';
import { openBackbone } from '../../../../main/ml/backbones/open';
import { BACKBONES, GOLDEN_FILE, availableBackbones, backboneDir, modelsDir } from '../../../../main/ml/backbones/registry';
import { INT8_MIN_COSINE, cosineSimilarity } from '../../../../main/ml/backbones/convert/fetch-models';

const dir = modelsDir();

/** A backbone's golden embedding, and a batch of its golden image and that image inverted (a second, different image checks that rows do not mix). */
function goldenBatch(entry: (typeof BACKBONES)[number]): { golden: Golden; batch: Uint8Array } {
  const golden = JSON.parse(fs.readFileSync(path.join(backboneDir(entry.id, dir), GOLDEN_FILE), 'utf8')) as Golden;
  const px = goldenPixels(entry.inputSize);
  const batch = new Uint8Array(px.length * 2);
  batch.set(px, 0);
  batch.set(
    px.map((v) => 255 - v),
    px.length,
  );
  return { golden, batch };
}
const status = new Map(availableBackbones(dir).map((a) => [a.id, a]));

for (const entry of BACKBONES) {
  const a = status.get(entry.id)!;
  const skip = a.installed ? false : `${entry.id} not installed in ${dir} (${a.problem}); run: node --import tsx scripts/fetch-models.ts`;

  test(`${entry.id}: both engines reproduce the golden embedding`, { skip, timeout: 60_000 }, async () => {
    assert.ok(a.onnx, `the converted ONNX model should be verified: ${a.onnxReason}`);
    const { golden, batch } = goldenBatch(entry);
    assert.equal(golden.embedding.length, entry.embeddingSize);
    const results: Float32Array[] = [];
    for (const engine of ['onnxruntime', 'tfjs'] as const) {
      const b = await openBackbone(entry.id, { engine, threads: 2 });
      try {
        assert.equal(b.engine, engine);
        const out = await b.embed(batch, 2);
        const cmp = compareEmbeddings(out.subarray(0, entry.embeddingSize), golden.embedding);
        assert.ok(cmp.ok, `${engine}: max diff ${cmp.maxAbsDiff} > ${cmp.tolerance}`);
        results.push(out);
      } finally {
        await b.dispose();
      }
    }
    const cmp = compareEmbeddings(results[0], results[1]);
    assert.ok(cmp.ok, `engines disagree on the batch: ${cmp.maxAbsDiff}`);
    const second = results[0].subarray(entry.embeddingSize);
    assert.ok(compareEmbeddings(second, golden.embedding).maxAbsDiff > 1e-2, 'the inverted image has its own embedding');
  });

  const skipInt8 = skip || (a.int8 ? false : `${entry.id} has no checked int8 model (${a.int8Reason}); run: node --import tsx scripts/fetch-models.ts`);
  test(`${entry.id}: the int8 graph agrees with the golden embedding and keeps batch rows apart`, { skip: skipInt8, timeout: 60_000 }, async () => {
    const { golden, batch } = goldenBatch(entry);
    const b = await openBackbone(entry.id, { variant: 'int8', threads: 2 });
    try {
      assert.equal(b.variant, 'int8');
      assert.match(b.engineReason, /int8/);
      const out = await b.embed(batch, 2);
      const first = cosineSimilarity(out.subarray(0, entry.embeddingSize), golden.embedding);
      assert.ok(first >= INT8_MIN_COSINE, `cosine to the float golden ${first} < ${INT8_MIN_COSINE}`);
      const second = cosineSimilarity(out.subarray(entry.embeddingSize), golden.embedding);
      assert.ok(second < first, 'the inverted image has its own embedding');
    } finally {
      await b.dispose();
    }
    await assert.rejects(openBackbone(entry.id, { variant: 'int8', engine: 'tfjs' }), /int8 variant runs on ONNX Runtime only/);
  });
}
