// Runs after `npm install` / `npm ci`: Electron's type declarations, then the bundled backbone models.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const steps = [['node', ['scripts/fetch-electron-types.mjs']]];
if (fs.existsSync(path.join(root, 'scripts', 'fetch-models.ts'))) steps.push(['node', ['--import', 'tsx', 'scripts/fetch-models.ts']]);
for (const [cmd, args] of steps) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
