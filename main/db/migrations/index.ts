import type Database from 'better-sqlite3';

export interface Migration {
  version: number;
  name: string;
  up(db: Database.Database): void;
}

/** Every schema version, in order. Shipped migrations are never edited; add a new one instead. */
export const migrations: readonly Migration[] = [];
