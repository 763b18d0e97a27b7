import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const made: string[] = [];
process.on('exit', () => {
  for (const dir of made) fs.rmSync(dir, { recursive: true, force: true });
});

/** A temp folder removed when the test process exits (safe to call from hooks, unlike node:test's after()). */
export function tempDir(prefix = 'poster-tagger-test-'): string {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), prefix));
  made.push(dir);
  return dir;
}

/** A temp folder with a `cleanup` for tests that remove it in their own `finally` (else it goes at exit too). */
export function tempFolder(prefix = 'pt-lib-'): { dir: string; cleanup: () => void } {
  const dir = tempDir(prefix);
  return { dir, cleanup: () => fs.rmSync(dir, { recursive: true, force: true }) };
}
