// Shared by the loop bench and its timings: the data set's cached embeddings as pools, a retrain, scoring.
import { hashFile } from '../../../main/core/content-hash';
import type { Db } from '../../../main/db/database';
import { loadBothViews } from '../../../main/runs/both-views';
import { readLabelledFolder } from '../../../main/training/labelled-folder';
import { trainLinearCv } from '../../../main/ml/linear-cv';
import { matMul, matMulSession, type Ort } from '../../../main/ml/ort-matmul';
import { fitDecisionRule, thresholdsForMode } from '../../../main/ml/decision-rule';

export interface Pool {
  /** n × dim, original and flipped views averaged (what the linear head sees). */
  x: Float32Array;
  y: Uint8Array;
  n: number;
}

export async function readPool(db: Db, dir: string, backbone: string, genres?: string[]): Promise<{ pool: Pool; genres: string[]; dim: number }> {
  const folder = await readLabelledFolder(dir);
  const hashes = await Promise.all(folder.items.map((i) => hashFile(i.path)));
  const names = genres ?? folder.genres.filter((g) => folder.items.some((i) => i.genres.includes(g)));
  const views = loadBothViews(db, hashes, backbone);
  if (views.missing || !views.xFlip)
    throw new Error(`${views.missing} embeddings of ${backbone} are missing for ${dir}: embed them first (bench quality --data-dir)`);
  const n = hashes.length;
  const x = new Float32Array(views.x.length);
  for (let i = 0; i < x.length; i++) x[i] = (views.x[i] + views.xFlip[i]) / 2;
  const y = new Uint8Array(n * names.length);
  folder.items.forEach((item, i) => names.forEach((g, j) => (y[i * names.length + j] = item.genres.includes(g) ? 1 : 0)));
  return { pool: { x, y, n }, genres: names, dim: x.length / n };
}

export function rows(p: Pool, idx: readonly number[], dim: number, g: number): Pool {
  const x = new Float32Array(idx.length * dim);
  const y = new Uint8Array(idx.length * g);
  idx.forEach((i, r) => {
    x.set(p.x.subarray(i * dim, (i + 1) * dim), r * dim);
    y.set(p.y.subarray(i * g, (i + 1) * g), r * g);
  });
  return { x, y, n: idx.length };
}

/** Probabilities of a kernel/bias head on raw rows, one ONNX MatMul. */
export async function scoresOf(ort: Ort, x: Float32Array, n: number, dim: number, kernel: Float32Array, bias: Float32Array, g: number): Promise<Float32Array> {
  const s = await matMulSession(ort);
  try {
    const z = await matMul(ort, s, x, n, dim, kernel, g);
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) z[i * g + j] = 1 / (1 + Math.exp(-(z[i * g + j] + bias[j])));
    return z;
  } finally {
    await s.release();
  }
}

/** Retrain on the labelled rows: the default head's CV fit and its balanced thresholds. */
export async function fit(pool: Pool, labelled: readonly number[], dim: number, g: number, genres: string[], seed: number) {
  const set = rows(pool, labelled, dim, g);
  const cv = await trainLinearCv({ x: set.x, y: set.y, n: set.n, dim, g, folds: 5, seed });
  const rule = fitDecisionRule(cv.oofScores, set.y, set.n, genres);
  return { kernel: cv.kernel, bias: cv.bias, thresholds: thresholdsForMode(rule, 'balanced') };
}
