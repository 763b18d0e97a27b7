import path from 'node:path';
import type { Db } from '../db/database';
import { getLibrary } from '../library/library-repo';
import { InvalidError } from '../core/errors';
import { stableSplits } from './stable-split';

/** The tutorial's five genres (its `genres=` example). */
export const TUTORIAL_GENRES = ['Action', 'Romance', 'Crime', 'Thriller', 'Adventure'];

export type GenreChoice = { mode: 'all' } | { mode: 'tutorial' } | { mode: 'pick'; names: string[] };

export interface LabelledPoster {
  imageId: number;
  libraryId: number;
  posterId: string;
  path: string;
  hash: string;
  split: 'train' | 'val';
  /** 'layout': the library's own train/ or val/; 'assigned': chosen once and kept (stable-split.ts);
   * 'override': a val poster the user kept on the train side with its near-duplicate (split_overrides). */
  splitSource: 'layout' | 'assigned' | 'override';
  /** The labels that count: imported, edited and accepted ones, less the genres the user rejected. */
  genres: string[];
  /** Predicted genres the user rejected for this poster: negatives, even where an import had them. */
  rejected: string[];
}

export interface TrainingData {
  libraryName: string;
  libraryIds: number[];
  genres: string[];
  train: LabelledPoster[];
  val: LabelledPoster[];
  /** Why some posters were left out, in words for the user. */
  notes: string[];
}

interface PosterRow {
  id: number;
  libraryId: number;
  posterId: string;
  relPath: string;
  hash: string | null;
  split: 'train' | 'val' | null;
  error: string | null;
  source: string | null;
  genres: string;
  rejected: string;
}

const plural = (n: number, one: string, many: string) => `${n} ${n === 1 ? one : many}`;

/** Every poster of the library that can carry training labels: its train/ and val/, and posters of no split. */
function posterRows(db: Db, libraryId: number): PosterRow[] {
  return db
    .prepare(
      `SELECT i.id, i.library_id AS libraryId, i.poster_id AS posterId, i.rel_path AS relPath, i.hash, i.split, i.error,
              i.labels_source AS source,
              (SELECT json_group_array(g.name) FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = i.id) AS genres,
              (SELECT json_group_array(r.genre) FROM prediction_rejections r WHERE r.image_id = i.id) AS rejected
       FROM images i
       WHERE i.library_id = ? AND i.duplicate_of IS NULL AND (i.split IN ('train', 'val') OR i.split IS NULL)
       ORDER BY i.split, i.rel_path`,
    )
    .all(libraryId) as PosterRow[];
}

/** The libraries' genre names, first spelling and order winning (case-insensitive). */
function vocabularyOf(db: Db, libraryIds: readonly number[]): string[] {
  const out = new Map<string, string>();
  const q = db.prepare('SELECT name FROM genres WHERE library_id = ? ORDER BY position, name').pluck();
  for (const id of libraryIds) for (const g of q.all(id) as string[]) if (!out.has(g.toLowerCase())) out.set(g.toLowerCase(), g);
  return [...out.values()];
}

/**
 * The labelled posters of one or several libraries and their train/val sides. Labels are everything the
 * app holds: imported from the layout, edited in the gallery, accepted predictions; a predicted genre the
 * user rejected is a negative for that poster. A library's own train/ and val/ are kept; posters of no
 * split get a stable, stratified side (stable-split.ts). The same content in two libraries is used once.
 */
function labelledPosters(db: Db, libraryIds: readonly number[], vocabulary: readonly string[], opts: { dryRun?: boolean }) {
  const canonical = new Map(vocabulary.map((g) => [g.toLowerCase(), g]));
  const notes: string[] = [];
  let unreadable = 0;
  let unlabelled = 0;
  let repeated = 0;
  let negatives = 0;
  const seen = new Set<string>();
  const kept: (Omit<LabelledPoster, 'split' | 'splitSource'> & { split: 'train' | 'val' | null })[] = [];
  for (const libraryId of libraryIds) {
    const root = getLibrary(db, libraryId).root;
    for (const r of posterRows(db, libraryId)) {
      if (r.error || !r.hash) unreadable++;
      else if (r.source === null) unlabelled++;
      else if (seen.has(r.hash)) repeated++;
      else {
        seen.add(r.hash);
        const rejected = (JSON.parse(r.rejected) as string[]).map((g) => canonical.get(g.toLowerCase()) ?? g);
        const no = new Set(rejected.map((g) => g.toLowerCase()));
        const labels = (JSON.parse(r.genres) as string[]).map((g) => canonical.get(g.toLowerCase()) ?? g);
        negatives += labels.filter((g) => no.has(g.toLowerCase())).length;
        const { id, posterId, hash, split } = r;
        const genres = labels.filter((g) => !no.has(g.toLowerCase()));
        kept.push({ imageId: id, libraryId, posterId, path: path.join(root, r.relPath), hash, split, genres, rejected });
      }
    }
  }
  if (unreadable) notes.push(`${plural(unreadable, 'poster was', 'posters were')} left out because the image could not be read (see the import report).`);
  if (unlabelled) notes.push(`${plural(unlabelled, 'unlabelled poster was', 'unlabelled posters were')} left out.`);
  if (repeated) notes.push(`${plural(repeated, 'poster appears', 'posters appear')} in more than one library; each was used once.`);
  if (negatives) notes.push(`${plural(negatives, 'label was', 'labels were')} overruled by a rejected prediction and counted as "not this genre".`);
  const free = kept.filter((p) => p.split === null);
  const sides = stableSplits(db, free, opts);
  if (free.length)
    notes.push(
      `${plural(free.length, 'poster without a train/val folder got its', 'posters without a train/val folder got their')} side from a stable, label-stratified split.`,
    );
  const overridden = new Set(db.prepare("SELECT hash FROM split_overrides WHERE split = 'train'").pluck().all() as string[]);
  let moved = 0;
  const posters: LabelledPoster[] = kept.map((p) => {
    const side: LabelledPoster =
      p.split === null ? { ...p, split: sides.get(p.hash)!, splitSource: 'assigned' } : { ...p, split: p.split, splitSource: 'layout' };
    if (side.split !== 'val' || !overridden.has(p.hash)) return side;
    moved++;
    return { ...side, split: 'train', splitSource: 'override' };
  });
  if (moved)
    notes.push(
      `${plural(moved, 'val poster counts', 'val posters count')} as train: kept on one side with a near-duplicate in train (import report; your files are unchanged).`,
    );
  return { posters, notes };
}

function chooseGenres(vocabulary: readonly string[], train: readonly LabelledPoster[], choice: GenreChoice, notes: string[]): string[] {
  const present = new Set(train.flatMap((p) => p.genres));
  let genres: string[];
  if (choice.mode === 'all') {
    genres = vocabulary.filter((g) => present.has(g));
    const absent = vocabulary.filter((g) => !present.has(g));
    if (absent.length) notes.push(`Genres without a training poster were skipped: ${absent.join(', ')}.`);
  } else {
    const wanted = choice.mode === 'tutorial' ? TUTORIAL_GENRES : choice.names;
    const byLower = new Map(vocabulary.map((g) => [g.toLowerCase(), g]));
    const unknown = wanted.filter((g) => !byLower.has(g.toLowerCase()));
    if (unknown.length)
      throw new InvalidError(`This library has no genre ${unknown.map((g) => `"${g}"`).join(', ')} (it has: ${vocabulary.join(', ') || 'none'}).`);
    genres = [...new Set(wanted.map((g) => byLower.get(g.toLowerCase())!))];
    const empty = genres.filter((g) => !present.has(g));
    if (empty.length) throw new InvalidError(`No training poster has the genre ${empty.join(', ')}; choose genres that occur in train/.`);
  }
  if (genres.length === 0) throw new InvalidError('There is no genre to learn: no training poster has a label.');
  return genres;
}

/**
 * The labelled posters of one or several libraries (layout splits test/predict, unreadable files and
 * unlabelled posters are left out) and the genres to learn. Posters whose labels are all outside a chosen
 * subset stay in as negatives for every chosen genre. `dryRun` computes new posters' sides without
 * storing them (for evaluations; a training stores them).
 */
export function trainingData(db: Db, library: number | readonly number[], choice: GenreChoice, opts: { dryRun?: boolean } = {}): TrainingData {
  const libraryIds = [...new Set(typeof library === 'number' ? [library] : library)];
  if (libraryIds.length === 0) throw new InvalidError('Choose at least one library to train on.');
  const names = libraryIds.map((id) => getLibrary(db, id).name);
  const vocabulary = vocabularyOf(db, libraryIds);
  const { posters, notes } = labelledPosters(db, libraryIds, vocabulary, opts);
  const train = posters.filter((p) => p.split === 'train');
  const val = posters.filter((p) => p.split === 'val');
  if (train.length === 0) {
    throw new InvalidError(
      `${names.map((n) => `"${n}"`).join(', ')} ${libraryIds.length === 1 ? 'has' : 'have'} no labelled posters to train on. Label some posters in the gallery, or open a dataset with train/ (and val/) folders and a metadata.csv.`,
    );
  }
  const genres = chooseGenres(vocabulary, train, choice, notes);
  if (val.length === 0) notes.push('No val split: a seeded, label-stratified part of train is held out for validation.');
  return { libraryName: names.join(' + '), libraryIds, genres, train, val, notes };
}

/** n×g 0/1 targets for the chosen genres. */
export function targets(posters: readonly LabelledPoster[], genres: readonly string[]): Uint8Array {
  const index = new Map(genres.map((g, j) => [g, j]));
  const y = new Uint8Array(posters.length * genres.length);
  posters.forEach((p, i) => {
    for (const g of p.genres) {
      const j = index.get(g);
      if (j !== undefined) y[i * genres.length + j] = 1;
    }
  });
  return y;
}
