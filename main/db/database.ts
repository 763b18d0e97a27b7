import Database from 'better-sqlite3';
import { migrations, type Migration } from './migrations';

export type Db = Database.Database;

/** Opens (or creates) the app database: WAL, foreign keys, all migrations applied. */
export function openDatabase(file: string, list: readonly Migration[] = migrations): Db {
  const db = new Database(file);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = NORMAL');
  db.pragma('foreign_keys = ON');
  db.pragma('busy_timeout = 5000');
  migrate(db, list);
  return db;
}

/** Applies each pending migration in its own transaction and records it in `schema_migrations`. */
export function migrate(db: Db, list: readonly Migration[] = migrations): number[] {
  db.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
    version INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    applied_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ','now'))
  )`);
  const done = new Set(db.prepare('SELECT version FROM schema_migrations').pluck().all() as number[]);
  const sorted = [...list].sort((a, b) => a.version - b.version);
  const applied: number[] = [];
  for (const m of sorted) {
    if (done.has(m.version)) continue;
    // SQLite ignores PRAGMA foreign_keys inside a transaction, so a table rebuild switches them off here.
    const keysOff = Boolean(m.rebuildsTables) && db.pragma('foreign_keys', { simple: true }) === 1;
    if (keysOff) db.pragma('foreign_keys = OFF');
    try {
      db.transaction(() => {
        m.up(db);
        if (m.rebuildsTables) {
          const broken = db.pragma('foreign_key_check') as { table: string; parent: string }[];
          if (broken.length)
            throw new Error(`Migration ${m.version} (${m.name}) would break ${broken.length} reference(s), e.g. ${broken[0].table} → ${broken[0].parent}`);
        }
        db.prepare('INSERT INTO schema_migrations (version, name) VALUES (?, ?)').run(m.version, m.name);
      })();
    } finally {
      if (keysOff) db.pragma('foreign_keys = ON');
    }
    applied.push(m.version);
  }
  return applied;
}
