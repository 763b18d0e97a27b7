// `npm run test:crash-loop -- --runs 50`: SIGKILLs the back end at random moments while it indexes, labels,
// writes back, trains and tags, and checks after every kill that nothing committed was lost
// (see test/reliability/crash/crash-loop.ts). Exit code 1 when anything was lost or broken.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { runCrashLoop } from '../test/reliability/crash/crash-loop';
import { record } from '../test/reliability/stats';

async function main(): Promise<number> {
  const { values } = parseArgs({ options: { runs: { type: 'string', default: '50' }, seed: { type: 'string', default: '42' }, keep: { type: 'boolean' } } });
  const kills = Number(values.runs);
  if (!Number.isInteger(kills) || kills < 1) throw new Error('--runs must be a positive whole number');
  const workDir = fs.mkdtempSync(path.join(os.tmpdir(), 'poster-tagger-crash-loop-'));
  try {
    const r = await runCrashLoop({ kills, workDir, seed: Number(values.seed), log: (l) => console.log(l) });
    record('crash loop', 'kills', r.kills);
    record('crash loop', 'faults', r.kills);
    record('crash loop', 'lost', r.lost);
    console.log(`\nKills: ${r.kills}   sessions completed: ${r.completedSessions}   items lost: ${r.lost}   (${r.seconds.toFixed(0)} s)`);
    console.log(
      `Killed during: ${Object.entries(r.killedDuring)
        .map(([k, n]) => `${k} ${n}`)
        .join(', ')}`,
    );
    console.log(`End state: ${r.finalImages} images, ${r.finalPredictions} predictions by the newest run; stale temp files: ${r.staleTempFiles}`);
    for (const p of r.problems) console.log(`PROBLEM: ${p}`);
    return r.lost === 0 && r.problems.length === 0 ? 0 : 1;
  } finally {
    if (values.keep) console.log(`Kept ${workDir}`);
    else fs.rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (err) => {
    console.error(`crash-loop: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
