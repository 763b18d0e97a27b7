import path from 'node:path';
import type { ScannedFile } from '../file-scan';
import type { Split } from '../types';

/** Folder names that mean a split (lower case). */
const SPLIT_NAMES: Record<string, Split> = {
  train: 'train',
  training: 'train',
  val: 'val',
  valid: 'val',
  validation: 'val',
  test: 'test',
  testing: 'test',
  predict: 'predict',
  prediction: 'predict',
};

export function splitOfDirName(name: string): Split | null {
  return SPLIT_NAMES[name.toLowerCase()] ?? null;
}

/** The split named by a file's top-level folder, if any. */
export function splitOfPath(relPath: string): Split | null {
  const slash = relPath.indexOf('/');
  return slash < 0 ? null : splitOfDirName(relPath.slice(0, slash));
}

export function stemOf(nameOrPath: string): string {
  const base = path.posix.basename(nameOrPath.replace(/\\/g, '/'));
  const ext = path.posix.extname(base);
  return ext ? base.slice(0, -ext.length) : base;
}

/** Finds the image a CSV id cell names: a relative path, a file name, or a bare id (`tt0084867`). */
export class FileIndex {
  private readonly byRel = new Map<string, ScannedFile>();
  private readonly byBase = new Map<string, ScannedFile[]>();
  private readonly byStem = new Map<string, ScannedFile[]>();

  constructor(readonly files: readonly ScannedFile[]) {
    for (const f of files) {
      this.byRel.set(f.relPath.toLowerCase(), f);
      push(this.byBase, path.posix.basename(f.relPath).toLowerCase(), f);
      push(this.byStem, stemOf(f.relPath).toLowerCase(), f);
    }
  }

  /** `dir` (relative to the root, '' for the root) is where the CSV lives: paths in it are relative to it. */
  match(id: string, dir: string): ScannedFile[] {
    const clean = id.replace(/\\/g, '/').replace(/^\.\//, '');
    const lower = clean.toLowerCase();
    if (clean.includes('/') || path.posix.extname(clean) !== '') {
      const rel = (dir ? path.posix.normalize(`${dir}/${clean}`) : path.posix.normalize(clean)).toLowerCase();
      const hit = this.byRel.get(rel) ?? this.byRel.get(path.posix.normalize(lower));
      if (hit) return [hit];
      const base = this.byBase.get(path.posix.basename(lower));
      if (base) return base;
    }
    // Exact case first, so `A.jpg` and `a.jpg` side by side still resolve.
    const stems = this.byStem.get(stemOf(lower)) ?? [];
    const exact = stems.filter((f) => stemOf(f.relPath) === stemOf(clean));
    return exact.length ? exact : stems;
  }
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const list = m.get(k);
  if (list) list.push(v);
  else m.set(k, [v]);
}
