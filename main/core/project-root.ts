import fs from 'node:fs';
import path from 'node:path';

let cached: string | undefined;

/** The folder holding our package.json: the checkout from source or a bundle, the app folder when packaged. */
export function projectRoot(): string {
  if (cached) return cached;
  let dir = __dirname;
  for (;;) {
    const pkg = path.join(dir, 'package.json');
    if (fs.existsSync(pkg)) {
      try {
        if (JSON.parse(fs.readFileSync(pkg, 'utf8')).name === 'poster-tagger') return (cached = dir);
      } catch {
        /* keep walking up */
      }
    }
    const up = path.dirname(dir);
    if (up === dir) throw new Error(`Cannot find the Poster Tagger package above ${__dirname}`);
    dir = up;
  }
}

/** Files under resources/, taken from app.asar.unpacked in a packaged app so native code can open them. */
export function resourcePath(...parts: string[]): string {
  const p = path.join(projectRoot(), 'resources', ...parts);
  return p.replace(`app.asar${path.sep}`, `app.asar.unpacked${path.sep}`);
}

export function appVersion(): string {
  return JSON.parse(fs.readFileSync(path.join(projectRoot(), 'package.json'), 'utf8')).version as string;
}
