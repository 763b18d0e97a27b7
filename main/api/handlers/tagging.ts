import fs from 'node:fs';
import path from 'node:path';
import type { Backend } from '../../backend';
import type { Handlers } from '../gate';
import { AppError, InvalidError, NotFoundError } from '../../core/errors';
import { getLibrary, openLibrary, resolveLibraryRoot } from '../../library/library-repo';
import { queryPosters } from '../../library/gallery-queries';
import { chooseRun } from '../../tagging/run-choice';
import { tagLibraries, type TagSummary } from '../../tagging/tag-job';
import { acceptPredictions, predictionFilterSql, predictionsForImages, rejectPrediction, runGenres } from '../../tagging/predictions-repo';
import { exportTags } from '../../tagging/export';
import { tagJobKey } from '../../jobs/duplicate-jobs';

type TaggingCalls = 'tag:start' | 'predictions:forImages' | 'posters:queryPredicted' | 'predictions:accept' | 'predictions:reject' | 'tag:export';


const EVENT_EVERY_MS = 500;

/**
 * Starts a tagging job on already opened libraries (one tagging job runs at a time; later ones wait). The
 * same run on the same libraries while such a job is queued, running or paused returns that job
 * (`alreadyRunning`) instead of queueing a copy that would find nothing left to tag.
 */
export function startTagging(b: Backend, runId: number, libraryIds: number[], force: boolean) {
  const key = tagJobKey(runId, libraryIds, force);
  const existing = b.jobs.findActive(key);
  if (existing) return { job: existing.snapshot, queued: existing.snapshot.status === 'queued', alreadyRunning: true };
  // The run's saved settings, read for each chunk: a change while the job runs applies to the rest.
  const tagOptions = () => b.predictor.tagOptions(runId);
  const names = libraryIds.map((id) => getLibrary(b.db, id).name);
  const queued = b.jobs.busy('tag');
  let lastEvent = 0;
  const changed = (reason: 'predictions' | 'indexed', ids: readonly number[]) => ids.forEach((libraryId) => b.bus.emit('library:changed', { libraryId, reason }));
  const { snapshot } = b.jobs.start({
    kind: 'tag',
    key,
    title: `Tagging ${names.length === 1 ? names[0] : `${names.length} folders`} with run #${runId}`,
    lane: 'tag',
    run: async (ctx) => {
      try {
        return await tagLibraries(
          {
            db: b.db,
            thumbnailsDir: b.paths.thumbnails,
            predictor: b.predictor,
            onIndexed: (id) => changed('indexed', [id]),
            onStored: (ids) => {
              // Galleries refresh as predictions land, at most twice a second.
              const now = Date.now();
              if (now - lastEvent >= EVENT_EVERY_MS) {
                lastEvent = now;
                changed('predictions', ids);
              }
            },
          },
          { runId, libraryIds, force, tagOptions },
          ctx,
        );
      } finally {
        changed('predictions', libraryIds);
      }
    },
    summarize: (r: TagSummary) => ({ ...r, failures: r.failures.slice(0, 20) }),
  });
  return { job: snapshot, queued, alreadyRunning: false };
}

function exportsDir(b: Backend): string {
  const dir = path.join(b.paths.root, 'exports');
  fs.mkdirSync(dir, { recursive: true });
  return dir;
}

export function taggingHandlers(b: Backend): Pick<Handlers, TaggingCalls> {
  return {
    'tag:start': async ({ runId, folders, force }) => {
      const { run, reason } = chooseRun(b.db, runId);
      // Every folder is checked before anything starts: a typo fails the call, not the job.
      const roots = folders.map((f) => resolveLibraryRoot(f));
      // Load the model now (cached for the job): a missing backbone or damaged model fails the call, not the job.
      await b.predictor.head(run.id).catch((err: unknown) => {
        throw err instanceof AppError ? err : new InvalidError(`Run #${run.id}'s model cannot be used: ${(err as Error).message}`);
      });
      const libraryIds = [...new Set(roots.map((root) => openLibrary(b.db, root).id))];
      b.media?.refreshRoots();
      // Synchronous from the check to the start: a double click's second request finds the first job.
      const { job, queued, alreadyRunning } = startTagging(b, run.id, libraryIds, Boolean(force));
      return { job, libraryIds, runId: run.id, reason, queued, alreadyRunning };
    },

    'predictions:forImages': ({ runId, imageIds }) => {
      const views = predictionsForImages(b.db, runId, imageIds);
      return imageIds.map((imageId) => ({ imageId, prediction: views.get(imageId) ?? null }));
    },

    'posters:queryPredicted': (q) => {
      const { runId, genre, minConfidence, maxConfidence, predicted, ...base } = q;
      if (minConfidence !== undefined && maxConfidence !== undefined && minConfidence > maxConfidence) {
        throw new InvalidError('The minimum confidence is above the maximum.');
      }
      runGenres(b.db, runId); // "There is no run #…" even when the page is empty
      const page = queryPosters(b.db, base, predictionFilterSql(b.db, { runId, genre, minConfidence, maxConfidence, predicted }));
      const views = predictionsForImages(b.db, runId, page.items.map((i) => i.id));
      return { ...page, items: page.items.map((i) => ({ ...i, prediction: views.get(i.id) ?? null })) };
    },

    'predictions:accept': ({ runId, imageIds, genres }) => {
      const r = acceptPredictions(b.db, runId, imageIds, genres);
      for (const libraryId of r.libraryIds) b.bus.emit('library:changed', { libraryId, reason: 'labels' });
      return r;
    },

    'predictions:reject': ({ runId, imageId, genre, undo }) => {
      const { libraryId } = rejectPrediction(b.db, runId, imageId, genre, Boolean(undo));
      b.bus.emit('library:changed', { libraryId, reason: 'predictions' });
      return { imageId, prediction: predictionsForImages(b.db, runId, [imageId]).get(imageId) ?? null };
    },

    'tag:export': async ({ runId, libraryIds, folder, format, file, overwrite, keepExisting }) => {
      runGenres(b.db, runId); // predictions are enough: the model files are not needed
      let ids = libraryIds ?? [];
      if (folder) {
        const root = resolveLibraryRoot(folder);
        const id = b.db.prepare('SELECT id FROM libraries WHERE root = ?').pluck().get(root) as number | undefined;
        if (id === undefined) throw new NotFoundError(`${root} is not an opened folder; tag it first.`);
        ids = [id];
      }
      ids.forEach((id) => getLibrary(b.db, id));
      let target = file;
      if (!target && (format === 'csv' || format === 'json')) {
        target = path.join(exportsDir(b), `run-${runId}-tags-${new Date().toISOString().replace(/[:.]/g, '-')}.${format}`);
      }
      try {
        return await exportTags(b.db, { runId, libraryIds: ids, format, file: target, overwrite, keepExisting });
      } catch (err) {
        throw err instanceof AppError ? err : new InvalidError(`Export failed: ${(err as Error).message}`);
      }
    },
  };
}
