// Crash safety: runs crash-driver.ts (index → label → write back → train → tag) as a child process, SIGKILLs
// it at a random moment, and checks the data folder before the next start: the database passes
// integrity_check, nothing committed before the kill is gone (labels, predictions, finished runs and their
// model files, CSV rows), and the next start leaves no run 'running'. After the last kill one more session
// runs to the end: the interrupted work resumes and completes. Used by the test (3 kills) and by
// scripts/crash-loop.ts (`npm run test:crash-loop -- --runs 50`).
import { spawn } from 'node:child_process';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { makeTutorialLibrary, posterJpeg, rng, FIXTURE_GENRES } from '../../helpers/posters';
import { parseCsvTable } from '../../../main/library/csv-table';
import { ReportBuilder } from '../../../main/library/import-report';
import { dataPaths } from '../../../main/core/data-dir';
import type { DriverEvent } from './crash-driver';

const ROOT = path.resolve(__dirname, '..', '..', '..');
const DRIVER = path.join(__dirname, 'crash-driver.ts');

export interface CrashLoopOptions {
  /** SIGKILLs to deliver (sessions that finish before their kill time do not count). */
  kills: number;
  /** Scratch folder: the data folder and the poster library are made inside it. */
  workDir: string;
  seed?: number;
  log?: (line: string) => void;
  /** Give up after this many sessions in all (a safety net; default kills × 4 + 10). */
  maxSessions?: number;
}

export interface CrashLoopResult {
  kills: number;
  /** Sessions that ran to the end on their own (the final one included). */
  completedSessions: number;
  /** Items committed before a kill and missing after it (labels, predictions, runs, CSV rows): must be 0. */
  lost: number;
  problems: string[];
  /** Where the kills landed: the last step each killed session had reached. */
  killedDuring: Record<string, number>;
  /** Hidden temp files a kill left next to a CSV (harmless: never read, replaced by the next write). */
  staleTempFiles: number;
  finalPredictions: number;
  finalImages: number;
  seconds: number;
}

interface Snapshot {
  /** relPath → sorted genre names (every labelled poster, imported or user). */
  labels: Map<string, string>;
  images: Set<string>;
  /** `${runId}:${hash}` */
  predictions: Set<string>;
  doneRuns: Set<number>;
  /** metadata.csv → data rows. */
  csvRows: Map<string, number>;
}

const key = (genres: readonly string[]) => [...genres].sort().join('|');

function snapshot(dataDir: string, libraryRoot: string, problems: string[]): Snapshot {
  if (!fs.existsSync(dataPaths(dataDir).database)) {
    // Killed before the first start made its database: nothing was committed yet.
    return { labels: new Map(), images: new Set(), predictions: new Set(), doneRuns: new Set(), csvRows: new Map() };
  }
  const db = new Database(dataPaths(dataDir).database);
  try {
    const integrity = db.pragma('integrity_check', { simple: true });
    if (integrity !== 'ok') problems.push(`integrity_check: ${integrity}`);
    const fk = db.pragma('foreign_key_check') as unknown[];
    if (fk.length) problems.push(`foreign_key_check: ${fk.length} rows point nowhere`);
    const labels = new Map<string, string>();
    for (const r of db
      .prepare(
        `SELECT i.rel_path AS p, group_concat(g.name, '|') AS g FROM images i JOIN labels l ON l.image_id = i.id
        JOIN genres g ON g.id = l.genre_id GROUP BY i.id`,
      )
      .all() as { p: string; g: string }[]) {
      labels.set(r.p, key(r.g.split('|')));
    }
    const images = new Set(db.prepare('SELECT rel_path FROM images').pluck().all() as string[]);
    const predictions = new Set(db.prepare("SELECT run_id || ':' || hash FROM predictions").pluck().all() as string[]);
    const doneRuns = new Set(db.prepare("SELECT id FROM runs WHERE status = 'done'").pluck().all() as number[]);
    for (const id of doneRuns) {
      const dir = path.join(dataPaths(dataDir).models, `run-${id}`);
      try {
        const meta = JSON.parse(fs.readFileSync(path.join(dir, 'metadata.json'), 'utf8')) as { weightsSha256: string };
        const sha = crypto
          .createHash('sha256')
          .update(fs.readFileSync(path.join(dir, 'weights.bin')))
          .digest('hex');
        if (sha !== meta.weightsSha256) problems.push(`run ${id} is done but its weights do not match their checksum`);
        JSON.parse(fs.readFileSync(path.join(dir, 'model.json'), 'utf8'));
      } catch (err) {
        problems.push(`run ${id} is done but its model files are broken: ${(err as Error).message}`);
      }
    }
    const csvRows = new Map<string, number>();
    for (const split of ['train', 'val']) {
      const file = path.join(libraryRoot, split, 'metadata.csv');
      const report = new ReportBuilder();
      const table = parseCsvTable(fs.readFileSync(file, 'utf8'), `${split}/metadata.csv`, report);
      if (!table || report.issues.length) problems.push(`${split}/metadata.csv is damaged: ${JSON.stringify(report.issues.slice(0, 2))}`);
      csvRows.set(split, table?.rows.length ?? 0);
    }
    return { labels, images, predictions, doneRuns, csvRows };
  } finally {
    db.close();
  }
}

/** Items of `before` missing from `after`, allowing label changes the session announced. */
function compare(before: Snapshot, after: Snapshot, events: DriverEvent[], problems: string[]): number {
  let lost = 0;
  const allowed = new Map<string, Set<string>>();
  const confirmed = new Map<string, string>();
  for (const ev of events) {
    if (ev.e === 'label-intent') {
      const set = allowed.get(ev.relPath) ?? new Set([...(confirmed.has(ev.relPath) ? [confirmed.get(ev.relPath)!] : [])]);
      set.add(key(ev.genres));
      allowed.set(ev.relPath, set);
    } else if (ev.e === 'label') {
      confirmed.set(ev.relPath, key(ev.genres));
      allowed.set(ev.relPath, new Set([key(ev.genres)]));
    }
  }
  const lose = (what: string) => {
    lost++;
    if (problems.length < 50) problems.push(what);
  };
  for (const [p, genres] of before.labels) {
    if (allowed.has(p)) continue;
    if (after.labels.get(p) !== genres) lose(`labels of ${p}: had ${genres}, now ${after.labels.get(p) ?? 'none'}`);
  }
  for (const [p, ok] of allowed) {
    const now = after.labels.get(p) ?? '';
    // An intent without its confirmation may have committed or not; the old value then also counts.
    const old = before.labels.get(p) ?? '';
    if (!ok.has(now) && !(now === old && !confirmed.has(p))) lose(`labels of ${p}: expected ${[...ok].join(' or ')}, found ${now || 'none'}`);
  }
  for (const p of before.images) if (!after.images.has(p)) lose(`image row ${p} disappeared`);
  for (const k of before.predictions) if (!after.predictions.has(k)) lose(`prediction ${k} disappeared`);
  for (const id of before.doneRuns) if (!after.doneRuns.has(id)) lose(`finished run ${id} is no longer done`);
  for (const [f, n] of before.csvRows) if ((after.csvRows.get(f) ?? 0) < n) lose(`${f}/metadata.csv lost rows: ${n} → ${after.csvRows.get(f)}`);
  return lost;
}

function runSession(dataDir: string, libraryRoot: string, session: number, killAfterMs: number | null) {
  return new Promise<{ events: DriverEvent[]; killed: boolean; code: number | null; stderr: string; ms: number }>((resolve) => {
    const t0 = Date.now();
    const child = spawn(process.execPath, ['--import', 'tsx', DRIVER, dataDir, libraryRoot, String(session)], {
      cwd: ROOT,
      // Small tagging chunks, so predictions are committed all along the job and a kill lands between them.
      env: { ...process.env, POSTER_TAGGER_TAG_CHUNK: '6' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const events: DriverEvent[] = [];
    let buffered = '';
    let stderr = '';
    let killed = false;
    child.stdout.on('data', (d: Buffer) => {
      buffered += d.toString('utf8');
      let nl: number;
      while ((nl = buffered.indexOf('\n')) >= 0) {
        const line = buffered.slice(0, nl);
        buffered = buffered.slice(nl + 1);
        try {
          events.push(JSON.parse(line) as DriverEvent);
        } catch {
          /* a log line from a library: not ours */
        }
      }
    });
    child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString('utf8')).slice(-4000)));
    const timer =
      killAfterMs === null
        ? undefined
        : setTimeout(() => {
            killed = child.kill('SIGKILL');
          }, killAfterMs);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ events, killed: killed && signal === 'SIGKILL', code, stderr, ms: Date.now() - t0 });
    });
  });
}

function phaseOf(events: DriverEvent[]): string {
  const last = events[events.length - 1]?.e;
  const names: Record<string, string> = {
    undefined: 'start-up',
    start: 'indexing',
    indexed: 'labelling',
    'label-intent': 'labelling',
    label: 'write-back or model loading',
    writeback: 'model loading',
    'train-start': 'training',
    trained: 'tagging',
    'tag-start': 'tagging',
    tagged: 'closing',
    complete: 'closing',
  };
  return names[String(last)] ?? String(last);
}

export async function runCrashLoop(opts: CrashLoopOptions): Promise<CrashLoopResult> {
  const t0 = Date.now();
  const log = opts.log ?? (() => undefined);
  const rand = rng(opts.seed ?? 42);
  const dataDir = path.join(opts.workDir, 'data');
  const libraryRoot = path.join(opts.workDir, 'posters library');
  await makeTutorialLibrary(libraryRoot, { train: 40, val: 16, seed: opts.seed ?? 42 });
  fs.mkdirSync(path.join(libraryRoot, 'predict'), { recursive: true });

  const result: CrashLoopResult = {
    kills: 0,
    completedSessions: 0,
    lost: 0,
    problems: [],
    killedDuring: {},
    staleTempFiles: 0,
    finalPredictions: 0,
    finalImages: 0,
    seconds: 0,
  };
  let before: Snapshot | null = null;
  let typicalMs = 15_000; // refined by the sessions that finish
  let added = 0;
  const maxSessions = opts.maxSessions ?? opts.kills * 4 + 10;

  for (let session = 0; session < maxSessions; session++) {
    const last = result.kills >= opts.kills;
    // New posters arrive between sessions, so every session has indexing and tagging to do.
    for (let i = 0; i < 3; i++, added++) {
      fs.writeFileSync(
        path.join(libraryRoot, 'predict', `new-${String(added).padStart(4, '0')}.jpg`),
        await posterJpeg([FIXTURE_GENRES[added % 5]], 9000 + added),
      );
    }
    const killAt = last ? null : Math.round(300 + rand() * typicalMs);
    const r = await runSession(dataDir, libraryRoot, session, killAt);
    const start = r.events.find((e) => e.e === 'start') as { leftRunning: number } | undefined;
    if (start && start.leftRunning !== 0) {
      result.problems.push(`session ${session} started with ${start.leftRunning} run(s) still 'running' or 'queued'`);
      result.lost += start.leftRunning;
    }
    if (r.killed) {
      result.kills++;
      const phase = phaseOf(r.events);
      result.killedDuring[phase] = (result.killedDuring[phase] ?? 0) + 1;
    } else if (r.code === 0 && r.events.some((e) => e.e === 'complete')) {
      result.completedSessions++;
      // The longest session seen (one that trains): kill times then spread over every step, training included.
      typicalMs = Math.max(typicalMs === 15_000 ? 0 : typicalMs, 2000, r.ms);
    } else {
      result.problems.push(`session ${session} failed (exit ${r.code}): ${r.stderr.trim().split('\n').slice(-3).join(' / ')}`);
    }
    const after = snapshot(dataDir, libraryRoot, result.problems);
    if (before) result.lost += compare(before, after, r.events, result.problems);
    before = after;
    log(
      `session ${session}: ${r.killed ? `killed after ${r.ms} ms during ${phaseOf(r.events)}` : `finished in ${r.ms} ms`}; ` +
        `${after.predictions.size} predictions, ${after.labels.size} labelled, ${after.doneRuns.size} done runs; lost so far ${result.lost}`,
    );
    if (last) {
      if (!(r.code === 0 && r.events.some((e) => e.e === 'complete'))) result.problems.push('the last session did not complete');
      break;
    }
  }
  if (result.kills < opts.kills) result.problems.push(`only ${result.kills} of ${opts.kills} kills landed in ${maxSessions} sessions`);

  // The end state: every readable poster tagged by the newest model, no run left running.
  const db = new Database(dataPaths(dataDir).database, { readonly: true });
  try {
    const runId = db.prepare("SELECT id FROM runs WHERE status = 'done' ORDER BY id DESC LIMIT 1").pluck().get() as number | undefined;
    const untagged = db
      .prepare(
        `SELECT COUNT(DISTINCT hash) FROM images WHERE error IS NULL AND hash IS NOT NULL
        AND hash NOT IN (SELECT hash FROM predictions WHERE run_id = ?)`,
      )
      .pluck()
      .get(runId ?? -1) as number;
    if (runId === undefined) result.problems.push('no finished run at the end');
    else if (untagged) result.problems.push(`${untagged} posters have no prediction of run ${runId} after the final session`);
    const running = db.prepare("SELECT COUNT(*) FROM runs WHERE status IN ('running', 'queued')").pluck().get() as number;
    if (running) result.problems.push(`${running} run(s) left running after the final session`);
    result.finalPredictions = db
      .prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?')
      .pluck()
      .get(runId ?? -1) as number;
    result.finalImages = db.prepare('SELECT COUNT(*) FROM images').pluck().get() as number;
  } finally {
    db.close();
  }
  for (const split of ['train', 'val']) {
    result.staleTempFiles += fs.readdirSync(path.join(libraryRoot, split)).filter((f) => f.startsWith('.') && f.endsWith('.tmp')).length;
  }
  result.seconds = (Date.now() - t0) / 1000;
  return result;
}
