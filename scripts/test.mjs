// `npm test` runs this after the build and the type checks: every unit, integration and end-to-end test
// in one run of Node's test runner, so there is one summary. `node scripts/test.mjs unit|e2e` picks a part.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';

const root = path.resolve(import.meta.dirname, '..');
const part = process.argv[2];
// reliability: faults, hostile input, crash and load tests at CI sizes (~1.5 min; long forms: npm run test:reliability).
const suites = { unit: 'test/unit', reliability: 'test/reliability', e2e: 'test/e2e' };
// Also takes a folder or one test file: `node scripts/test.mjs test/e2e/tag.e2e.test.ts`.
const dirs = part ? [suites[part] ?? part] : Object.values(suites);

const files = dirs.flatMap((dir) =>
  dir.endsWith('.test.ts')
    ? [dir]
    : fs
        .readdirSync(path.join(root, dir), { recursive: true })
        .map(String)
        .filter((f) => f.endsWith('.test.ts'))
        .sort()
        .map((f) => path.join(dir, f)),
);
if (files.length === 0) {
  console.error(`No test files found in ${dirs.join(', ')}`);
  process.exit(1);
}
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test' },
});
process.exit(r.status ?? 1);
