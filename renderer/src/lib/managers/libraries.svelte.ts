import { call, on } from '../api/client';
import { errorMessage } from '../format';
import type { GenreInfo, LibraryRow } from '../types';
import { toasts } from './toasts.svelte';

/** The toast scope of a library's messages: they go when another library is shown. */
export const libraryScope = (id: number | undefined) => `library:${id ?? 'none'}`;

/** The opened libraries and which one the gallery shows. */
class LibrariesManager {
  #list = $state.raw<LibraryRow[]>([]);
  #currentId = $state<number | undefined>(undefined);
  #indexJobs = $state<Record<number, string>>({});
  #error = $state('');
  /** Each library's genres and counts (genres:list), loaded when first asked for and kept fresh. */
  #genres = $state.raw<Record<number, GenreInfo>>({});
  #genreErrors = $state.raw<Record<number, string>>({});
  #genreLoads = new Map<number, Promise<void>>();

  constructor() {
    void this.refresh();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const changed = new Set<number>();
    on('library:changed', ({ libraryId }) => {
      changed.add(libraryId);
      clearTimeout(timer);
      timer = setTimeout(() => {
        void this.refresh();
        for (const id of changed) if (id in this.#genres || id in this.#genreErrors) void this.loadGenres(id);
        changed.clear();
      }, 300);
    });
  }

  get error() {
    return this.#error;
  }

  /** The library's genres with their counts; undefined until loaded (the first call starts the load). */
  genresOf(id: number | undefined): GenreInfo | undefined {
    if (id === undefined) return undefined;
    if (!(id in this.#genres) && !this.#genreLoads.has(id)) void this.loadGenres(id);
    return this.#genres[id];
  }
  genreErrorOf(id: number | undefined): string {
    return id === undefined ? '' : (this.#genreErrors[id] ?? '');
  }

  private loadGenres(id: number): Promise<void> {
    const load = (async () => {
      // After the caller's read: state is only written once the answer is in.
      await Promise.resolve();
      try {
        const info = await call('genres:list', { libraryId: id });
        this.#genres = { ...this.#genres, [id]: info };
        if (id in this.#genreErrors) this.#genreErrors = Object.fromEntries(Object.entries(this.#genreErrors).filter(([k]) => Number(k) !== id));
      } catch (err) {
        this.#genreErrors = { ...this.#genreErrors, [id]: errorMessage(err) };
      } finally {
        this.#genreLoads.delete(id);
      }
    })();
    this.#genreLoads.set(id, load);
    return load;
  }

  get list() {
    return this.#list;
  }
  get current(): LibraryRow | undefined {
    return this.#list.find((l) => l.id === this.#currentId);
  }
  get currentId() {
    return this.#currentId;
  }
  indexJobOf(id: number): string | undefined {
    return this.#indexJobs[id];
  }

  select(id: number | undefined) {
    if (id !== this.#currentId) toasts.dismissScope(libraryScope(this.#currentId));
    this.#currentId = id;
    if (id !== undefined) localStorage.setItem('poster-tagger:library', String(id));
  }

  async refresh() {
    try {
      this.#list = await call('library:list');
      if (this.#currentId === undefined) {
        const remembered = Number(localStorage.getItem('poster-tagger:library'));
        const pick = this.#list.find((l) => l.id === remembered) ?? this.#list[0];
        this.#currentId = pick?.id;
      }
    } catch (err) {
      this.#error = errorMessage(err);
    }
  }

  /** Adds (or re-opens) a folder and starts indexing it; the gallery fills in while it runs. */
  async open(path: string) {
    const { library, job } = await call('library:open', { path });
    this.#indexJobs = { ...this.#indexJobs, [library.id]: job.id };
    await this.refresh();
    this.select(library.id);
    return library;
  }

  async reindex(id: number) {
    const job = await call('library:index', { id });
    this.#indexJobs = { ...this.#indexJobs, [id]: job.id };
  }

  async remove(id: number) {
    await call('library:remove', { id });
    if (this.#currentId === id) {
      toasts.dismissScope(libraryScope(id));
      this.#currentId = undefined;
    }
    await this.refresh();
  }
}

export const libraries = new LibrariesManager();
