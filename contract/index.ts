/**
 * The one API contract between the renderer and the back end. Every call (name, input schema, output
 * schema) and every pushed event is declared here; the IPC handlers, the preload bridge, the HTTP/WebSocket
 * bridge and the renderer client are all derived from it. Names are `noun:verb`.
 */
import { z } from 'zod';
import * as L from './schemas/library';
import * as T from './schemas/training';
import * as G from './schemas/tagging';
import * as X from './schemas/xmp';
import { UserPath } from './schemas/user-path';
import * as D from './schemas/dataset';
import * as Lp from './schemas/loop';

const Empty = z.object({}).strict();

export const JobKind = z.enum(['index', 'embed', 'train', 'tag', 'download']);
export const JobStatus = z.enum(['queued', 'running', 'paused', 'done', 'failed', 'cancelled']);
export type JobKind = z.infer<typeof JobKind>;
export type JobStatus = z.infer<typeof JobStatus>;

/** What a finished job reports (JobSnapshot.result), by kind; every kind has one. */
export const JobResults = {
  index: z.object({ files: z.number(), processed: z.number(), unchanged: z.number(), removed: z.number(), failed: z.number(), layout: z.string() }),
  /** Embedding posters outside a training or tagging job (the CLI's own progress). */
  embed: z.object({ backbone: z.string() }),
  /** A backbone download: the backbone now installed. */
  download: z.object({ backbone: z.string() }),
  train: z.object({ runId: z.number() }),
  tag: G.TagSummary,
} satisfies Record<JobKind, z.ZodType>;
export type JobResult<K extends JobKind = JobKind> = z.infer<(typeof JobResults)[K]>;
export type TagSummary = JobResult<'tag'>;

const JobFields = z.object({
  id: z.string(),
  title: z.string(),
  status: JobStatus,
  phase: z.string(),
  done: z.number(),
  failed: z.number(),
  total: z.number(),
  message: z.string().optional(),
  /** Items per second over the recent window, and the estimated seconds left. */
  rate: z.number().optional(),
  etaSeconds: z.number().optional(),
  startedAt: z.string(),
  finishedAt: z.string().optional(),
  error: z.string().optional(),
});
const jobOf = <K extends JobKind>(kind: K) => JobFields.extend({ kind: z.literal(kind), /** Present once done. */ result: z.optional(JobResults[kind]) });

/** A job as the UI shows it; narrowing on `kind` types its `result`. */
export const JobSnapshot = z.discriminatedUnion('kind', [jobOf('index'), jobOf('embed'), jobOf('train'), jobOf('tag'), jobOf('download')]);
export type JobSnapshot = z.infer<typeof JobSnapshot>;

export const AppInfo = z.object({
  name: z.string(),
  version: z.string(),
  /** 'electron' when the desktop shell runs, 'browser' when served through the local bridge. */
  shell: z.enum(['electron', 'browser']),
  dataDir: z.string(),
  tfBackend: z.string(),
  tfNote: z.string().optional(),
  platform: z.string(),
  nodeVersion: z.string(),
  electronVersion: z.string().optional(),
  canPickFolders: z.boolean(),
  /** Whether this CPU runs int8 backbones fast (main/ml/backbones/cpu-features.ts), with the flags that say so. */
  int8: z.object({ fast: z.boolean(), flags: z.array(z.string()), reason: z.string() }),
});
export type AppInfo = z.infer<typeof AppInfo>;

const JobRef = z.object({ id: z.string().min(1).max(64) }).strict();

function call<I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) {
  return { input, output, doc };
}

export const calls = {
  'app:info': call(Empty, AppInfo, 'Version, data folder, active TF.js backend and shell.'),
  'jobs:list': call(Empty, z.array(JobSnapshot), 'Background jobs of this session, newest first.'),
  'jobs:cancel': call(JobRef, JobSnapshot, 'Cancel a queued, running or paused job.'),
  'jobs:pause': call(JobRef, JobSnapshot, 'Pause a running job at its next checkpoint.'),
  'jobs:resume': call(JobRef, JobSnapshot, 'Resume a paused job.'),
  'dialog:pickFolder': call(
    z.object({ title: z.string().max(200).optional() }).strict(),
    z.object({ path: z.string().nullable() }),
    'Native folder picker (desktop shell only; browser mode uses a path field).',
  ),

  'library:list': call(Empty, z.array(L.LibraryRow), 'Opened libraries with their counts.'),
  'library:open': call(
    z.object({ path: UserPath, name: z.string().min(1).max(200).optional(), layout: L.LayoutSetting.optional() }).strict(),
    z.object({ library: L.LibraryRow, job: JobSnapshot }),
    'Add a folder as a library (or re-open it) and start indexing it in the background.',
  ),
  'library:index': call(L.LibraryRef, JobSnapshot, 'Re-index a library: only new or changed files are read.'),
  'library:remove': call(L.LibraryRef, z.object({ removed: z.boolean() }), 'Forget a library (its files are not touched).'),
  'library:report': call(L.LibraryRef, L.ImportReport.nullable(), 'The import report of the last indexing.'),
  'library:writeBack': call(
    L.WriteBackRequest,
    L.WriteBackResult,
    "Write labels edited in the app back to the library's metadata.csv files, atomically, keeping a backup; without confirm: true only names the files it would replace.",
  ),
  'library:exportDataset': call(
    D.DatasetExportRequest,
    D.DatasetExportResult,
    "The library's labels for other trainers: a class-folder tree (copies or links, labels.csv beside it) in a new or empty folder, or Label Studio import tasks.",
  ),
  'library:importLabelStudio': call(
    D.LabelStudioImportRequest,
    D.LabelStudioImportResult,
    "A Label Studio JSON export's choices as the posters' labels; without confirm: true only says what would change.",
  ),
  'posters:query': call(L.PosterQuery, L.PosterPage, 'A page of posters matching the gallery filters.'),
  'posters:get': call(z.object({ id: z.number().int().positive() }).strict(), L.PosterDetail, "A poster's details and labels."),
  'posters:setLabels': call(
    z.object({ id: z.number().int().positive(), genres: z.array(z.string().min(1).max(100)).max(200) }).strict(),
    L.PosterDetail,
    "Replace a poster's genres (saved at once).",
  ),
  'genres:list': call(
    z.object({ libraryId: z.number().int().positive() }).strict(),
    z.object({ genres: z.array(L.GenreCount), splits: z.array(z.object({ split: z.string(), posters: z.number(), labelled: z.number() })) }),
    "The library's genre vocabulary with counts per split.",
  ),
  'genres:add': call(
    z.object({ libraryId: z.number().int().positive(), name: z.string().trim().min(1).max(100) }).strict(),
    z.object({ genres: z.array(L.GenreCount), splits: z.array(z.object({ split: z.string(), posters: z.number(), labelled: z.number() })) }),
    "Add a genre to a library's vocabulary (e.g. to label a plain folder).",
  ),
  'genres:cooccurrence': call(
    L.CooccurrenceRequest,
    L.Cooccurrence,
    'How many posters each pair of genres labels together (in a split, when one is given), for the heatmap.',
  ),
  'posters:ids': call(
    L.PosterIdsQuery,
    z.object({ ids: z.array(z.number()), total: z.number() }),
    'Every poster id matching the gallery filters (for "select all"), in gallery order.',
  ),
  'posters:labelStates': call(
    z.object({ ids: z.array(z.number().int().positive()).min(1).max(10_000) }).strict(),
    z.array(L.LabelState),
    "Posters' labels exactly as stored (with sources), to undo an edit later.",
  ),
  'posters:restoreLabels': call(
    z.object({ states: z.array(L.LabelState).min(1).max(10_000) }).strict(),
    z.object({ restored: z.number() }),
    "Put posters' labels back exactly as a posters:labelStates snapshot had them (undo).",
  ),

  'train:options': call(
    Empty,
    z.object({
      backbones: z.array(T.BackboneOption),
      tutorialGenres: z.array(z.string()),
      defaults: z.object({ head: z.string(), epochs: z.number(), learningRate: z.number(), seed: z.number() }),
    }),
    'Backbones that can be used here (with size and speed) and the default settings.',
  ),
  'backbones:download': call(T.BackboneDownloadRequest, JobSnapshot, 'Download a backbone listed as "not downloaded yet" (a job with progress; cancellable).'),
  'backbones:import': call(
    T.BackboneImportRequest,
    T.BackboneOption,
    'Add a TF.js graph model folder (model.json + weight files) as a backbone, after checking it runs.',
  ),
  'train:start': call(
    T.TrainRequest,
    z.object({ runId: z.number(), job: JobSnapshot, queued: z.boolean(), alreadyRunning: z.boolean().optional() }),
    'Start training a model on a library (one training runs at a time; later ones wait). Identical settings while such a training is queued or running return it (alreadyRunning) instead of a second run.',
  ),
  'runs:list': call(Empty, z.array(T.RunSummary), 'All training runs, newest first.'),
  'runs:get': call(z.object({ id: z.number().int().positive() }).strict(), T.RunDetail, "A run's settings, per-epoch curves and final metrics."),
  'runs:delete': call(z.object({ id: z.number().int().positive() }).strict(), z.object({ deleted: z.boolean() }), 'Delete a run and its model files.'),
  'runs:evaluation': call(
    z.object({ id: z.number().int().positive() }).strict(),
    T.Evaluation,
    "The run's validation predictions, for thresholds and the mistakes grid.",
  ),
  'runs:evaluationCharts': call(
    z.object({ id: z.number().int().positive() }).strict(),
    T.EvaluationCharts,
    "Per-genre precision-recall curves and a reliability plot of the run's evaluation probabilities.",
  ),
  'runs:export': call(
    T.RunExportRequest,
    T.RunExportResult,
    "Save a run's model as one file: .ptmodel for another copy of the app, or a standalone .onnx (pixels in, genre probabilities out, thresholds in its metadata).",
  ),
  'runs:import': call(
    T.RunImportRequest,
    T.RunSummary,
    'Add an exported model file as a new run (checked first: damaged files and missing backbones are refused).',
  ),
  'runs:setTagging': call(
    T.SetTagging,
    T.TaggingResult,
    'Save how a run tags (mode, at most N tags, per-genre thresholds); its stored predictions are re-tagged from their probabilities.',
  ),
  'runs:resetThresholds': call(
    z.object({ runId: z.number().int().positive() }).strict(),
    T.TaggingResult,
    "Forget a run's saved thresholds: it tags with its model's own again.",
  ),
  'runs:prefer': call(
    T.PreferRun,
    z.object({ preferredRunId: z.number().nullable() }),
    'Mark a run as the default model for Tag and Try it (at most one), or unmark it.',
  ),
  'runs:default': call(
    T.DefaultRunRequest,
    T.DefaultRun,
    'The model used when none is picked (the one marked as default, else the latest finished run) and why; null when there is none.',
  ),
  'runs:compare': call(
    T.CompareRunsRequest,
    T.RunComparison,
    'A run against another (default: the tagging model it would replace) on the posters both held out, from their stored evaluation scores: mAP, micro-F1 and per-genre AP.',
  ),
  'predict:files': call(
    z
      .object({
        runId: z.number().int().positive(),
        paths: z.array(UserPath).min(1).max(500),
        threshold: z.number().min(0).max(1).optional(),
        ...T.PredictChoice,
      })
      .strict(),
    z.array(T.Prediction),
    "Genre probabilities and tags for image files on this computer (with the run's saved tagging settings unless mode/maxTags are given).",
  ),
  'files:preview': call(
    z.object({ path: UserPath }).strict(),
    z.object({ mime: z.string(), dataBase64: z.string() }),
    'A small JPEG preview of an image file on this computer (Try it with a typed path).',
  ),
  'predict:images': call(
    z
      .object({
        runId: z.number().int().positive(),
        images: z
          .array(z.object({ name: z.string().min(1).max(500), dataBase64: z.string().min(1).max(8_000_000) }))
          .min(1)
          .max(20),
        threshold: z.number().min(0).max(1).optional(),
        ...T.PredictChoice,
      })
      .strict(),
    z.array(T.Prediction),
    'Genre probabilities and tags for dropped images (sent as bytes).',
  ),
  'tag:start': call(
    G.TagStart,
    z.object({ job: JobSnapshot, libraryIds: z.array(z.number()), runId: z.number(), reason: z.string(), queued: z.boolean(), alreadyRunning: z.boolean() }),
    'Tag folders of posters with a model (default: the one marked as default, else the latest finished run) and its saved tagging settings; only new or changed posters are predicted. The same run and folders while such a job is queued or running return that job (alreadyRunning) instead of a second one.',
  ),
  'tag:retag': call(
    G.TagRetag,
    z.object({
      job: JobSnapshot,
      libraryIds: z.array(z.number()),
      runId: z.number(),
      fromRunId: z.number().nullable(),
      queued: z.boolean(),
      alreadyRunning: z.boolean(),
    }),
    'After promoting a run: re-tag the libraries it or the model it replaces have tagged, from cached embeddings; only posters whose tags change are rewritten (the job result says how many of how many). Labels and rejected genres are kept.',
  ),
  'tag:export': call(
    G.TagExport,
    G.ExportResult,
    'Export tags: CSV, JSON, a training metadata.csv, XMP sidecars next to the images (merged into existing ones), or JPEG copies with the keywords inside.',
  ),
  'tag:removeXmp': call(
    X.XmpRemove,
    G.ExportResult,
    "Take Poster Tagger's genre keywords out of the images' XMP sidecars (everything else kept; sidecars it created with nothing else in them deleted).",
  ),
  'tag:distribution': call(
    G.DistributionRequest,
    G.TagDistribution,
    "How many posters a run tagged with each genre in these libraries, next to the genre's training share; far-off genres flagged.",
  ),
  'predictions:forImages': call(G.ForImages, G.ImagePredictions, "Posters' predicted genres, probabilities and rejected tags by a run."),
  'predictions:accept': call(G.Accept, G.AcceptResult, 'Turn predicted tags of the selected posters into labels.'),
  'predictions:reject': call(
    G.Reject,
    z.object({ imageId: z.number(), prediction: G.PredictionView.nullable() }),
    'Hide a predicted tag of one poster (undo: show it again).',
  ),
  'posters:queryPredicted': call(G.PredictedQuery, G.PredictedPage, 'A page of posters with their predictions, filtered by predicted genre and confidence.'),
  'loop:next': call(
    Lp.LabelNextRequest,
    Lp.LabelNextQueue,
    'Unlabelled posters ranked by how much labelling them helps the model (uncertain near its thresholds, near-duplicates left out), with its suggested genres.',
  ),
  'loop:similar': call(Lp.SimilarRequest, Lp.SimilarResult, 'Posters most like this one across libraries (cosine on cached embeddings).'),
  'loop:duplicates': call(
    Lp.DuplicatesRequest,
    Lp.DuplicatesResult,
    'Near-duplicate posters (re-encodes, resizes, crops) above a similarity threshold; pairs across train and val are marked.',
  ),
  'loop:splitLeaks': call(
    Lp.SplitLeaksRequest,
    Lp.SplitLeaks,
    "Near-duplicate pairs of a library that straddle train and val, by perceptual hash and (when cached) embeddings: the import report's leak check.",
  ),
  'loop:keepOnTrain': call(
    Lp.KeepOnTrainRequest,
    Lp.KeepOnTrainResult,
    'Keep near-duplicates on one side: these val posters count as train for training (recorded in the app, never in your files); undo puts them back.',
  ),
} as const;

export const events = {
  'job:update': JobSnapshot,
  /** Rows of a library were added or changed (indexing progress, label edits): refresh views of it. */
  'library:changed': z.object({ libraryId: z.number(), reason: z.enum(['indexing', 'indexed', 'labels', 'removed', 'predictions']) }),
  /** A training run finished an epoch. */
  'train:epoch': z.object({ runId: z.number(), epoch: T.EpochRow, epochs: z.number() }),
  /** A run's status changed (started, done, failed, cancelled, deleted). */
  'run:update': z.object({ runId: z.number(), status: z.union([T.RunStatus, z.literal('deleted')]) }),
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<K extends CallName> = z.input<Calls[K]['input']>;
export type CallArgs<K extends CallName> = z.output<Calls[K]['input']>;
export type CallOutput<K extends CallName> = z.output<Calls[K]['output']>;

export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<K extends EventName> = z.output<Events[K]>;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];

export function isCallName(name: unknown): name is CallName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(calls, name);
}
export function isEventName(name: unknown): name is EventName {
  return typeof name === 'string' && Object.prototype.hasOwnProperty.call(events, name);
}

/** What the renderer sees, whichever transport carries it. */
export interface PosterTaggerApi {
  call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>>;
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
  /** URL of a poster's thumbnail or full image, served by the custom protocol or the bridge. */
  mediaUrl(kind: 'thumb' | 'image', imageId: number): string;
}
