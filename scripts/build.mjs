// Builds all three parts: the renderer with Vite (Svelte 5), main/preload/CLI/workers with esbuild.
// esbuild bundles our TypeScript into CommonJS files in dist/, keeping npm packages external so native
// modules (better-sqlite3, sharp, onnxruntime-node, tfjs-node) load from node_modules as usual.
import { build as viteBuild } from 'vite';
import { build } from 'esbuild';
import fs from 'node:fs';
import path from 'node:path';
import { workers } from './workers.mjs';

const root = path.resolve(import.meta.dirname, '..');
const dist = path.join(root, 'dist');
const quiet = process.argv.includes('--quiet');

fs.rmSync(dist, { recursive: true, force: true });

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  sourcemap: 'linked',
  packages: 'external',
  logLevel: 'warning',
  absWorkingDir: root,
};

const entries = {
  main: 'main/electron/main.ts',
  serve: 'main/serve-main.ts',
  launch: 'main/launch.ts',
  cli: 'main/cli/index.ts',
  ...Object.fromEntries(Object.entries(workers).map(([name, src]) => [`worker-${name}`, src])),
};

await Promise.all([
  viteBuild({ configFile: path.join(root, 'renderer', 'vite.config.mts'), logLevel: quiet ? 'warn' : 'info' }),
  build({ ...common, entryPoints: entries, outdir: dist }),
  // The sandboxed preload cannot require npm packages: bundle everything but electron.
  build({ ...common, packages: undefined, external: ['electron'], entryPoints: { preload: 'preload/index.ts' }, outdir: dist }),
]);
console.log('build: dist/ ready (renderer, main, preload, serve, launch, cli' + (Object.keys(workers).length ? ', workers' : '') + ')');
