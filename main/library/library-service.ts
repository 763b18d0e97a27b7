// The library use cases: opening and indexing folders, the gallery's queries and label edits, writing labels
// back. It tells open views what changed (library:changed) so callers (API handlers, CLI) need not.
import type { ServiceDeps } from '../services';
import type { LayoutSetting, Split } from './types';
import type { PosterQuery } from './gallery-queries';
import type { LabelState } from './label-states';
import { InvalidError } from '../core/errors';
import { getLibrary, lastImportReport, listLibraries, openLibrary, removeLibrary } from './library-repo';
import { genreVocabulary, posterDetail, queryPosterIds, queryPosters, setPosterLabels, splitCounts } from './gallery-queries';
import { indexLibrary } from './indexer';
import { planWriteBack, writeBackLabels, type WritebackResult } from './csv-writeback';
import { backupRoot, newBackupDir, pruneBackups } from './writeback-backups';
import { labelStates, restoreLabelStates } from './label-states';
import { predictionFilterSql, runGenres } from '../tagging/predictions-repo';
import { addGenre } from './vocabulary';
import { genreCooccurrence } from './genre-cooccurrence';
import { exportClassFolders, exportLabelStudio } from './dataset-export';
import { importLabelStudio } from './dataset-import';
import type { DatasetExportRequest } from '../../contract/schemas/dataset';
import type { z } from 'zod';

type Deps = Pick<ServiceDeps, 'db' | 'bus' | 'jobs' | 'paths' | 'media'>;

/** The gallery's "select all": its filters, optionally narrowed to a run's predictions. */
export type PosterIdsQuery = Omit<PosterQuery, 'after' | 'offset' | 'limit'> & { runId?: number; predictedGenre?: string; minConfidence?: number };

export type LibraryService = ReturnType<typeof createLibraryService>;

export function createLibraryService(deps: Deps) {
  const { db, bus } = deps;
  const changed = (libraryId: number, reason: 'indexing' | 'indexed' | 'labels' | 'removed') => bus.emit('library:changed', { libraryId, reason });
  const vocabulary = (libraryId: number) => ({ genres: genreVocabulary(db, libraryId), splits: splitCounts(db, libraryId) });
  const index = (libraryId: number) => startIndexing(deps, libraryId);
  return {
    list: () => listLibraries(db),
    /** Adds a folder as a library (or finds it again) and starts indexing it. */
    open(folder: string, opts: { name?: string; layout?: LayoutSetting } = {}) {
      const library = openLibrary(db, folder, opts);
      deps.media.refreshRoots();
      return { library, job: index(library.id) };
    },
    /** Re-indexes a library: only new or changed files are read. */
    index(id: number) {
      getLibrary(db, id);
      return index(id);
    },
    remove(id: number) {
      removeLibrary(db, id);
      deps.media.refreshRoots();
      changed(id, 'removed');
      return { removed: true };
    },
    report: (id: number) => lastImportReport(db, id),
    writeBack: (id: number, confirm?: boolean) => writeBack(deps, id, confirm),
    query: (q: PosterQuery) => queryPosters(db, q),
    get: (id: number) => posterDetail(db, id),
    setLabels(id: number, genres: readonly string[]) {
      const detail = setPosterLabels(db, id, genres);
      changed(detail.libraryId, 'labels');
      return detail;
    },
    ids({ runId, predictedGenre, minConfidence, ...q }: PosterIdsQuery) {
      getLibrary(db, q.libraryId);
      if (runId === undefined) return queryPosterIds(db, q);
      runGenres(db, runId); // "There is no run #…"
      const genre = predictedGenre || undefined;
      return queryPosterIds(db, q, predictionFilterSql(db, { runId, genre, minConfidence: genre && minConfidence ? minConfidence : undefined }));
    },
    labelStates: (ids: readonly number[]) => labelStates(db, ids),
    /** Undo: labels back exactly as a labelStates snapshot had them. */
    restoreLabels(states: readonly LabelState[]) {
      const r = restoreLabelStates(db, states);
      for (const libraryId of r.libraryIds) changed(libraryId, 'labels');
      return { restored: r.restored };
    },
    /** The labels for other trainers (class folders + labels.csv, or Label Studio tasks). */
    exportDataset: (r: z.output<typeof DatasetExportRequest>) => exportDataset(db, r),
    /** A Label Studio export's choices as labels (a plan unless confirmed). */
    importLabelStudio(id: number, file: string, confirm?: boolean) {
      const r = importLabelStudio(db, id, file, confirm);
      if (r.applied) changed(id, 'labels');
      return r;
    },
    genres(libraryId: number): { genres: ReturnType<typeof genreVocabulary>; splits: { split: Split | 'none'; posters: number; labelled: number }[] } {
      getLibrary(db, libraryId);
      return vocabulary(libraryId);
    },
    /** Posters per pair of genres (the heatmap), counted as the gallery's "all of these genres" filter. */
    cooccurrence(libraryId: number, split?: Split | 'none') {
      getLibrary(db, libraryId);
      return genreCooccurrence(db, libraryId, split);
    },
    addGenre(libraryId: number, name: string) {
      addGenre(db, libraryId, name);
      changed(libraryId, 'labels');
      return vocabulary(libraryId);
    },
  };
}

/** Starts (or queues behind a running one) the indexing job of a library. */
function startIndexing({ db, bus, jobs, paths }: Deps, libraryId: number) {
  const lib = getLibrary(db, libraryId);
  let lastPush = 0;
  const { snapshot } = jobs.start({
    kind: 'index',
    title: `Indexing ${lib.name}`,
    lane: `index:${libraryId}`,
    run: async (ctx) => {
      try {
        return await indexLibrary(db, libraryId, ctx, {
          thumbnailsDir: paths.thumbnails,
          onBatch: () => {
            // Let open galleries show posters while indexing goes on, without flooding them.
            const now = Date.now();
            if (now - lastPush > 500) {
              lastPush = now;
              bus.emit('library:changed', { libraryId, reason: 'indexing' });
            }
          },
        });
      } finally {
        bus.emit('library:changed', { libraryId, reason: 'indexed' });
      }
    },
    summarize: (r) => ({ files: r.files, processed: r.processed, unchanged: r.unchanged, removed: r.removed, failed: r.failed, layout: r.layout }),
  });
  return snapshot;
}

/**
 * Writes labels edited in the app into the library's label CSVs. The user's own files: without `confirm`
 * nothing is replaced, the answer names the files that would be, for the user to confirm.
 */
async function writeBack({ db, bus, paths }: Deps, id: number, confirm?: boolean) {
  const lib = getLibrary(db, id);
  const plan = planWriteBack(db, id);
  const targets = plan.targets.map((t) => ({ file: t.relPath, absPath: t.absPath, posters: t.posters }));
  const pending = plan.targets.reduce((n, t) => n + t.posters, 0) + plan.uncovered;
  const backups = backupRoot(paths.root, id);
  if (confirm !== true) {
    const names = targets.map((t) => t.absPath).join(', ');
    const message = targets.length ? `Writing would replace ${names} (a backup is kept in ${backups}).` : 'Nothing to write: no labels were edited.';
    return { written: false, targets, pending, backupDir: backups, files: [], message };
  }
  const backupDir = newBackupDir(paths.root, id);
  const r = await writeBackLabels(db, id, { backupDir }).catch((err: unknown) => {
    // Read-only folder, disk full…: nothing was replaced (temp file + rename), labels stay in the app.
    throw new InvalidError(`Could not write the labels back to ${lib.name}: ${err instanceof Error ? err.message : err}`);
  });
  pruneBackups(paths.root, id);
  bus.emit('library:changed', { libraryId: id, reason: 'labels' });
  const files = r.files.map((f) => ({ file: f.relPath, rowsChanged: f.rowsUpdated + f.rowsAppended }));
  const skipped = notWrittenMessage(r.notWritten);
  // Nothing written but something refused: that is a failure the user must see, not a success.
  if (!files.length && skipped) throw new InvalidError(`Could not write the labels back. ${skipped}`);
  const wrote = files.length
    ? `Saved ${r.written} poster${r.written === 1 ? '' : 's'} into ${files.map((f) => f.file).join(', ')}.`
    : 'Nothing to write: no labels were edited.';
  return { written: files.length > 0, targets, pending, backupDir: backups, files, message: skipped ? `${wrote} ${skipped}` : wrote };
}

/** "2 could not be written: a.csv (why); b.csv (why)", the first three named; '' when all were written. */
function notWrittenMessage(notWritten: WritebackResult['notWritten']): string {
  if (!notWritten.length) return '';
  const named = notWritten
    .slice(0, 3)
    .map((n) => `${n.relPath} (${n.reason})`)
    .join('; ');
  return `${notWritten.length} could not be written: ${named}${notWritten.length > 3 ? '; …' : ''}`;
}

async function exportDataset(db: Deps['db'], r: z.output<typeof DatasetExportRequest>) {
  getLibrary(db, r.id);
  if (r.format === 'class-folders') {
    const x = await exportClassFolders(db, r.id, r.path, r.mode);
    const how = x.mode === 'symlink' ? 'links' : 'copies';
    return {
      format: r.format,
      path: x.folder,
      posters: x.posters,
      files: x.files,
      csv: x.csv,
      message: `Wrote ${x.files} ${how} of ${x.posters} posters into genre folders in ${x.folder}, with labels.csv.`,
    };
  }
  const x = await exportLabelStudio(db, r.id, r.path, { overwrite: r.overwrite, unlabelled: r.unlabelled, imagePrefix: r.imagePrefix });
  const message = x.exists ? `${x.exists} already exists; nothing was written.` : `Wrote ${x.tasks} Label Studio tasks (${x.labelled} labelled) to ${x.file}.`;
  return { format: r.format, path: x.file, posters: x.tasks, labelConfig: x.labelConfig, ...(x.exists ? { exists: x.exists } : {}), message };
}
