/**
 * Near-duplicates that straddle train and val in one library ("leaks": validation scores a poster whose
 * near-copy was trained on), found two ways: by perceptual hash (phash.ts, known from indexing on, before
 * any embedding) and, where embeddings are cached, by cosine (the similarity index). "Keep on one side"
 * records a split override (table split_overrides, by content hash): the val member counts as train for
 * training (training-data.ts). The user's metadata.csv and folders are never edited.
 */
import type { Db } from '../db/database';
import { ensureThumbnail } from '../library/thumbnails';
import { getLibrary } from '../library/library-repo';
import { perceptualHash, phashWords, popcount32 } from '../library/phash';
import path from 'node:path';

/** pHash bits that may differ for a near-duplicate: re-encodes (JPEG q35) and 60% resizes of the data
 * set's posters differ by ≤ 4, distinct posters by ≥ 10 (1 pair of 80,000), a 10% crop by 6–24 (the
 * embeddings catch those). */
export const MAX_HAMMING = 8;

export interface SidePoster {
  imageId: number;
  posterId: string;
  hash: string;
  phash: string | null;
  /** The library's own side, or the one the stable split stored; null: not assigned yet. */
  side: 'train' | 'val' | null;
  /** A val poster the user moved to train for training. */
  overridden: boolean;
}

/** The library's readable primary posters and their train/val sides. */
export function sidePosters(db: Db, libraryId: number): SidePoster[] {
  const rows = db
    .prepare<[number], Omit<SidePoster, 'overridden'> & { overridden: number }>(
      `SELECT i.id AS imageId, i.poster_id AS posterId, i.hash, i.phash,
              COALESCE(CASE WHEN i.split IN ('train', 'val') THEN i.split END, CASE WHEN i.split IS NULL THEN h.split END) AS side,
              o.hash IS NOT NULL AS overridden
       FROM images i LEFT JOIN holdout_splits h ON h.hash = i.hash LEFT JOIN split_overrides o ON o.hash = i.hash
       WHERE i.library_id = ? AND i.hash IS NOT NULL AND i.error IS NULL AND i.duplicate_of IS NULL
       ORDER BY i.rel_path`,
    )
    .all(libraryId);
  return rows.map((r) => ({ ...r, overridden: Boolean(r.overridden) }));
}

/** Computes and stores the pHash of posters indexed before it existed (from their thumbnails). */
export async function backfillPhashes(db: Db, libraryId: number, thumbnailsDir: string, signal?: AbortSignal): Promise<number> {
  const root = getLibrary(db, libraryId).root;
  const todo = db
    .prepare<[number], { id: number; hash: string; relPath: string }>(
      'SELECT id, hash, rel_path AS relPath FROM images WHERE library_id = ? AND phash IS NULL AND hash IS NOT NULL AND error IS NULL',
    )
    .all(libraryId);
  const put = db.prepare('UPDATE images SET phash = ? WHERE id = ?');
  let done = 0;
  for (const r of todo) {
    if (signal?.aborted) break;
    const ph = await ensureThumbnail(thumbnailsDir, r.hash, path.join(root, r.relPath))
      .then((t) => perceptualHash(t))
      .catch(() => null);
    if (ph) {
      put.run(ph, r.id);
      done++;
    }
  }
  return done;
}

/** Pairs (train poster, val poster) whose pHashes differ by at most `maxBits`; a × b comparisons of two words. */
export function phashPairs(train: readonly SidePoster[], val: readonly SidePoster[], maxBits = MAX_HAMMING): { t: number; v: number; bits: number }[] {
  const words = (list: readonly SidePoster[]) => {
    const w = new Uint32Array(list.length * 2);
    list.forEach((p, i) => {
      if (p.phash) w.set(phashWords(p.phash), 2 * i);
    });
    return w;
  };
  const tw = words(train);
  const vw = words(val);
  const out: { t: number; v: number; bits: number }[] = [];
  for (let v = 0; v < val.length; v++) {
    if (!val[v].phash) continue;
    const v0 = vw[2 * v];
    const v1 = vw[2 * v + 1];
    for (let t = 0; t < train.length; t++) {
      if (!train[t].phash) continue;
      const bits = popcount32(tw[2 * t] ^ v0) + popcount32(tw[2 * t + 1] ^ v1);
      if (bits <= maxBits && train[t].hash !== val[v].hash) out.push({ t, v, bits });
    }
  }
  return out;
}
