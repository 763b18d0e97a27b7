import { Persisted } from './persisted.svelte';

const MAX = 8;

const isList = (v: unknown): v is string[] => Array.isArray(v) && v.every((x) => typeof x === 'string');

/** The same place typed twice ("/a/b/" and "/a/b") is one entry. */
function tidy(p: string): string {
  const t = p.trim();
  return t.length > 1 ? t.replace(/(?<!^|:)[\\/]+$/, '') : t;
}

/** Paths the user used successfully, most recent first, offered again by PathField. */
export class RecentPaths {
  #store: Persisted<string[]>;

  constructor(key: string) {
    this.#store = new Persisted<string[]>(`recent-${key}`, [], isList);
  }

  get list(): string[] {
    return this.#store.value;
  }

  add(path: string): void {
    const p = tidy(path);
    if (!p) return;
    this.#store.value = [p, ...this.list.filter((x) => x !== p)].slice(0, MAX);
  }

  remove(path: string): void {
    this.#store.value = this.list.filter((x) => x !== tidy(path));
  }
}

/** One list per kind of place, shared by every field that asks for it. */
export const recentPaths = {
  /** Poster folders: libraries and folders to tag. */
  folders: new RecentPaths('folders'),
  /** Single images (Try it). */
  images: new RecentPaths('images'),
  /** Files written by exports (tags, models). */
  exports: new RecentPaths('exports'),
  /** Model files imported. */
  models: new RecentPaths('models'),
};
