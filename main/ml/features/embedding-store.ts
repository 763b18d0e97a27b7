import type { Db } from '../../db/database';
import { embeddingCacheKey, findBackbone } from '../backbones/registry';
import { decodeHalfInto, encodeHalf } from './float16';
import type { BackboneVariant } from '../backbones/types';

/** The two views the cache knows: the poster as it is, and mirrored left-right. */
export type View = 'original' | 'flipped';
export const VIEW_CODE: Record<View, 0 | 1> = { original: 0, flipped: 1 };

export interface StoredEmbedding {
  hash: string;
  view: View;
  /** One embedding; copied into the BLOB, so a view into a bigger array is fine. */
  vector: Float32Array;
}

export interface EmbeddingFailure {
  path: string;
  hash?: string;
  reason: string;
}

/**
 * Where a backbone's vectors live in the cache and how they are stored: a backbone with taps is keyed by
 * its taps too (embeddingCacheKey), so vectors of older taps are never mixed in. Only bundled backbones
 * have taps or a cache precision, so the bundled list is enough here: downloaded and imported ones (and
 * tests' fake backbones) are keyed by the id itself, as float32.
 */
export function cacheLayout(backboneId: string, variant: BackboneVariant = 'float32'): { key: string; precision: 'f32' | 'f16' } {
  const entry = findBackbone(backboneId);
  if (entry) return { key: embeddingCacheKey(entry, variant), precision: entry.cachePrecision ?? 'f32' };
  return { key: variant === 'int8' ? `${backboneId}#int8` : backboneId, precision: 'f32' };
}

/** Prepared statements of the embedding cache for one backbone. */
export class EmbeddingStore {
  private readonly key: string;
  private readonly precision: 'f32' | 'f16';
  private readonly countViews;
  private readonly insert;
  private readonly clearFailure;
  private readonly upsertFailure;
  private readonly writeBatch;

  constructor(
    private readonly db: Db,
    readonly backboneId: string,
    variant: BackboneVariant = 'float32',
  ) {
    ({ key: this.key, precision: this.precision } = cacheLayout(backboneId, variant));
    this.countViews = db.prepare<[string, string], { view: number }>('SELECT view FROM embeddings WHERE hash = ? AND backbone = ?');
    this.insert = db.prepare('INSERT OR REPLACE INTO embeddings (hash, backbone, view, dim, vector) VALUES (?, ?, ?, ?, ?)');
    this.clearFailure = db.prepare('DELETE FROM embedding_failures WHERE path = ? AND backbone = ?');
    this.upsertFailure = db.prepare(`INSERT INTO embedding_failures (path, hash, backbone, reason) VALUES (?, ?, ?, ?)
      ON CONFLICT (path, backbone) DO UPDATE SET hash = excluded.hash, reason = excluded.reason,
        failed_at = strftime('%Y-%m-%dT%H:%M:%fZ','now')`);
    // A batch and its failures land together or not at all: a cancel or crash never leaves half a batch.
    this.writeBatch = db.transaction((rows: StoredEmbedding[], done: { path: string }[], failures: EmbeddingFailure[]) => {
      for (const r of rows) {
        const blob = this.precision === 'f16' ? encodeHalf(r.vector) : Buffer.from(r.vector.buffer, r.vector.byteOffset, r.vector.byteLength);
        this.insert.run(r.hash, this.key, VIEW_CODE[r.view], r.vector.length, blob);
      }
      for (const d of done) this.clearFailure.run(d.path, this.backboneId);
      for (const f of failures) this.upsertFailure.run(f.path, f.hash ?? null, this.backboneId, f.reason);
    });
  }

  /** The requested views this content has no embedding for yet. */
  missingViews(hash: string, views: readonly View[]): View[] {
    const have = new Set(this.countViews.all(hash, this.key).map((r) => r.view));
    return views.filter((v) => !have.has(VIEW_CODE[v]));
  }

  /** Stores a batch of embeddings, clears old failures of the files that now embedded, records new failures. */
  write(rows: StoredEmbedding[], done: { path: string }[], failures: EmbeddingFailure[]): void {
    this.writeBatch(rows, done, failures);
  }
}

export interface LoadedEmbeddings {
  /** N×dim floats, row i for hashes[i]; zeros where missing. */
  vectors: Float32Array;
  dim: number;
  /** missing[i] is true when hashes[i] has no embedding for this backbone and view. */
  missing: boolean[];
  missingCount: number;
}

/** Reads cached embeddings (float32 or float16 rows alike) in the order of `hashes`. */
export function loadEmbeddings(
  db: Db,
  hashes: readonly string[],
  backboneId: string,
  view: View | 0 | 1 = 'original',
  variant: BackboneVariant = 'float32',
): LoadedEmbeddings {
  const code = typeof view === 'number' ? view : VIEW_CODE[view];
  const { key } = cacheLayout(backboneId, variant);
  const dimRow = db.prepare<[string], { dim: number }>('SELECT dim FROM embeddings WHERE backbone = ? LIMIT 1').get(key);
  const dim = dimRow?.dim ?? 0;
  const vectors = new Float32Array(hashes.length * dim);
  const bytes = new Uint8Array(vectors.buffer);
  const missing = new Array<boolean>(hashes.length).fill(true);
  let missingCount = hashes.length;
  if (dim === 0) return { vectors, dim, missing, missingCount };
  const get = db.prepare<[string, string, number], { vector: Buffer; dim: number }>(
    'SELECT vector, dim FROM embeddings WHERE hash = ? AND backbone = ? AND view = ?',
  );
  for (let i = 0; i < hashes.length; i++) {
    const row = get.get(hashes[i], key, code);
    if (!row) continue;
    if (row.dim !== dim) throw new Error(`Embedding cache of "${backboneId}" mixes sizes ${dim} and ${row.dim}; clear it and embed again`);
    // Copy bytes: a BLOB's offset is not always 4-aligned, so it cannot be viewed as floats in place.
    if (row.vector.length === 2 * dim) decodeHalfInto(row.vector, vectors, i * dim);
    else bytes.set(row.vector, i * dim * 4);
    missing[i] = false;
    missingCount--;
  }
  return { vectors, dim, missing, missingCount };
}

/** Failures recorded for a backbone, newest first. */
export function listEmbeddingFailures(db: Db, backboneId: string): { path: string; hash: string | null; reason: string; failedAt: string }[] {
  return db
    .prepare('SELECT path, hash, reason, failed_at AS failedAt FROM embedding_failures WHERE backbone = ? ORDER BY failed_at DESC, id DESC')
    .all(backboneId) as { path: string; hash: string | null; reason: string; failedAt: string }[];
}

/** Keeps the posters with a cached original embedding; their vectors in the same order. */
export function withOriginalEmbeddings<P extends { hash: string }>(db: Db, list: readonly P[], backbone: string, variant: BackboneVariant) {
  const e = loadEmbeddings(
    db,
    list.map((p) => p.hash),
    backbone,
    'original',
    variant,
  );
  const keep = list.map((_, i) => i).filter((i) => !e.missing[i]);
  const x = new Float32Array(keep.length * e.dim);
  keep.forEach((i, r) => x.set(e.vectors.subarray(i * e.dim, (i + 1) * e.dim), r * e.dim));
  return { items: keep.map((i) => list[i]), x, dim: e.dim, missing: list.length - keep.length };
}
