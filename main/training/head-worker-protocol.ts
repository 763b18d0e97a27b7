// Messages between the back end and the head-training worker (main/training/head-worker.ts).
import type { EmbeddingSet } from '../ml/dataset';
import type { EpochMetrics, TrainProgress, TrainResult } from '../ml/train';
import type { TrainConfig } from '../ml/head';

export interface HeadJob {
  train: EmbeddingSet;
  val?: EmbeddingSet;
  genres: string[];
  config: TrainConfig;
  /** Saved here (a temp folder the caller renames into place). */
  modelDir: string;
  backbone: { id: string; sha256: Record<string, string>; inputSize: number; preprocessing: unknown; variant: 'float32' | 'int8' };
  /** Posters whose validation scores the evaluation view shows: rows of `val`, or of `train` when held out. */
  evaluate: 'val' | 'holdout';
}

export type HeadOutcome = Omit<TrainResult, 'model'> & {
  /** n×genres scores (test-time flip) of the evaluation posters, and which train rows they are when held out. */
  evalScores: Float32Array;
  evalRows?: number[];
};

export type ToHeadWorker = { type: 'cancel' } | { type: 'pause' } | { type: 'resume' };
export type FromHeadWorker =
  | { type: 'epoch'; epoch: EpochMetrics }
  | { type: 'progress'; progress: TrainProgress }
  | { type: 'done'; outcome: HeadOutcome }
  | { type: 'error'; message: string; cancelled: boolean };
