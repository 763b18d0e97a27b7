import type { Db } from '../db/database';
import { PathGuard } from './path-guard';

export interface MediaResolver {
  /** `what` is the path after /media/ (e.g. `thumb/12`); undefined when missing or not allowed. */
  resolve(what: string, query: URLSearchParams): Promise<{ file: string; contentType: string } | undefined>;
  /** Re-reads the set of library roots files may be served from. */
  refreshRoots(): void;
}
import { libraryRoots } from './library-repo';
import { ensureThumbnail } from './thumbnails';

const TYPES: Record<string, string> = { jpeg: 'image/jpeg', png: 'image/png', webp: 'image/webp' };

/**
 * Poster images for the renderer: `thumb/<imageId>`, `image/<imageId>` and `file?path=…`. Every file served
 * passes the path guard, so nothing outside an opened library (symlink escapes included) is ever read.
 */
export function createMediaResolver(db: Db, thumbnailsDir: string): MediaResolver {
  const guard = new PathGuard(libraryRoots(db));
  const imageRow = db.prepare(`SELECT i.rel_path AS relPath, i.hash, i.format, l.root FROM images i JOIN libraries l ON l.id = i.library_id WHERE i.id = ?`);

  function guarded(file: string) {
    const r = guard.resolve(file);
    return r.ok ? r.path : undefined;
  }

  return {
    refreshRoots: () => guard.setRoots(libraryRoots(db)),
    async resolve(what, query) {
      const [kind, idText] = what.split('/');
      if (kind === 'file') {
        const file = guarded(query.get('path') ?? '');
        return file ? { file, contentType: TYPES[extType(file)] ?? 'application/octet-stream' } : undefined;
      }
      const id = Number(idText);
      if (!Number.isSafeInteger(id) || id <= 0) return undefined;
      const row = imageRow.get(id) as { relPath: string; hash: string | null; format: string | null; root: string } | undefined;
      if (!row) return undefined;
      const file = guarded(`${row.root}/${row.relPath}`);
      if (!file) return undefined;
      if (kind === 'image') return { file, contentType: TYPES[row.format ?? extType(file)] ?? 'application/octet-stream' };
      if (kind === 'thumb' && row.hash) {
        try {
          return { file: await ensureThumbnail(thumbnailsDir, row.hash, file), contentType: 'image/jpeg' };
        } catch {
          return undefined;
        }
      }
      return undefined;
    },
  };
}

function extType(file: string): string {
  const ext = file.slice(file.lastIndexOf('.') + 1).toLowerCase();
  return ext === 'jpg' || ext === 'jpeg' ? 'jpeg' : ext;
}
