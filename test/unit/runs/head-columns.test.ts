import { test } from 'node:test';
import assert from 'node:assert/strict';
import { headColumns, selectColumns } from '../../../main/runs/model-io';
import { getBackbone } from '../../../main/ml/backbones/registry';

test('a model trained before the taps reads the last tap (the former embedding) out of the new vectors', () => {
  const spec = getBackbone('inception_v3');
  assert.deepEqual(headColumns(7488, spec), { start: 0, size: 7488 });
  assert.deepEqual(headColumns(2048, spec), { start: 7488 - 2048, size: 2048 }, 'Mixed_7c means = the old AvgPool output');
  assert.deepEqual(headColumns(1280, getBackbone('mobilenet_v2')), { start: 3776 - 1280, size: 1280 });
  assert.throws(() => headColumns(100, spec), /takes embeddings of 100 values but its backbone now gives 7488; train it again/);
  const x = Float32Array.from({ length: 2 * 5 }, (_, i) => i);
  assert.deepEqual(selectColumns(x, 2, 5, { start: 3, size: 2 }), Float32Array.of(3, 4, 8, 9));
  assert.equal(selectColumns(x, 2, 5, { start: 0, size: 5 }), x, 'no copy when every column is read');
});
