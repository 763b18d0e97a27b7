import type { Db } from './database';

/**
 * Answers of read-only queries kept until anything in the database changes. The gallery asks for the same
 * count with every page it scrolls to; at 100,000 posters recounting is most of a page's cost.
 *
 * The stamp changes with every write: `total_changes()` counts every row this connection inserted, updated
 * or deleted (triggers included, rolled-back writes too, which only costs a recount), and `data_version`
 * changes when another connection (a worker, the CLI) commits. Two tiny statements per lookup.
 */
const MAX_ENTRIES = 64;

interface Cache {
  stamp: () => string;
  entries: Map<string, { stamp: string; value: unknown }>;
}

const caches = new WeakMap<Db, Cache>();

function cacheOf(db: Db): Cache {
  let c = caches.get(db);
  if (!c) {
    const version = db.prepare('PRAGMA data_version').pluck();
    const changes = db.prepare('SELECT total_changes()').pluck();
    c = { stamp: () => `${version.get()}:${changes.get()}`, entries: new Map() };
    caches.set(db, c);
  }
  return c;
}

/** `compute()`'s value for `key`, computed again only after the database changed. */
export function cachedRead<T>(db: Db, key: string, compute: () => T): T {
  const c = cacheOf(db);
  const stamp = c.stamp();
  const hit = c.entries.get(key);
  if (hit && hit.stamp === stamp) {
    // Most recently used last, so the oldest entry is the first one dropped.
    c.entries.delete(key);
    c.entries.set(key, hit);
    return hit.value as T;
  }
  const value = compute();
  c.entries.delete(key);
  c.entries.set(key, { stamp, value });
  if (c.entries.size > MAX_ENTRIES) c.entries.delete(c.entries.keys().next().value!);
  return value;
}
