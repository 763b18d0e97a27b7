import type Database from 'better-sqlite3';
import { libraryMigration } from './001_library';
import { embeddingsMigration } from './002_embeddings';
import { runsMigration } from './003_runs';
import { predictionsMigration } from './004_predictions';
import { embeddingsF16Migration } from './005_embeddings_f16';
import { runTaggingMigration } from './006_run_tagging';
import { runsAutoincrementMigration } from './007_runs_autoincrement';
import { runImportHashMigration } from './008_run_import_hash';
import { galleryIndexMigration } from './009_gallery_index';
import { holdoutSplitsMigration } from './010_holdout_splits';
import { contentIdsMigration } from './011_content_ids';
import { nearDuplicatesMigration } from './012_near_duplicates';

export interface Migration {
  version: number;
  name: string;
  /**
   * The migration drops and recreates a table other tables reference (SQLite's way to change a column):
   * it runs with foreign keys off, so the DROP does not cascade, and they are checked before commit.
   */
  rebuildsTables?: boolean;
  up(db: Database.Database): void;
}

/** Every schema version, in order. Shipped migrations are never edited; add a new one instead. */
export const migrations: readonly Migration[] = [
  libraryMigration,
  embeddingsMigration,
  runsMigration,
  predictionsMigration,
  embeddingsF16Migration,
  runTaggingMigration,
  runsAutoincrementMigration,
  runImportHashMigration,
  galleryIndexMigration,
  holdoutSplitsMigration,
  contentIdsMigration,
  nearDuplicatesMigration,
];
