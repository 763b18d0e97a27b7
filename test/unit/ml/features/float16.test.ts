import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodeHalfInto, encodeHalf, toHalfBits } from '../../../../main/ml/features/float16';

test('float16 encodes exactly representable values exactly and the rest to within half an ulp', () => {
  assert.equal(toHalfBits(1), 0x3c00);
  assert.equal(toHalfBits(-2), 0xc000);
  assert.equal(toHalfBits(65504), 0x7bff);
  assert.equal(toHalfBits(1e6), 0x7c00, 'overflow → Infinity');
  assert.equal(toHalfBits(2 ** -24), 0x0001, 'smallest subnormal');
  assert.equal(toHalfBits(1e-9), 0, 'underflow → 0');
  const values = [0, 1, 0.5, 3.140625, 0.1, 7.3, 12.34567, 50.5, 2 ** -20, -0.333];
  const out = new Float32Array(values.length);
  decodeHalfInto(encodeHalf(values), out, 0);
  values.forEach((v, i) => {
    const rel = v === 0 ? Math.abs(out[i]) : Math.abs(out[i] - v) / Math.abs(v);
    assert.ok(rel <= 2 ** -11 + 1e-9 || Math.abs(out[i] - v) < 2 ** -25, `${v} → ${out[i]}`);
  });
  assert.ok(
    Number.isNaN(
      (() => {
        const o = new Float32Array(1);
        decodeHalfInto(encodeHalf([NaN]), o, 0);
        return o[0];
      })(),
    ),
  );
});

test('float16 rounds to nearest even at the halfway point', () => {
  // 1 + 2^-11 is exactly halfway between 1 and 1 + 2^-10: ties to even (1).
  assert.equal(toHalfBits(1 + 2 ** -11), 0x3c00);
  // 1 + 3·2^-11 is halfway between 1 + 2^-10 (odd) and 1 + 2^-9 (even): rounds up.
  assert.equal(toHalfBits(1 + 3 * 2 ** -11), 0x3c02);
});
