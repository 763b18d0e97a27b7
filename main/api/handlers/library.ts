import type { Backend } from '../../backend';
import type { Handlers } from '../gate';
import { InvalidError } from '../../core/errors';
import { getLibrary, lastImportReport, listLibraries, openLibrary, removeLibrary } from '../../library/library-repo';
import { genreVocabulary, posterDetail, queryPosterIds, queryPosters, setPosterLabels, splitCounts } from '../../library/gallery-queries';
import { indexLibrary } from '../../library/indexer';
import { planWriteBack, writeBackLabels } from '../../library/csv-writeback';
import { backupRoot, newBackupDir, pruneBackups } from '../../library/writeback-backups';
import { labelStates, restoreLabelStates } from '../../library/label-states';
import { predictionFilterSql, runGenres } from '../../tagging/predictions-repo';
import { addGenre } from '../../library/vocabulary';

type LibraryCalls =
  | 'library:list'
  | 'library:open'
  | 'library:index'
  | 'library:remove'
  | 'library:report'
  | 'library:writeBack'
  | 'posters:query'
  | 'posters:get'
  | 'posters:setLabels'
  | 'posters:ids'
  | 'posters:labelStates'
  | 'posters:restoreLabels'
  | 'genres:list'
  | 'genres:add';

/** Starts (or queues behind a running one) the indexing job of a library. */
export function startIndexing(b: Backend, libraryId: number) {
  const lib = getLibrary(b.db, libraryId);
  let lastPush = 0;
  const { snapshot } = b.jobs.start({
    kind: 'index',
    title: `Indexing ${lib.name}`,
    lane: `index:${libraryId}`,
    run: async (ctx) => {
      try {
        return await indexLibrary(b.db, libraryId, ctx, {
          thumbnailsDir: b.paths.thumbnails,
          onBatch: () => {
            // Let open galleries show posters while indexing goes on, without flooding them.
            const now = Date.now();
            if (now - lastPush > 500) {
              lastPush = now;
              b.bus.emit('library:changed', { libraryId, reason: 'indexing' });
            }
          },
        });
      } finally {
        b.bus.emit('library:changed', { libraryId, reason: 'indexed' });
      }
    },
    summarize: (r) => ({ files: r.files, processed: r.processed, unchanged: r.unchanged, removed: r.removed, failed: r.failed, layout: r.layout }),
  });
  return snapshot;
}


export function libraryHandlers(b: Backend): Pick<Handlers, LibraryCalls> {
  return {
    'library:list': () => listLibraries(b.db),
    'library:open': ({ path, name, layout }) => {
      const library = openLibrary(b.db, path, { name, layout });
      b.media?.refreshRoots();
      return { library, job: startIndexing(b, library.id) };
    },
    'library:index': ({ id }) => {
      getLibrary(b.db, id);
      return startIndexing(b, id);
    },
    'library:remove': ({ id }) => {
      removeLibrary(b.db, id);
      b.media?.refreshRoots();
      b.bus.emit('library:changed', { libraryId: id, reason: 'removed' });
      return { removed: true };
    },
    'library:report': ({ id }) => lastImportReport(b.db, id),
    'library:writeBack': async ({ id, confirm }) => {
      const lib = getLibrary(b.db, id);
      const plan = planWriteBack(b.db, id);
      const targets = plan.targets.map((t) => ({ file: t.relPath, absPath: t.absPath, posters: t.posters }));
      const pending = plan.targets.reduce((n, t) => n + t.posters, 0) + plan.uncovered;
      const backups = backupRoot(b.paths.root, id);
      // The user's own files: nothing is replaced until they confirmed the files this answer names.
      if (confirm !== true) {
        const names = targets.map((t) => t.absPath).join(', ');
        const message = targets.length ? `Writing would replace ${names} (a backup is kept in ${backups}).` : 'Nothing to write: no labels were edited.';
        return { written: false, targets, pending, backupDir: backups, files: [], message };
      }
      const backupDir = newBackupDir(b.paths.root, id);
      const r = await writeBackLabels(b.db, id, { backupDir }).catch((err: unknown) => {
        // Read-only folder, disk full…: nothing was replaced (temp file + rename), labels stay in the app.
        throw new InvalidError(`Could not write the labels back to ${lib.name}: ${err instanceof Error ? err.message : err}`);
      });
      pruneBackups(b.paths.root, id);
      b.bus.emit('library:changed', { libraryId: id, reason: 'labels' });
      const files = r.files.map((f) => ({ file: f.relPath, rowsChanged: f.rowsUpdated + f.rowsAppended }));
      const skipped = r.notWritten.length ? `${r.notWritten.length} could not be written: ${r.notWritten.slice(0, 3).map((n) => `${n.relPath} (${n.reason})`).join('; ')}${r.notWritten.length > 3 ? '; …' : ''}` : '';
      // Nothing written but something refused: that is a failure the user must see, not a success.
      if (!files.length && skipped) throw new InvalidError(`Could not write the labels back. ${skipped}`);
      const wrote = files.length ? `Saved ${r.written} poster${r.written === 1 ? '' : 's'} into ${files.map((f) => f.file).join(', ')}.` : 'Nothing to write: no labels were edited.';
      return { written: files.length > 0, targets, pending, backupDir: backups, files, message: skipped ? `${wrote} ${skipped}` : wrote };
    },
    'genres:add': ({ libraryId, name }) => {
      addGenre(b.db, libraryId, name);
      b.bus.emit('library:changed', { libraryId, reason: 'labels' });
      return { genres: genreVocabulary(b.db, libraryId), splits: splitCounts(b.db, libraryId) };
    },
    'posters:query': (q) => queryPosters(b.db, q),
    'posters:get': ({ id }) => posterDetail(b.db, id),
    'posters:setLabels': ({ id, genres }) => {
      const detail = setPosterLabels(b.db, id, genres);
      b.bus.emit('library:changed', { libraryId: detail.libraryId, reason: 'labels' });
      return detail;
    },
    'posters:ids': ({ runId, predictedGenre, minConfidence, ...q }) => {
      getLibrary(b.db, q.libraryId);
      if (runId === undefined) return queryPosterIds(b.db, q);
      runGenres(b.db, runId); // "There is no run #…"
      const genre = predictedGenre || undefined;
      return queryPosterIds(b.db, q, predictionFilterSql(b.db, { runId, genre, minConfidence: genre && minConfidence ? minConfidence : undefined }));
    },
    'posters:labelStates': ({ ids }) => labelStates(b.db, ids),
    'posters:restoreLabels': ({ states }) => {
      const r = restoreLabelStates(b.db, states);
      for (const libraryId of r.libraryIds) b.bus.emit('library:changed', { libraryId, reason: 'labels' });
      return { restored: r.restored };
    },
    'genres:list': ({ libraryId }) => {
      getLibrary(b.db, libraryId);
      return { genres: genreVocabulary(b.db, libraryId), splits: splitCounts(b.db, libraryId) };
    },
  };
}
