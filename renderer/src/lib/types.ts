// Renderer-side names for the contract's data shapes.
import type { CallOutput } from '../../../contract';

export type LibraryRow = CallOutput<'library:list'>[number];
export type PosterPage = CallOutput<'posters:query'>;
export type PosterSummary = PosterPage['items'][number];
export type PosterDetail = CallOutput<'posters:get'>;
export type GenreInfo = CallOutput<'genres:list'>;
export type ImportReport = NonNullable<CallOutput<'library:report'>>;
export type Split = 'train' | 'val' | 'test' | 'predict';
export type RunSummary = CallOutput<'runs:list'>[number];
export type RunDetail = CallOutput<'runs:get'>;
export type EpochRow = RunDetail['history'][number];
/** How a run's headline numbers were measured. */
export type RunEvaluation = NonNullable<RunSummary['evaluation']>;
/** A bootstrap interval: value, low and high, each from 0 to 1. */
export type MetricInterval = NonNullable<RunEvaluation['intervals']>['mAP'];
export type Evaluation = CallOutput<'runs:evaluation'>;
export type TrainOptions = CallOutput<'train:options'>;
export type Prediction = CallOutput<'predict:files'>[number];
export type PredictedPage = CallOutput<'posters:queryPredicted'>;
export type PredictionView = NonNullable<PredictedPage['items'][number]['prediction']>;
/** A gallery row, with the selected model's prediction when one is chosen. */
export type GalleryItem = PosterSummary & { prediction?: PredictionView | null };
