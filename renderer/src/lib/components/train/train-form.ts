/** The Train form's choices, kept across reloads (Persisted); values that no longer apply fall back. */
export type GenreMode = 'all' | 'tutorial' | 'pick';
export type HeadChoice = 'default' | 'mlp' | 'baseline';

export interface TrainForm {
  libraryId?: number;
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
