/** The Train form's choices, kept across reloads (Persisted); values that no longer apply fall back. */
export type GenreMode = 'all' | 'tutorial' | 'pick';
export type HeadChoice = 'default' | 'mlp' | 'baseline';

export interface TrainForm {
  libraryId?: number;
  /** More libraries to train on together with libraryId ("also train on"). */
  alsoLibraryIds: number[];
  genreMode: GenreMode;
  picked: string[];
  /** '' : the default backbone. */
  backbone: string;
  head: HeadChoice;
  epochs: number;
  learningRate: number;
  seed: number;
  earlyStopping: boolean;
  /** Embed each poster's mirror image too (views: 'both'). */
  mirror: boolean;
}

export const DEFAULT_FORM: TrainForm = {
  alsoLibraryIds: [],
  genreMode: 'all',
  picked: [],
  backbone: '',
  head: 'default',
  epochs: 40,
  learningRate: 0.001,
  seed: 1,
  earlyStopping: true,
  mirror: false,
};

const isNum = (v: unknown, min: number, max: number) => typeof v === 'number' && Number.isFinite(v) && v >= min && v <= max;

/** Stored form values, field by field: a hand-edited or outdated field gets its default, the rest is kept. */
export function sanitizeForm(raw: unknown): TrainForm {
  const v = (raw && typeof raw === 'object' ? raw : {}) as Record<string, unknown>;
  return {
    libraryId: Number.isInteger(v.libraryId) && (v.libraryId as number) > 0 ? (v.libraryId as number) : undefined,
    alsoLibraryIds: Array.isArray(v.alsoLibraryIds)
      ? [...new Set(v.alsoLibraryIds.filter((id): id is number => Number.isInteger(id) && (id as number) > 0))].slice(0, 50)
      : [],
    genreMode: v.genreMode === 'tutorial' || v.genreMode === 'pick' ? v.genreMode : 'all',
    picked: Array.isArray(v.picked) ? v.picked.filter((g): g is string => typeof g === 'string').slice(0, 500) : [],
    backbone: typeof v.backbone === 'string' ? v.backbone : '',
    head: v.head === 'mlp' || v.head === 'baseline' ? v.head : 'default',
    epochs: isNum(v.epochs, 1, 500) && Number.isInteger(v.epochs) ? (v.epochs as number) : DEFAULT_FORM.epochs,
    learningRate: isNum(v.learningRate, 0.00001, 1) ? (v.learningRate as number) : DEFAULT_FORM.learningRate,
    seed: isNum(v.seed, 0, 0xffffffff) && Number.isInteger(v.seed) ? (v.seed as number) : DEFAULT_FORM.seed,
    earlyStopping: typeof v.earlyStopping === 'boolean' ? v.earlyStopping : true,
    mirror: v.mirror === true,
  };
}

/** A library as the form lists it. */
export interface LibraryChoice {
  id: number;
  name: string;
  labelledCount: number;
}

/**
 * The libraries to also train on: the remembered picks that are still open, never the main library
 * (a library closed since, or chosen as the main one, drops out without being forgotten elsewhere).
 */
export function alsoTrainOn(list: readonly LibraryChoice[], mainId: number | undefined, picked: readonly number[]): number[] {
  const open = new Set(list.map((l) => l.id));
  return picked.filter((id) => id !== mainId && open.has(id));
}

/**
 * Labelled posters the run can use: the main library's and each added one's. An upper bound, since a
 * poster in two libraries is used once (the back end says how many were repeated in the run's notes).
 */
export function labelledTotal(list: readonly LibraryChoice[], mainId: number | undefined, also: readonly number[]): number {
  const ids = new Set([...(mainId === undefined ? [] : [mainId]), ...also]);
  return list.filter((l) => ids.has(l.id)).reduce((sum, l) => sum + l.labelledCount, 0);
}
