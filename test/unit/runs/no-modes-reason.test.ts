// QA #12: a model without tagging modes says why: an MLP (or tutorial) head has no decision rule; only
// a default-head model from before modes is "trained before tagging modes".
import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { testBackend } from '../../helpers/backend';
import { syntheticTask } from '../ml/synthetic';
import { trainHead } from '../../../main/ml/train';
import { saveHead, headInfoFromTraining } from '../../../main/runs/model-io';
import { createRun, setRunStatus } from '../../../main/runs/runs-repo';
import { noModesReason } from '../../../main/runs/runs-service';
import { trainConfig } from '../../../main/ml/head';

test('runs: an MLP run has no modes because of its head, not its age; a default-head run has modes', async () => {
  const b = testBackend();
  try {
    const task = syntheticTask({ train: 40, val: 12, seed: 5 });
    const ids: Record<string, number> = {};
    for (const head of ['mlp', 'default'] as const) {
      const trained = await trainHead({
        train: task.train,
        val: task.val,
        genres: task.genres,
        config: trainConfig({ head, epochs: 1, seed: 1, iterations: 20 }),
      });
      const run = createRun(b.db, { dataset: 'synthetic', backbone: 'mobilenet_v2', genres: task.genres, config: trainConfig({ ...trained.config }), seed: 1 });
      const dir = path.join(b.paths.models, `run-${run.id}`);
      await saveHead(dir, trained.model, headInfoFromTraining(trained, { id: 'mobilenet_v2', sha256: {}, inputSize: 224, preprocessing: { kind: 'raw' } }));
      trained.model.dispose();
      setRunStatus(b.db, run.id, 'done', { modelPath: dir });
      ids[head] = run.id;
    }
    const mlp = await b.call('runs:get', { id: ids.mlp });
    assert.equal(mlp.tagging.hasModes, false);
    assert.match(mlp.tagging.noModes ?? '', /default \(cross-validated linear\) head; this MLP model/);
    assert.doesNotMatch(mlp.tagging.noModes ?? '', /trained before/);
    const linear = await b.call('runs:get', { id: ids.default });
    assert.equal(linear.tagging.hasModes, true);
    assert.equal(linear.tagging.noModes, null);
    assert.match(noModesReason({ config: trainConfig({ head: 'default' }) }), /trained before tagging modes/);
    assert.match(noModesReason({ config: trainConfig({ head: 'baseline' }) }), /tutorial linear model/);
  } finally {
    b.close();
  }
});
