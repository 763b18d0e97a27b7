import fs from 'node:fs';
import path from 'node:path';

/** How many write-backs of one library keep their previous CSVs. */
export const KEEP_BACKUPS = 20;

/** Where a library's replaced CSVs are kept: in the app's data folder, never in the user's folder. */
export function backupRoot(dataRoot: string, libraryId: number): string {
  return path.join(dataRoot, 'backups', `library-${libraryId}`);
}

/** A fresh folder name for this write-back (sortable: oldest first). */
export function newBackupDir(dataRoot: string, libraryId: number, now = new Date()): string {
  return path.join(backupRoot(dataRoot, libraryId), now.toISOString().replace(/[:.]/g, '-'));
}

/** Deletes all but the newest `keep` backups of a library. */
export function pruneBackups(dataRoot: string, libraryId: number, keep = KEEP_BACKUPS): void {
  const root = backupRoot(dataRoot, libraryId);
  let names: string[];
  try {
    names = fs.readdirSync(root).sort();
  } catch {
    return;
  }
  for (const name of names.slice(0, Math.max(0, names.length - keep))) fs.rmSync(path.join(root, name), { recursive: true, force: true });
}
