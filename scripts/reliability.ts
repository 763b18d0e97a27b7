// `npm run test:reliability`: every test in test/reliability/ in its long form (10 kills, 30 s of load,
// 5000 fuzz cases, 100,000 files; `--quick` for the CI sizes), then one summary table of what was tried.
// The 50-kill crash loop is `npm run test:crash-loop -- --runs 50`.
import { spawnSync } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { StatKind, StatLine } from '../test/reliability/stats';

const root = path.resolve(__dirname, '..');
const quick = process.argv.includes('--quick');
const dir = path.join(root, 'test', 'reliability');
const files = fs
  .readdirSync(dir)
  .filter((f) => f.endsWith('.test.ts'))
  .sort()
  .map((f) => path.join('test', 'reliability', f));
const statsFile = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'poster-tagger-reliability-')), 'stats.jsonl');
fs.writeFileSync(statsFile, '');

const t0 = Date.now();
const r = spawnSync(process.execPath, ['--import', 'tsx', '--test', '--test-reporter=spec', ...files], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, NODE_ENV: 'test', RELIABILITY_STATS: statsFile, RELIABILITY_LONG: quick ? '0' : '1' },
});

const lines = fs
  .readFileSync(statsFile, 'utf8')
  .split('\n')
  .filter(Boolean)
  .map((l) => JSON.parse(l) as StatLine);
const kinds: StatKind[] = ['faults', 'badInputs', 'requests', 'kills', 'lost'];
const headers: Record<StatKind, string> = {
  faults: 'faults injected',
  badInputs: 'bad inputs tried',
  requests: 'requests served',
  kills: 'kills',
  lost: 'items lost',
};
const suites = [...new Set(lines.map((l) => l.suite))];
const rows = suites.map((s) => [s, ...kinds.map((k) => String(lines.filter((l) => l.suite === s && l.kind === k).reduce((a, l) => a + l.n, 0)))]);
rows.push(['total', ...kinds.map((k) => String(lines.filter((l) => l.kind === k).reduce((a, l) => a + l.n, 0)))]);
const table = [['suite', ...kinds.map((k) => headers[k])], ...rows];
const widths = table[0].map((_, i) => Math.max(...table.map((row) => row[i].length)));
const fmt = (row: string[]) => row.map((c, i) => (i === 0 ? c.padEnd(widths[i]) : c.padStart(widths[i]))).join('  ');
console.log(`\nReliability and security summary (${quick ? 'CI sizes' : 'long run'}, ${((Date.now() - t0) / 1000).toFixed(0)} s)`);
console.log(fmt(table[0]));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const row of rows) console.log(fmt(row));
for (const l of lines.filter((x) => x.note)) console.log(`  ${l.suite}: ${l.note}`);
const lost = lines.filter((l) => l.kind === 'lost').reduce((a, l) => a + l.n, 0);
console.log(r.status === 0 && lost === 0 ? '\nAll reliability tests passed; nothing was lost.' : `\nFAILED (test exit ${r.status}, items lost ${lost})`);
fs.rmSync(path.dirname(statsFile), { recursive: true, force: true });
process.exit(r.status === 0 && lost === 0 ? 0 : 1);
