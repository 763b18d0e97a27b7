import { call, on } from '../api/client';
import type { LibraryRow } from '../types';
import { toasts } from './toasts.svelte';

/** The toast scope of a library's messages: they go when another library is shown. */
export const libraryScope = (id: number | undefined) => `library:${id ?? 'none'}`;

/** The opened libraries and which one the gallery shows. */
class LibrariesManager {
  #list = $state.raw<LibraryRow[]>([]);
  #currentId = $state<number | undefined>(undefined);
  #indexJobs = $state<Record<number, string>>({});
  error = $state('');

  constructor() {
    void this.refresh();
    let timer: ReturnType<typeof setTimeout> | undefined;
    on('library:changed', () => {
      clearTimeout(timer);
      timer = setTimeout(() => void this.refresh(), 300);
    });
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
      this.error = err instanceof Error ? err.message : String(err);
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
