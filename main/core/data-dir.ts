import os from 'node:os';
import path from 'node:path';
import fs from 'node:fs';

export const PRODUCT_NAME = 'Poster Tagger';

/** The platform's app-data folder, computed exactly as Electron's `app.getPath('userData')` does. */
export function defaultUserDataDir(platform: NodeJS.Platform = process.platform, env: NodeJS.ProcessEnv = process.env): string {
  const home = os.homedir();
  if (platform === 'win32') return path.join(env.APPDATA ?? path.join(home, 'AppData', 'Roaming'), PRODUCT_NAME);
  if (platform === 'darwin') return path.join(home, 'Library', 'Application Support', PRODUCT_NAME);
  return path.join(env.XDG_CONFIG_HOME ?? path.join(home, '.config'), PRODUCT_NAME);
}

/** Flag beats environment beats platform default. */
export function resolveDataDir(opts: { flag?: string; env?: NodeJS.ProcessEnv; fallback?: string } = {}): string {
  const env = opts.env ?? process.env;
  const chosen = opts.flag ?? env.POSTER_TAGGER_DATA_DIR ?? opts.fallback ?? defaultUserDataDir(process.platform, env);
  return path.resolve(chosen);
}

export interface DataPaths {
  root: string;
  database: string;
  thumbnails: string;
  models: string;
  backbones: string;
  cache: string;
}

export function dataPaths(root: string): DataPaths {
  return {
    root,
    database: path.join(root, 'poster-tagger.sqlite'),
    thumbnails: path.join(root, 'thumbnails'),
    models: path.join(root, 'models'),
    backbones: path.join(root, 'backbones'),
    cache: path.join(root, 'cache'),
  };
}

export function ensureDataDir(root: string): DataPaths {
  const p = dataPaths(root);
  for (const dir of [p.root, p.thumbnails, p.models, p.backbones, p.cache]) fs.mkdirSync(dir, { recursive: true });
  return p;
}
