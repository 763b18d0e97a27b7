// Electron's binary cannot be downloaded on every machine (then npm drops the optional `electron` package),
// but its type declarations ship in the npm tarball: keep them in .types/ so the Electron wiring type-checks.
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const target = path.join(root, '.types', 'electron.d.ts');
const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8'));
const version = (pkg.optionalDependencies?.electron ?? pkg.devDependencies?.electron ?? '').replace(/^[^\d]*/, '');
const stamp = path.join(root, '.types', 'electron.version');

if (fs.existsSync(path.join(root, 'node_modules', 'electron', 'electron.d.ts'))) {
  // The real package is installed: its own declarations win, and a second copy would clash.
  fs.rmSync(path.join(root, '.types'), { recursive: true, force: true });
  process.exit(0);
}
if (fs.existsSync(target) && fs.existsSync(stamp) && fs.readFileSync(stamp, 'utf8') === version) process.exit(0);

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'electron-types-'));
try {
  const out = execFileSync('npm', ['pack', `electron@${version}`, '--silent', '--pack-destination', tmp], {
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const tarball = path.join(tmp, out.trim().split('\n').pop());
  execFileSync('tar', ['-xzf', tarball, '-C', tmp, 'package/electron.d.ts']);
  fs.mkdirSync(path.dirname(target), { recursive: true });
  fs.copyFileSync(path.join(tmp, 'package', 'electron.d.ts'), target + '.tmp');
  fs.renameSync(target + '.tmp', target);
  fs.writeFileSync(stamp, version);
  console.log(`fetch-electron-types: Electron ${version} type declarations saved to .types/ (the Electron binary itself is not installed here)`);
} catch (err) {
  console.warn(
    `fetch-electron-types: could not get Electron ${version} types (${String(err.message).split('\n')[0]}); type checks of main/electron will fail until it can.`,
  );
} finally {
  fs.rmSync(tmp, { recursive: true, force: true });
}
