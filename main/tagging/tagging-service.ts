// Batch tagging's use cases: start a job on folders, review predictions, export tags. Handlers and the
// CLI call these; the service emits the bus events the galleries refresh on.
import fs from 'node:fs';
import path from 'node:path';
import type { CallArgs, CallOutput } from '../../contract';
import type { ServiceDeps } from '../services';
import { AppError, InvalidError, NotFoundError } from '../core/errors';
import { getLibrary, openLibrary, resolveLibraryRoot } from '../library/library-repo';
import { queryPosters } from '../library/gallery-queries';
import { chooseRun, defaultRun } from '../runs/run-choice';
import { librariesWithRunPredictions } from '../runs/runs-repo';
import { tagLibraries } from './tag-job';
import { acceptPredictions, libraryIdAtRoot, predictionFilterSql, predictionsForImages, rejectPrediction, runGenres } from './predictions-repo';
import { exportTags, libraryImagePaths } from './export';
import { tagDistribution } from './tag-distribution';
import { removeXmpKeywords } from './xmp/sidecars';
import { tagJobKey } from '../jobs/duplicate-jobs';

type Deps = Pick<ServiceDeps, 'db' | 'bus' | 'jobs' | 'paths' | 'media' | 'predictor'>;
type ChangeReason = 'predictions' | 'indexed' | 'labels';

/** Galleries refresh as predictions land, at most this often. */
const EVENT_EVERY_MS = 500;
/** Failures a finished job's snapshot lists (all are counted). */
const LISTED_FAILURES = 20;

function emitChanged(bus: Deps['bus'], reason: ChangeReason, ids: readonly number[]) {
  for (const libraryId of ids) bus.emit('library:changed', { libraryId, reason });
}

/**
 * Starts a tagging job on already opened libraries (one tagging job runs at a time; later ones wait). The
 * same run on the same libraries while such a job is queued, running or paused returns that job
 * (`alreadyRunning`) instead of queueing a copy that would find nothing left to tag.
 */
function startTaggingJob(deps: Deps, runId: number, libraryIds: number[], force: boolean, fast = false, retag?: { fromRunId: number | null }) {
  const { db, bus, jobs, paths, predictor } = deps;
  const changed = (reason: ChangeReason, ids: readonly number[]) => emitChanged(bus, reason, ids);
  const key = tagJobKey(runId, libraryIds, force || Boolean(retag)) + (fast ? ':fast' : '') + (retag ? ':retag' : '');
  const existing = jobs.findActive(key);
  if (existing) return { job: existing.snapshot, queued: existing.snapshot.status === 'queued', alreadyRunning: true };
  // The run's saved settings, read for each chunk: a change while the job runs applies to the rest.
  const tagOptions = () => predictor.tagOptions(runId);
  const names = libraryIds.map((id) => getLibrary(db, id).name);
  const queued = jobs.busy('tag');
  let lastEvent = 0;
  const onStored = (ids: readonly number[]) => {
    const now = Date.now();
    if (now - lastEvent >= EVENT_EVERY_MS) {
      lastEvent = now;
      changed('predictions', ids);
    }
  };
  const { snapshot } = jobs.start({
    kind: 'tag',
    key,
    title: `${retag ? 'Re-tagging' : 'Tagging'} ${names.length === 1 ? names[0] : `${names.length} folders`} with run #${runId}`,
    lane: 'tag',
    run: async (ctx) => {
      try {
        const tagDeps = { db, thumbnailsDir: paths.thumbnails, predictor, onIndexed: (id: number) => changed('indexed', [id]), onStored };
        const embed = { backbonesDir: predictor.catalog.userDir };
        return await tagLibraries(tagDeps, { runId, libraryIds, force, tagOptions, fast, embed, retag }, ctx);
      } finally {
        changed('predictions', libraryIds);
      }
    },
    summarize: (r) => ({ ...r, failures: r.failures.slice(0, LISTED_FAILURES) }),
  });
  return { job: snapshot, queued, alreadyRunning: false };
}

/**
 * After promoting a run: re-tags the libraries the model it replaces (`fromRunId`, default the model
 * Tag would use without this run) or this run have tagged, from cached embeddings, rewriting only the
 * posters whose tags change (TagSummary.retag says how many of how many). Labels are never touched;
 * rejected genres stay rejected (they are kept per poster, not per prediction).
 */
async function retagAfterPromotion(deps: Deps, { runId, fromRunId, libraryIds }: CallArgs<'tag:retag'>): Promise<CallOutput<'tag:retag'>> {
  const { db, predictor } = deps;
  const { run } = chooseRun(db, runId);
  const from = fromRunId ?? defaultRun(db, { without: run.id })?.run.id ?? null;
  if (from !== null) runGenres(db, from); // "There is no run #…"
  const ids = libraryIds?.length
    ? [...new Set(libraryIds)]
    : [...new Set([...(from === null ? [] : librariesWithRunPredictions(db, from)), ...librariesWithRunPredictions(db, run.id)])].sort((a, b) => a - b);
  ids.forEach((id) => getLibrary(db, id));
  if (ids.length === 0)
    throw new InvalidError(`No library has been tagged with run #${run.id}${from === null ? '' : ` or run #${from}`} yet: tag a folder in the Tag view first.`);
  await predictor.head(run.id).catch((err: unknown) => {
    throw err instanceof AppError ? err : new InvalidError(`Run #${run.id}'s model cannot be used: ${(err as Error).message}`);
  });
  const replaced = from === run.id ? null : from;
  const { job, queued, alreadyRunning } = startTaggingJob(deps, run.id, ids, true, false, { fromRunId: replaced });
  return { job, libraryIds: ids, runId: run.id, fromRunId: replaced, queued, alreadyRunning };
}

/** The libraries an export covers: the opened folder named, else the ids given (each checked). */
function exportLibraries(db: Deps['db'], libraryIds: number[] | undefined, folder: string | undefined): number[] {
  let ids = libraryIds ?? [];
  if (folder) {
    const root = resolveLibraryRoot(folder);
    const id = libraryIdAtRoot(db, root);
    if (id === undefined) throw new NotFoundError(`${root} is not an opened folder; tag it first.`);
    ids = [id];
  }
  ids.forEach((id) => getLibrary(db, id));
  return ids;
}

/** Where CSV and JSON exports go when the caller names no file. */
function defaultExportFile(paths: Deps['paths'], runId: number, format: 'csv' | 'json'): string {
  const dir = path.join(paths.root, 'exports');
  fs.mkdirSync(dir, { recursive: true });
  return path.join(dir, `run-${runId}-tags-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`);
}

export function createTaggingService(deps: Deps) {
  const { db, bus, paths, media, predictor } = deps;
  const changed = (reason: ChangeReason, ids: readonly number[]) => emitChanged(bus, reason, ids);
  const startOn = (runId: number, libraryIds: number[], force: boolean, fast = false) => startTaggingJob(deps, runId, libraryIds, force, fast);

  return {
    /** Tags already opened libraries (the job of `start`, without its checks). */
    startOn,

    /** Tags folders with a run (default: the default model): folders and model are checked before the job starts. */
    async start({ runId, folders, force, fast }: CallArgs<'tag:start'>): Promise<CallOutput<'tag:start'>> {
      const { run, reason } = chooseRun(db, runId);
      // Every folder is checked before anything starts: a typo fails the call, not the job.
      const roots = folders.map((f) => resolveLibraryRoot(f));
      // Load the model now (cached for the job): a missing backbone or damaged model fails the call, not the job.
      await predictor.head(run.id).catch((err: unknown) => {
        throw err instanceof AppError ? err : new InvalidError(`Run #${run.id}'s model cannot be used: ${(err as Error).message}`);
      });
      const libraryIds = [...new Set(roots.map((root) => openLibrary(db, root).id))];
      media.refreshRoots();
      // Synchronous from the check to the start: a double click's second request finds the first job.
      const { job, queued, alreadyRunning } = startOn(run.id, libraryIds, Boolean(force), Boolean(fast));
      return { job, libraryIds, runId: run.id, reason, queued, alreadyRunning };
    },

    retag: (req: CallArgs<'tag:retag'>) => retagAfterPromotion(deps, req),

    /** Per genre: posters tagged in these libraries next to its training share (the Tag view's chart after a job). */
    distribution(runId: number, libraryIds: readonly number[]) {
      libraryIds.forEach((id) => getLibrary(db, id));
      return tagDistribution(db, runId, libraryIds);
    },

    forImages({ runId, imageIds }: CallArgs<'predictions:forImages'>): CallOutput<'predictions:forImages'> {
      const views = predictionsForImages(db, runId, imageIds);
      return imageIds.map((imageId) => ({ imageId, prediction: views.get(imageId) ?? null }));
    },

    queryPredicted(q: CallArgs<'posters:queryPredicted'>): CallOutput<'posters:queryPredicted'> {
      const { runId, genre, minConfidence, maxConfidence, predicted, ...base } = q;
      if (minConfidence !== undefined && maxConfidence !== undefined && minConfidence > maxConfidence) {
        throw new InvalidError('The minimum confidence is above the maximum.');
      }
      runGenres(db, runId); // "There is no run #…" even when the page is empty
      const page = queryPosters(db, base, predictionFilterSql(db, { runId, genre, minConfidence, maxConfidence, predicted }));
      const views = predictionsForImages(
        db,
        runId,
        page.items.map((i) => i.id),
      );
      return { ...page, items: page.items.map((i) => ({ ...i, prediction: views.get(i.id) ?? null })) };
    },

    accept({ runId, imageIds, genres }: CallArgs<'predictions:accept'>): CallOutput<'predictions:accept'> {
      const r = acceptPredictions(db, runId, imageIds, genres);
      changed('labels', r.libraryIds);
      return r;
    },

    reject({ runId, imageId, genre, undo }: CallArgs<'predictions:reject'>): CallOutput<'predictions:reject'> {
      const { libraryId } = rejectPrediction(db, runId, imageId, genre, Boolean(undo));
      changed('predictions', [libraryId]);
      return { imageId, prediction: predictionsForImages(db, runId, [imageId]).get(imageId) ?? null };
    },

    /**
     * Writes the run's tags. An existing target is never replaced without `overwrite`: the result names it
     * (`exists`, or `replace` for XMP sidecars) so the caller can ask the user and call again.
     */
    async export({
      runId,
      libraryIds,
      folder,
      format,
      file,
      overwrite,
      keepExisting,
      xmp,
      copiesFolder,
    }: CallArgs<'tag:export'>): Promise<CallOutput<'tag:export'>> {
      runGenres(db, runId); // predictions are enough: the model files are not needed
      const ids = exportLibraries(db, libraryIds, folder);
      const target = file || (format === 'csv' || format === 'json' ? defaultExportFile(paths, runId, format) : undefined);
      try {
        return await exportTags(db, { runId, libraryIds: ids, format, file: target, overwrite, keepExisting, xmp, copiesFolder });
      } catch (err) {
        throw err instanceof AppError ? err : new InvalidError(`Export failed: ${(err as Error).message}`);
      }
    },

    /** Takes our keywords out of the libraries' sidecars; like export, it first names what it would change. */
    async removeXmp({ libraryIds, folder, overwrite }: CallArgs<'tag:removeXmp'>): Promise<CallOutput<'tag:removeXmp'>> {
      const ids = exportLibraries(db, libraryIds, folder);
      return removeXmpKeywords(libraryImagePaths(db, ids), { overwrite });
    },
  };
}

export type TaggingService = ReturnType<typeof createTaggingService>;
