import fs from 'node:fs';
import path from 'node:path';

export type GuardResult = { ok: true; path: string } | { ok: false; reason: string };

export interface PathGuardOptions {
  /** Also allow folders (default: files only). */
  allowDirectories?: boolean;
}

/** Is `child` (a real path) `root` itself or inside it? Case-insensitive where the platform's paths are. */
export function isInside(root: string, child: string): boolean {
  const rel = path.relative(root, child);
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

/**
 * Decides whether a requested path may be served: it must resolve (symlinks followed) to an existing file
 * whose real path lies inside the real path of an opened library root. `..` tricks and symlinks that lead out
 * are caught by comparing real paths, not strings. Relative requests are tried against each root in turn.
 */
export class PathGuard {
  private realRoots: string[] = [];

  constructor(
    roots: Iterable<string> = [],
    private readonly opts: PathGuardOptions = {},
  ) {
    this.setRoots(roots);
  }

  /** Replace the set of allowed roots (call when libraries are opened or removed). Missing roots are skipped. */
  setRoots(roots: Iterable<string>): void {
    const real: string[] = [];
    for (const r of roots) {
      try {
        real.push(fs.realpathSync.native(path.resolve(r)));
      } catch {
        // A library whose folder is gone serves nothing.
      }
    }
    this.realRoots = real;
  }

  get roots(): readonly string[] {
    return this.realRoots;
  }

  resolve(requested: unknown): GuardResult {
    if (typeof requested !== 'string' || requested === '') return { ok: false, reason: 'no path given' };
    if (requested.includes('\0')) return { ok: false, reason: 'path contains a NUL byte' };
    if (this.realRoots.length === 0) return { ok: false, reason: 'no library is open' };
    const candidates = path.isAbsolute(requested) ? [requested] : this.realRoots.map((r) => path.join(r, requested));
    let lastReason = 'file not found';
    for (const c of candidates) {
      let real: string;
      try {
        real = fs.realpathSync.native(c);
      } catch (err) {
        lastReason = (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : `cannot resolve path: ${(err as Error).message}`;
        continue;
      }
      if (!this.realRoots.some((root) => isInside(root, real))) {
        lastReason = 'path is outside every opened library';
        continue;
      }
      let st: fs.Stats;
      try {
        st = fs.statSync(real);
      } catch (err) {
        lastReason = `cannot read file: ${(err as Error).message}`;
        continue;
      }
      if (st.isFile() || (this.opts.allowDirectories && st.isDirectory())) return { ok: true, path: real };
      lastReason = st.isDirectory() ? 'path is a folder, not a file' : 'not a regular file';
    }
    return { ok: false, reason: lastReason };
  }
}
