import path from 'node:path';
import type { Db } from '../db/database';
import { getLibrary } from '../library/library-repo';
import { InvalidError } from '../core/errors';

/** The tutorial's five genres (its `genres=` example). */
export const TUTORIAL_GENRES = ['Action', 'Romance', 'Crime', 'Thriller', 'Adventure'];

export type GenreChoice = { mode: 'all' } | { mode: 'tutorial' } | { mode: 'pick'; names: string[] };

export interface LabelledPoster {
  imageId: number;
  posterId: string;
  path: string;
  hash: string;
  split: 'train' | 'val';
  genres: string[];
}

export interface TrainingData {
  libraryName: string;
  genres: string[];
  train: LabelledPoster[];
  val: LabelledPoster[];
  /** Why some posters were left out, in words for the user. */
  notes: string[];
}

/**
 * The labelled posters of a library's train and val splits (posters of other splits, unreadable files and
 * unlabelled ones are left out) and the genres to learn. Posters whose labels are all outside a chosen
 * subset stay in as negatives for every chosen genre.
 */
export function trainingData(db: Db, libraryId: number, choice: GenreChoice): TrainingData {
  const lib = getLibrary(db, libraryId);
  const rows = db
    .prepare(
      `SELECT i.id, i.poster_id AS posterId, i.rel_path AS relPath, i.hash, i.split, i.error, i.labels_source AS source,
              (SELECT json_group_array(g.name) FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = i.id) AS genres
       FROM images i
       WHERE i.library_id = ? AND i.duplicate_of IS NULL AND i.split IN ('train', 'val')
       ORDER BY i.split, i.rel_path`,
    )
    .all(libraryId) as {
    id: number;
    posterId: string;
    relPath: string;
    hash: string | null;
    split: 'train' | 'val';
    error: string | null;
    source: string | null;
    genres: string;
  }[];

  const notes: string[] = [];
  const unreadable = rows.filter((r) => r.error || !r.hash).length;
  const unlabelled = rows.filter((r) => !r.error && r.hash && r.source === null).length;
  if (unreadable)
    notes.push(`${unreadable} poster${unreadable === 1 ? ' was' : 's were'} left out because the image could not be read (see the import report).`);
  if (unlabelled) notes.push(`${unlabelled} unlabelled poster${unlabelled === 1 ? ' was' : 's were'} left out.`);

  const posters: LabelledPoster[] = rows
    .filter((r) => !r.error && r.hash && r.source !== null)
    .map((r) => ({
      imageId: r.id,
      posterId: r.posterId,
      path: path.join(lib.root, r.relPath),
      hash: r.hash!,
      split: r.split,
      genres: JSON.parse(r.genres) as string[],
    }));
  const train = posters.filter((p) => p.split === 'train');
  const val = posters.filter((p) => p.split === 'val');
  if (train.length === 0) {
    throw new InvalidError(`"${lib.name}" has no labelled posters in a train split. Open a dataset with train/ (and val/) folders and a metadata.csv.`);
  }

  const vocabulary = db.prepare('SELECT name FROM genres WHERE library_id = ? ORDER BY position, name').pluck().all(libraryId) as string[];
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
  if (val.length === 0) notes.push('No val split: a seeded, label-stratified part of train is held out for validation.');
  return { libraryName: lib.name, genres, train, val, notes };
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
