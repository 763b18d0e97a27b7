/**
 * The default head: one logistic regression per genre on standardised multi-depth embeddings, with
 * strong L2, its strength chosen by k-fold cross-validation, then refitted on every labelled poster.
 *
 * Why this shape: the embeddings have more dimensions (7,488) than a library has posters (~4,000), and
 * genre is a weak, noisy signal; a heavily regularised linear model beats an MLP here (README "Quality")
 * and, being convex, needs no epochs or early stopping to be chosen on noisy validation scores.
 *
 * How it is fast enough to cross-validate in seconds: by the representer theorem an L2-penalised linear
 * model's weights are w = Xᵀα, so training runs on the N×N Gram matrix K = XXᵀ (computed once, by ONNX
 * Runtime's MatMul, ~5× TF.js wasm here). Gradient descent in w is then α ← α − η(R + λα) with
 * R = (σ(Kα + b) − y)/n on the model's training rows, and one K·(update) product per step serves every
 * model at once: every genre × (each fold's model + the final model) × every candidate strength, as
 * columns of one matrix. The product also scores the held-out rows, which gives out-of-fold predictions
 * for free. Nesterov momentum for strongly convex problems; step 1/L from K's largest eigenvalue.
 * Past a few thousand posters K's n² cost dominates; gram.ts then swaps in a low-rank (Nyström) K.
 */
import { CancelledError } from '../core/errors';
import { deriveSeed, seededRandom, shuffleInPlace } from './random';
import { averagePrecision } from './metrics';
import { standardisation } from './head';
import { pickRows } from './rows';
import { gramOperator, type GramInput } from './gram';
import { matMulSession, type Ort } from './ort-matmul';

export interface LinearCvInput {
  /** N×dim raw embeddings (views already averaged). */
  x: Float32Array;
  /** N×g 0/1 targets. */
  y: ArrayLike<number>;
  n: number;
  dim: number;
  g: number;
  folds?: number;
  /** Candidate inverse strengths, as scikit-learn's C: the penalty is ‖w‖²/(2C) against the summed loss. */
  cGrid?: readonly number[];
  /** Optimiser steps per fit. */
  iterations?: number;
  seed?: number;
  signal?: AbortSignal;
  /** After every `reportEvery` steps: where the optimiser is, with out-of-fold mAP per candidate. */
  onRound?: (r: LinearCvRound) => void | Promise<void>;
  reportEvery?: number;
  /**
   * The rows whose out-of-fold scores may choose the L2 strength; default all. The others are still
   * fitted and scored, so their out-of-fold scores stay untouched by any choice (run comparisons).
   */
  chooseOn?: readonly number[];
  /** When to replace the n×n Gram matrix by a low-rank one (see gram.ts). */
  lowRank?: GramInput['lowRank'];
}

export interface LinearCvRound {
  step: number;
  steps: number;
  /** Out-of-fold scores (N×g) of the currently best candidate. */
  oofScores: Float32Array;
  /** In-sample scores of that candidate's final model. */
  fitScores: Float32Array;
  oofMAP: number[];
  best: number;
}

export interface LinearCvResult {
  /** dim×g weights and g biases that take RAW embeddings (standardisation folded in). */
  kernel: Float32Array;
  bias: Float32Array;
  c: number;
  /** Out-of-fold mAP of each candidate, in cGrid order. */
  cvTable: { c: number; oofMAP: number }[];
  /** N×g out-of-fold probabilities of the chosen candidate. */
  oofScores: Float32Array;
  /** Fold of each poster. */
  fold: Uint8Array;
  folds: number;
  mean: Float32Array;
  std: Float32Array;
}

export const DEFAULT_C_GRID = [1e-4, 3e-4, 1e-3] as const;

/** Multi-label stratified folds: rows ordered by their rarest genre, shuffled within, dealt round-robin. */
export function stratifiedFolds(y: ArrayLike<number>, n: number, g: number, folds: number, seed: number): Uint8Array {
  const freq = new Array<number>(g).fill(0);
  for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) if (y[i * g + j] > 0.5) freq[j]++;
  const rarest = new Int32Array(n).fill(n + 1);
  for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) if (y[i * g + j] > 0.5 && freq[j] < rarest[i]) rarest[i] = freq[j];
  const order = Array.from({ length: n }, (_, i) => i);
  shuffleInPlace(order, seededRandom(deriveSeed(seed, 31)));
  order.sort((a, b) => rarest[a] - rarest[b]); // stable: the shuffle decides within a frequency
  const out = new Uint8Array(n);
  order.forEach((row, k) => (out[row] = k % folds));
  return out;
}

const sigmoid = (z: number) => (z >= 0 ? 1 / (1 + Math.exp(-z)) : Math.exp(z) / (1 + Math.exp(z)));

// eslint-disable-next-line max-lines-per-function -- all folds, strengths and genres are fitted in one stacked Nesterov loop over shared buffers
export async function trainLinearCv(input: LinearCvInput): Promise<LinearCvResult> {
  const { x, y, n, dim, g } = input;
  const folds = Math.max(2, Math.min(input.folds ?? 5, n));
  const cGrid = [...(input.cGrid ?? DEFAULT_C_GRID)];
  const steps = input.iterations ?? 50;
  const reportEvery = input.reportEvery ?? 10;
  const seed = input.seed ?? 1;
  const check = () => {
    if (input.signal?.aborted) throw new CancelledError();
  };
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
  const ort = require('onnxruntime-node') as Ort;
  const session = await matMulSession(ort);
  try {
    // Standardise, then K = XsXsᵀ (the one N²·dim product, or its low-rank stand-in).
    const { mean, std } = standardisation(x, n, dim);
    const xsT = new Float32Array(dim * n);
    // The row-major copy lives only for the products, so it does not sit beside the optimiser's buffers.
    const K = await (async () => {
      const xs = new Float32Array(n * dim);
      for (let i = 0; i < n; i++) for (let d = 0; d < dim; d++) xs[i * dim + d] = xsT[d * n + i] = (x[i * dim + d] - mean[d]) / std[d];
      check();
      return gramOperator({ ort, session, xs, xsT, n, dim, lowRank: input.lowRank, seed });
    })();
    check();

    const fold = stratifiedFolds(y, n, g, folds, seed);
    const fits = folds + 1; // each fold's model, then the final one on every row
    const cols = cGrid.length * fits * g; // column = ((c·fits + f)·g + j)
    const trainCount = Array.from({ length: fits }, (_, f) => (f === folds ? n : n - fold.filter((v) => v === f).length));
    const inTrain = (i: number, f: number) => f === folds || fold[i] !== f;
    const lambda = new Float64Array(cols);
    for (let c = 0; c < cGrid.length; c++)
      for (let f = 0; f < fits; f++) for (let j = 0; j < g; j++) lambda[(c * fits + f) * g + j] = 1 / (cGrid[c] * trainCount[f]);

    // Largest eigenvalue of K by power iteration → Lipschitz constant of the steepest model.
    let v = new Float32Array(n).fill(1 / Math.sqrt(n));
    let eig = 0;
    for (let it = 0; it < 12; it++) {
      const kv = await K.apply(v, 1);
      let norm = 0;
      for (let i = 0; i < n; i++) norm += kv[i] * kv[i];
      norm = Math.sqrt(norm);
      eig = norm;
      v = kv.map((e) => e / (norm || 1));
    }
    const minTrain = Math.min(...trainCount);
    let maxLambda = 0;
    let minLambda = Infinity;
    for (const l of lambda) {
      maxLambda = Math.max(maxLambda, l);
      minLambda = Math.min(minLambda, l);
    }
    const L = (0.25 * eig * 1.05) / minTrain + maxLambda;
    const eta = 1 / L;
    const q = Math.sqrt(minLambda / L);
    const beta = (1 - q) / (1 + q);

    const alpha = new Float32Array(n * cols);
    const alphaPrev = new Float32Array(n * cols);
    const zk = new Float32Array(n * cols); // K·α
    const zkPrev = new Float32Array(n * cols);
    const b = new Float64Array(cols);
    const bPrev = new Float64Array(cols);
    // Start the biases at the training prevalence: the models then only learn what differs from it.
    for (let c = 0; c < cGrid.length; c++)
      for (let f = 0; f < fits; f++)
        for (let j = 0; j < g; j++) {
          let pos = 0;
          for (let i = 0; i < n; i++) if (inTrain(i, f) && y[i * g + j] > 0.5) pos++;
          const p = Math.min(1 - 1e-4, Math.max(1e-4, pos / trainCount[f]));
          b[(c * fits + f) * g + j] = bPrev[(c * fits + f) * g + j] = Math.log(p / (1 - p));
        }
    const invCount = trainCount.map((t) => 1 / t);
    const G = new Float32Array(n * cols);
    const at = new Float32Array(n * cols);
    const zt = new Float32Array(n * cols);

    const scoresOf = (c: number, which: 'oof' | 'fit'): Float32Array => {
      const out = new Float32Array(n * g);
      for (let i = 0; i < n; i++) {
        const f = which === 'oof' ? fold[i] : folds;
        for (let j = 0; j < g; j++) {
          const col = (c * fits + f) * g + j;
          out[i * g + j] = sigmoid(zk[i * cols + col] + b[col]);
        }
      }
      return out;
    };
    const yv = new Float32Array(n * g);
    for (let k = 0; k < n * g; k++) yv[k] = y[k] > 0.5 ? 1 : 0;
    const chosen = input.chooseOn;
    const yChosen = chosen ? pickRows(yv, chosen, g) : yv;
    const oofMAPs = (): number[] =>
      cGrid.map((_, c) => {
        const s = chosen ? pickRows(scoresOf(c, 'oof'), chosen, g) : scoresOf(c, 'oof');
        const m = chosen ? chosen.length : n;
        let sum = 0;
        let count = 0;
        for (let j = 0; j < g; j++) {
          const ap = averagePrecision(s, yChosen, m, g, j);
          if (ap !== null) {
            sum += ap;
            count++;
          }
        }
        return count ? sum / count : 0;
      });

    for (let step = 1; step <= steps; step++) {
      check();
      // Look-ahead point (everything is linear in α, so K·α̃ needs no product).
      const mom = step === 1 ? 0 : beta;
      const gb = new Float64Array(cols);
      const bt = new Float64Array(cols);
      for (let col = 0; col < cols; col++) bt[col] = b[col] + mom * (b[col] - bPrev[col]);
      for (let i = 0; i < n; i++) {
        const row = i * cols;
        for (let c = 0; c < cGrid.length; c++)
          for (let f = 0; f < fits; f++) {
            const base = (c * fits + f) * g;
            const w = f === folds || fold[i] !== f ? invCount[f] : 0;
            for (let j = 0; j < g; j++) {
              const col = base + j;
              const k = row + col;
              const a = alpha[k] + mom * (alpha[k] - alphaPrev[k]);
              const z = zk[k] + mom * (zk[k] - zkPrev[k]);
              at[k] = a;
              zt[k] = z;
              const r = w === 0 ? 0 : (1 / (1 + Math.exp(-(z + bt[col]))) - yv[i * g + j]) * w;
              G[k] = r + lambda[col] * a;
              gb[col] += r;
            }
          }
      }
      const KG = await K.apply(G, cols);
      alphaPrev.set(alpha);
      zkPrev.set(zk);
      for (let k = 0; k < alpha.length; k++) {
        alpha[k] = at[k] - eta * G[k];
        zk[k] = zt[k] - eta * KG[k];
      }
      for (let col = 0; col < cols; col++) {
        bPrev[col] = b[col];
        b[col] = bt[col] - eta * gb[col];
      }
      if (input.onRound && (step % reportEvery === 0 || step === steps)) {
        const maps = oofMAPs();
        const best = maps.indexOf(Math.max(...maps));
        await input.onRound({ step, steps, oofScores: scoresOf(best, 'oof'), fitScores: scoresOf(best, 'fit'), oofMAP: maps, best });
      }
    }

    const maps = oofMAPs();
    const best = maps.indexOf(Math.max(...maps));
    // Final model's weights in standardised space: w = Xsᵀα; then fold the standardisation in.
    const aFinal = new Float32Array(n * g);
    for (let i = 0; i < n; i++) for (let j = 0; j < g; j++) aFinal[i * g + j] = alpha[i * cols + (best * fits + folds) * g + j];
    const ws = await K.weights(aFinal, g);
    const kernel = new Float32Array(dim * g);
    const bias = new Float32Array(g);
    for (let j = 0; j < g; j++) {
      let shift = 0;
      for (let d = 0; d < dim; d++) {
        const w = ws[d * g + j] / std[d];
        kernel[d * g + j] = w;
        shift += mean[d] * w;
      }
      bias[j] = b[(best * fits + folds) * g + j] - shift;
    }
    return {
      kernel,
      bias,
      c: cGrid[best],
      cvTable: cGrid.map((c, i) => ({ c, oofMAP: maps[i] })),
      oofScores: scoresOf(best, 'oof'),
      fold,
      folds,
      mean,
      std,
    };
  } finally {
    await session.release();
  }
}
