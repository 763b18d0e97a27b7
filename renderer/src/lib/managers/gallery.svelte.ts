import { call, on } from '../api/client';
import type { GalleryItem, Split } from '../types';
import { libraries } from './libraries.svelte';
import { Persisted } from './persisted.svelte';

export interface GalleryFilters {
  genres: string[];
  genreMode: 'any' | 'all';
  split: Split | 'none' | '';
  labelled: '' | 'yes' | 'no';
  search: string;
  /** Model whose predictions are shown (and filtered on); undefined: labels only. */
  runId: number | undefined;
  predictedGenre: string;
  /** Predicted tags below this confidence are hidden, and the predicted-genre filter needs at least it. */
  minConfidence: number;
}

const PAGE = 120;
/** A bulk call takes at most this many posters. */
const BULK = 10_000;

export type ThumbSize = 'S' | 'M' | 'L';
/** Smallest card width of each thumbnail size; cards stretch so the columns fill the width. */
export const THUMB_WIDTHS: Record<ThumbSize, number> = { S: 120, M: 160, L: 230 };
export const thumbSize = new Persisted<ThumbSize>('gallery:thumb-size', 'M', (v): v is ThumbSize => v === 'S' || v === 'M' || v === 'L');

const validRun = (v: unknown): v is number | null => v === null || (typeof v === 'number' && Number.isInteger(v) && v > 0);
/** "Show predictions of", remembered per library (null: labels only). */
function rememberedRun(libraryId: number) {
  return new Persisted<number | null>(`gallery:run:${libraryId}`, null, validRun);
}

/** Splits ids into calls the API accepts. */
export function chunks<T>(items: readonly T[], size = BULK): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * The gallery's rows, fetched page by page as they scroll into view. `filters` is the sidebar's form
 * model (bound to its fields), so it stays public; the rest is read-only outside. Only pages near the viewport are
 * requested; the DOM holds only visible cards (see VirtualGrid).
 */
export class GalleryManager {
  filters = $state<GalleryFilters>({
    genres: [],
    genreMode: 'any',
    split: '',
    labelled: '',
    search: '',
    runId: undefined,
    predictedGenre: '',
    minConfidence: 0,
  });
  #total = $state(0);
  #loading = $state(false);
  #error = $state('');
  #pages = $state.raw<Map<number, GalleryItem[]>>(new Map());
  #inflight = new Set<number>();
  #generation = 0;
  #libraryId: number | undefined;
  /** Cached pages are outdated but still shown until the first fresh page replaces them. */
  #stale = false;

  constructor() {
    on('library:changed', ({ libraryId }) => {
      if (libraryId === this.#libraryId) this.reload(true);
    });
  }

  get libraryId() {
    return this.#libraryId;
  }
  get total() {
    return this.#total;
  }
  get loading() {
    return this.#loading;
  }
  get error() {
    return this.#error;
  }

  /**
   * "Review in the gallery" (Tag view): that library, with that model's predictions; with `predictedGenre`
   * (a bar of the tag distribution chart) only the posters it tagged with that genre.
   */
  review(libraryId: number, runId: number, predictedGenre?: string) {
    libraries.select(libraryId);
    this.setLibrary(libraryId);
    this.setRun(runId);
    if (predictedGenre) this.applyFilters({ predictedGenre });
    else this.reload();
  }

  setLibrary(id: number | undefined) {
    if (id === this.#libraryId) return;
    this.#libraryId = id;
    this.filters.runId = id === undefined ? undefined : (rememberedRun(id).value ?? undefined);
    this.filters.predictedGenre = '';
    this.reload();
  }

  /** Shows another model's predictions (or none), remembered for this library. */
  setRun(runId: number | undefined) {
    this.filters.runId = runId;
    this.filters.predictedGenre = '';
    if (this.#libraryId !== undefined) rememberedRun(this.#libraryId).value = runId ?? null;
  }

  /**
   * Shows exactly the posters a chart's bar or cell stands for: the label filters and the predicted-genre
   * filter start from "everything" and take `patch`; the model whose predictions are shown stays.
   */
  applyFilters(patch: Partial<Omit<GalleryFilters, 'runId'>>) {
    Object.assign(this.filters, { genres: [], genreMode: 'any', split: '', labelled: '', search: '', predictedGenre: '', minConfidence: 0 }, patch);
    this.reload();
  }

  /** Every poster id matching the current filters (not only the loaded pages), for "select all". */
  async allIds(): Promise<number[]> {
    if (this.#libraryId === undefined) return [];
    const f = this.filters;
    const r = await call('posters:ids', {
      ...this.#baseQuery(this.#libraryId),
      ...(f.runId === undefined
        ? {}
        : {
            runId: f.runId,
            predictedGenre: f.predictedGenre || undefined,
            minConfidence: f.predictedGenre && f.minConfidence > 0 ? f.minConfidence : undefined,
          }),
    });
    return r.ids;
  }

  /** Whether the chosen model has tagged any poster of this library (false: say so, and where to tag). */
  async runHasTagged(): Promise<boolean> {
    const runId = this.filters.runId;
    if (this.#libraryId === undefined || runId === undefined) return true;
    const r = await call('posters:queryPredicted', { libraryId: this.#libraryId, runId, predicted: true, limit: 1 });
    return r.total > 0;
  }

  #baseQuery(libraryId: number) {
    const f = this.filters;
    return {
      libraryId,
      genres: f.genres.length ? f.genres : undefined,
      genreMode: f.genreMode,
      split: f.split || undefined,
      labelled: f.labelled === '' ? undefined : f.labelled === 'yes',
      search: f.search.trim() || undefined,
    };
  }

  /** Drops cached pages; `keep` shows the old rows until fresh ones arrive (no flicker during indexing). */
  reload(keep = false) {
    this.#generation++;
    this.#inflight.clear();
    if (!keep) {
      this.#pages = new Map();
      this.#total = 0;
    }
    this.#stale = keep;
    void this.ensure(0, PAGE);
  }

  item(index: number): GalleryItem | undefined {
    return this.#pages.get(Math.floor(index / PAGE))?.[index % PAGE];
  }

  /** Makes sure rows [from, to) are loaded. */
  async ensure(from: number, to: number) {
    if (this.#libraryId === undefined) return;
    const first = Math.floor(Math.max(0, from) / PAGE);
    const last = Math.floor(Math.max(from, to - 1) / PAGE);
    const wanted: number[] = [];
    for (let p = first; p <= last; p++) if ((this.#stale || !this.#pages.has(p)) && !this.#inflight.has(p)) wanted.push(p);
    await Promise.all(wanted.map((p) => this.#load(p)));
  }

  async #load(page: number) {
    const generation = this.#generation;
    const libraryId = this.#libraryId!;
    this.#inflight.add(page);
    this.#loading = true;
    try {
      const f = this.filters;
      const query = { ...this.#baseQuery(libraryId), offset: page * PAGE, limit: PAGE };
      const res =
        f.runId === undefined
          ? await call('posters:query', query)
          : await call('posters:queryPredicted', {
              ...query,
              runId: f.runId,
              genre: f.predictedGenre || undefined,
              minConfidence: f.predictedGenre && f.minConfidence > 0 ? f.minConfidence : undefined,
            });
      if (generation !== this.#generation) return;
      const pages = this.#stale ? new Map<number, GalleryItem[]>() : new Map(this.#pages);
      this.#stale = false;
      pages.set(page, res.items);
      this.#pages = pages;
      this.#total = res.total;
      this.#error = '';
    } catch (err) {
      if (generation !== this.#generation) return;
      // A remembered model that was deleted since: back to labels only.
      if (this.filters.runId !== undefined && /There is no run #/.test(String(err))) {
        this.setRun(undefined);
        this.reload();
        return;
      }
      this.#error = err instanceof Error ? err.message : String(err);
    } finally {
      this.#inflight.delete(page);
      this.#loading = this.#inflight.size > 0;
    }
  }

  /** Replaces one poster's row after an edit, without refetching. */
  patch(item: GalleryItem) {
    const pages = new Map(this.#pages);
    for (const [p, rows] of pages) {
      const i = rows.findIndex((r) => r.id === item.id);
      if (i >= 0) pages.set(p, rows.with(i, { ...rows[i], ...item }));
    }
    this.#pages = pages;
  }
}

/** The one gallery: kept across views, so other views can open it on a model's predictions. */
export const gallery = new GalleryManager();
