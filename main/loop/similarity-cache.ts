/**
 * The similarity index kept between calls, one per backbone, variant and scope (every library, or a set
 * of them): building it projects every cached embedding (~1.3 s for 3,000 InceptionV3 posters), a query
 * on it takes milliseconds (fast-nearest.ts). A counter that triggers bump on every change to images or
 * embeddings (migration 12) tells with one read whether the index is stale; then only the difference is
 * applied: posters gone are dropped, new posters with a cached embedding are projected with the stored
 * projection and appended. The projection's centre and spread are those of the posters it was fitted on,
 * so after the collection has grown or shrunk by a quarter, or embeddings were deleted, it is refitted.
 */
import type { Db } from '../db/database';
import type { BackboneVariant } from '../ml/backbones/types';
import { withOriginalEmbeddings } from '../ml/features/embedding-store';
import { fitProjection, project, type Projection } from './similarity';
import { quantiseRows, type FastIndex } from './fast-nearest';

export interface IndexedPoster {
  imageId: number;
  hash: string;
}

export interface CachedIndex {
  index: FastIndex;
  /** rows[i] is row i of the index. */
  rows: readonly IndexedPoster[];
  /** The row of an image id. */
  rowOf: ReadonlyMap<number, number>;
  /** Posters of the scope without a cached embedding (not in the index). */
  notEmbedded: number;
}

/** How the index got up to date: for tests and the bench. */
export interface CacheStats {
  builds: number;
  added: number;
  removed: number;
}

const MAX_ENTRIES = 4;
/** Refit the projection once the collection has changed by this share of the posters it was fitted on. */
const REFIT_SHARE = 0.25;

interface Entry {
  version: number;
  dropped: number;
  projection: Projection;
  fittedOn: number;
  rows: IndexedPoster[];
  rowOf: Map<number, number>;
  vectors: Float32Array;
  codes: Int8Array;
  scales: Float32Array;
  n: number;
  notEmbedded: number;
}

export class SimilarityCache {
  private readonly entries = new Map<string, Entry>();
  readonly stats: CacheStats = { builds: 0, added: 0, removed: 0 };
  private readonly version;

  constructor(
    private readonly db: Db,
    /** The posters of a scope (every library when undefined): readable, primary, with a content hash. */
    private readonly list: (libraryIds?: readonly number[]) => IndexedPoster[],
  ) {
    this.version = db.prepare<[], { n: number; dropped: number }>('SELECT n, dropped FROM similarity_version WHERE id = 1');
  }

  /** The up-to-date index of these posters' cached embeddings of a backbone. */
  async get(backbone: string, variant: BackboneVariant, libraryIds?: readonly number[]): Promise<CachedIndex> {
    const key = `${backbone}\u0000${variant}\u0000${libraryIds ? [...new Set(libraryIds)].sort((a, b) => a - b).join(',') : '*'}`;
    const v = this.version.get() ?? { n: 0, dropped: 0 };
    let e = this.entries.get(key);
    if (e && e.version !== v.n) {
      if (e.dropped !== v.dropped) e = undefined;
      else await this.update(e, backbone, variant, libraryIds);
    }
    if (e && Math.abs(e.n - e.fittedOn) > REFIT_SHARE * Math.max(e.fittedOn, 4)) e = undefined;
    if (!e) e = await this.build(backbone, variant, libraryIds);
    e.version = v.n;
    e.dropped = v.dropped;
    this.entries.delete(key); // most recently used last
    this.entries.set(key, e);
    while (this.entries.size > MAX_ENTRIES) this.entries.delete(this.entries.keys().next().value!);
    const { vectors, codes, scales, n, projection } = e;
    return { index: { vectors, codes, scales, n, d: projection.d }, rows: e.rows, rowOf: e.rowOf, notEmbedded: e.notEmbedded };
  }

  /** Forgets every index (their memory is freed). */
  clear(): void {
    this.entries.clear();
  }

  private async build(backbone: string, variant: BackboneVariant, libraryIds?: readonly number[]): Promise<Entry> {
    this.stats.builds++;
    const all = withOriginalEmbeddings(this.db, this.list(libraryIds), backbone, variant);
    const n = all.items.length;
    const projection = fitProjection(all.x, n, Math.max(all.dim, 1));
    const e: Entry = {
      version: -1,
      dropped: -1,
      projection,
      fittedOn: n,
      rows: [],
      rowOf: new Map(),
      vectors: new Float32Array(0),
      codes: new Int8Array(0),
      scales: new Float32Array(0),
      n: 0,
      notEmbedded: all.missing,
    };
    if (n > 0) await this.append(e, all.items, all.x, false);
    return e;
  }

  /** Applies what changed since the entry was made: drops posters gone, appends new embedded ones. */
  private async update(e: Entry, backbone: string, variant: BackboneVariant, libraryIds?: readonly number[]): Promise<void> {
    const current = new Map(this.list(libraryIds).map((p) => [p.imageId, p.hash]));
    for (let r = e.n - 1; r >= 0; r--) {
      const p = e.rows[r];
      if (current.get(p.imageId) !== p.hash) this.remove(e, r);
    }
    const fresh = [...current].filter(([id]) => !e.rowOf.has(id)).map(([imageId, hash]) => ({ imageId, hash }));
    const add = withOriginalEmbeddings(this.db, fresh, backbone, variant);
    e.notEmbedded = add.missing;
    if (add.items.length === 0) return;
    if (add.dim !== e.projection.dim || e.fittedOn === 0) {
      e.fittedOn = -Infinity; // another embedding size, or the first embeddings: fit (get() rebuilds)
      return;
    }
    await this.append(e, add.items, add.x, true);
  }

  private async append(e: Entry, items: readonly IndexedPoster[], x: Float32Array, update: boolean): Promise<void> {
    const d = e.projection.d;
    const v = await project(e.projection, x, items.length);
    const need = e.n + items.length;
    if (need > e.scales.length) {
      const cap = Math.max(need, Math.ceil(e.scales.length * 1.5), 64);
      const vectors = new Float32Array(cap * d);
      vectors.set(e.vectors.subarray(0, e.n * d));
      const codes = new Int8Array(cap * d);
      codes.set(e.codes.subarray(0, e.n * d));
      const scales = new Float32Array(cap);
      scales.set(e.scales.subarray(0, e.n));
      Object.assign(e, { vectors, codes, scales });
    }
    e.vectors.set(v, e.n * d);
    quantiseRows(e.vectors, d, e.n, need, e.codes, e.scales);
    for (const p of items) {
      e.rowOf.set(p.imageId, e.rows.length);
      e.rows.push(p);
    }
    if (update) this.stats.added += items.length;
    e.n = need;
  }

  /** Drops row r: the last row takes its place. */
  private remove(e: Entry, r: number): void {
    const d = e.projection.d;
    const last = e.n - 1;
    e.rowOf.delete(e.rows[r].imageId);
    if (r !== last) {
      e.vectors.copyWithin(r * d, last * d, (last + 1) * d);
      e.codes.copyWithin(r * d, last * d, (last + 1) * d);
      e.scales[r] = e.scales[last];
      e.rows[r] = e.rows[last];
      e.rowOf.set(e.rows[r].imageId, r);
    }
    e.rows.pop();
    e.n = last;
    this.stats.removed++;
  }
}
