import path from 'node:path';
import type { Db } from '../../main/db/database';
import type { DataPaths } from '../../main/core/data-dir';
import { trainHead } from '../../main/ml/train';
import { trainConfig } from '../../main/ml/head';
import { headInfoFromTraining, saveHead } from '../../main/runs/model-io';
import { createRun, setRunStatus, type Run } from '../../main/runs/runs-repo';
import { syntheticTask } from '../unit/ml/synthetic';

/** A finished run whose model (one epoch on a synthetic task) is saved under the data folder's models/`name`. */
export async function savedSyntheticRun(b: { db: Db; paths: Pick<DataPaths, 'models'> }, name: string): Promise<{ run: Run; modelDir: string }> {
  const task = syntheticTask({ train: 40, val: 10, seed: 3 });
  const trained = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ epochs: 1, seed: 1 }) });
  const modelDir = path.join(b.paths.models, name);
  await saveHead(
    modelDir,
    trained.model,
    headInfoFromTraining(trained, { id: 'mobilenet_v2', sha256: {}, inputSize: 224, preprocessing: { kind: 'scale', mean: 127.5, std: 127.5 } }),
  );
  trained.model.dispose();
  const run = createRun(b.db, { dataset: 'synthetic', backbone: 'mobilenet_v2', genres: task.genres, config: trainConfig({}), seed: 1 });
  setRunStatus(b.db, run.id, 'done', { modelPath: modelDir });
  return { run, modelDir };
}
