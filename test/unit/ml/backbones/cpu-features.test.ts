import { test } from 'node:test';
import assert from 'node:assert/strict';
import { int8Support } from '../../../../main/ml/backbones/cpu-features';
import { chooseVariant, embeddingCacheKey, BACKBONES, INT8_GRAPH_REVISION } from '../../../../main/ml/backbones/registry';

const cpuinfo = (flags: string) => `processor\t: 0\nvendor_id\t: AuthenticAMD\nflags\t\t: ${flags}\nbogomips\t: 4900\n`;

test('int8 is fast where /proc/cpuinfo shows VNNI, AVX2 or ARM dot product; not on an old CPU or an unknown one', () => {
  const vnni = int8Support(cpuinfo('fpu sse2 avx2 avx512f avx512bw avx512_vnni avx512_bf16'));
  assert.equal(vnni.fast, true);
  assert.match(vnni.reason, /VNNI.*avx512_vnni/);
  assert.ok(vnni.flags.includes('avx2'));
  assert.match(int8Support(cpuinfo('fpu sse2 avx avx2 fma')).reason, /AVX2 integer/);
  assert.equal(int8Support('processor : 0\nFeatures\t: fp asimd asimddp crc32\n').fast, true);
  const old = int8Support(cpuinfo('fpu sse2 sse4_2 avx'));
  assert.equal(old.fast, false);
  assert.match(old.reason, /neither/);
  assert.equal(int8Support(null, 'darwin', 'arm64').fast, true);
  assert.equal(int8Support(null, 'win32', 'x64').fast, false, 'flags that cannot be read: float32, the safe choice');
});

test('the variant: int8 only with a checked int8 model and a fast CPU, or when asked; float32 otherwise, with the reason', () => {
  const fast = { fast: true, flags: ['avx512_vnni'], reason: 'the CPU has VNNI' };
  const slow = { fast: false, flags: [], reason: 'the CPU has neither' };
  assert.deepEqual(chooseVariant(true, true, 'ok', {}, fast), { variant: 'int8', variantReason: 'int8: the CPU has VNNI' });
  assert.equal(chooseVariant(true, true, 'ok', {}, slow).variant, 'float32');
  assert.equal(chooseVariant(true, true, 'ok', { POSTER_TAGGER_BACKBONE_VARIANT: 'int8' }, slow).variant, 'int8');
  assert.equal(chooseVariant(true, true, 'ok', { POSTER_TAGGER_BACKBONE_VARIANT: 'float32' }, fast).variant, 'float32');
  const missing = chooseVariant(true, false, 'no int8 ONNX conversion check on record', { POSTER_TAGGER_BACKBONE_VARIANT: 'int8' }, fast);
  assert.deepEqual(missing, { variant: 'float32', variantReason: 'float32: no int8 ONNX conversion check on record' });
  assert.equal(chooseVariant(false, true, 'ok', {}, fast).variant, 'float32', 'TF.js runs float32 only');
});

test('int8 and float32 embeddings are cached under different keys', () => {
  for (const b of BACKBONES) {
    assert.notEqual(embeddingCacheKey(b, 'int8'), embeddingCacheKey(b, 'float32'));
    assert.equal(embeddingCacheKey(b), embeddingCacheKey(b, 'float32'), 'float32 keeps the key existing caches use');
  }
  assert.equal(embeddingCacheKey({ id: 'x' }, 'int8'), 'x#int8');
  // A new revision of a converter's int8 graph gets its own key; revision 1 keeps the key its caches use.
  assert.match(embeddingCacheKey({ id: 'x', format: 'tflite' }, 'int8'), new RegExp(`^x#int8r${INT8_GRAPH_REVISION.tflite}$`));
  assert.equal(embeddingCacheKey({ id: 'x', format: 'tfjs-graph' }, 'int8'), 'x#int8');
  assert.equal(embeddingCacheKey({ id: 'x', format: 'tflite' }), 'x');
});
