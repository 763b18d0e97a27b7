// Every statement the gallery runs for a filter (its pages, counts, "select all", sidebar counts, a model's
// prediction filters) finds its rows through an index: no full scan of a table and no sort of every match,
// which is what keeps a 100,000-poster library fluid (scripts/bench/scale.ts times it). Checked on a
// generated database both as it is after indexing and after ANALYZE (SQLite's planner then has statistics
// and may choose differently). The plans are printed as test diagnostics.
import { test, type TestContext } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../../main/db/database';
import { genreVocabulary, queryPosterIds, queryPosters, splitCounts, type PosterQuery } from '../../../main/library/gallery-queries';
import { genreCooccurrence } from '../../../main/library/genre-cooccurrence';
import { openLibrary } from '../../../main/library/library-repo';
import { syncVocabulary } from '../../../main/library/vocabulary';
import { createRun } from '../../../main/runs/runs-repo';
import { predictionFilterSql, predictionsForImages, writePredictions, type PredictionFilter } from '../../../main/tagging/predictions-repo';
import { testDb } from './helpers';
import { tempFolder } from '../../helpers/temp';

const GENRES = ['Action', 'Comedy', 'Drama', 'Horror', 'Romance', 'Western'];
const SPLITS = ['train', 'train', 'val', 'test', 'predict', null] as const;

/** n posters with labels, some broken, some duplicates, and a run that predicted every one of them. */
function generated(db: Db, libraryId: number, n: number): number {
  const ids = syncVocabulary(db, libraryId, GENRES);
  const img = db.prepare(`INSERT INTO images (library_id, rel_path, poster_id, split, hash, size, mtime_ms, labels_source, thumb_status, error)
    VALUES (?, ?, ?, ?, ?, 1, 1, ?, 'ready', ?)`);
  const lab = db.prepare("INSERT INTO labels (image_id, genre_id, source) VALUES (?, ?, 'import')");
  const hashes: string[] = [];
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const hash = i.toString(16).padStart(64, '0');
      hashes.push(hash);
      const labelled = i % 7 !== 0;
      const id = Number(
        img.run(
          libraryId,
          `${SPLITS[i % 6] ?? 'other'}/tt${String(i).padStart(7, '0')}.jpg`,
          `tt${i}`,
          SPLITS[i % 6],
          hash,
          labelled ? 'import' : null,
          i % 97 === 0 ? 'cannot decode image' : null,
        ).lastInsertRowid,
      );
      if (!labelled) continue;
      for (const [g, name] of GENRES.entries()) if ((i >> g) % 3 === 0) lab.run(id, ids.get(name.toLowerCase()));
    }
    db.prepare('UPDATE images SET duplicate_of = id - 1 WHERE library_id = ? AND id % 500 = 0').run(libraryId);
  })();
  const run = createRun(db, { libraryId, dataset: 'plans', backbone: 'mobilenet_v2', genres: GENRES, config: {}, seed: 1 }).id;
  const rows = hashes.slice(0, Math.floor(n * 0.9)).map((hash, i) => {
    const scores = Float32Array.from(GENRES, (_, j) => ((i * 31 + j * 17) % 100) / 100);
    return { hash, scores, tags: GENRES.filter((_, j) => scores[j] >= 0.5) };
  });
  writePredictions(db, run, GENRES, rows);
  return run;
}

interface Captured {
  sql: string;
  args: unknown[];
}

/** Runs `fn` and returns every statement on `images` it ran, with its arguments. */
function capture(db: Db, fn: () => void): Captured[] {
  const seen: Captured[] = [];
  const prepare = db.prepare.bind(db);
  const wrap = (stmt: ReturnType<Db['prepare']>, sql: string): ReturnType<Db['prepare']> =>
    new Proxy(stmt, {
      get(target, key) {
        const value = Reflect.get(target, key) as unknown;
        if (typeof value !== 'function') return value;
        if (key === 'all' || key === 'get' || key === 'iterate')
          return (...args: unknown[]) => {
            if (/\bimages\b/.test(sql)) seen.push({ sql, args });
            return (value as (...a: unknown[]) => unknown).apply(target, args);
          };
        // pluck(), raw(), safeIntegers() return the statement: keep watching it.
        return (...args: unknown[]) => {
          const out = (value as (...a: unknown[]) => unknown).apply(target, args);
          return out === target ? wrap(target, sql) : out;
        };
      },
    });
  db.prepare = ((sql: string) => wrap(prepare(sql), sql)) as Db['prepare'];
  try {
    fn();
  } finally {
    db.prepare = prepare as Db['prepare'];
  }
  return seen;
}

function plan(db: Db, c: Captured): string[] {
  return (db.prepare(`EXPLAIN QUERY PLAN ${c.sql}`).all(...c.args) as { detail: string }[]).map((r) => r.detail);
}

/** What a plan must not do: read a whole table (or a whole index), or sort every match to find one page. */
function problems(c: Captured, lines: string[]): string[] {
  const bad = lines.filter((l) => /^SCAN /.test(l) && l !== 'SCAN CONSTANT ROW');
  if (/ORDER BY i\.rel_path/.test(c.sql)) bad.push(...lines.filter((l) => /TEMP B-TREE FOR (ORDER BY|RIGHT PART OF ORDER BY)/.test(l)));
  if (/\bprediction_scores\b|\bpredictions pp\b/.test(c.sql)) bad.push(...predictionFilterProblems(c.sql, lines));
  return bad;
}

/**
 * A model's prediction filter walks images_gallery (every poster of the library) and tests each against
 * the run's matches, so what costs per poster or per match must be an integer test: the matches gathered
 * once from one covering index of content ids (migration 011), never looked up per poster, never joined
 * to `predictions` to learn a hash, never sorted or de-duplicated in a temporary tree, and "predicted
 * Horror" reads only the tagged entries of the genre.
 */
function predictionFilterProblems(sql: string, lines: string[]): string[] {
  const bad: string[] = [];
  if (/\bhash\b/.test(sql)) bad.push('compares content hashes (64-character strings) instead of content ids');
  bad.push(...lines.filter((l) => /TEMP B-TREE|AUTOMATIC/.test(l)));
  lines.forEach((l, k) => {
    if (/CORRELATED/.test(l) && /\b(pp|p|s) USING/.test(lines[k + 1] ?? '')) bad.push(`${l} → ${lines[k + 1]}: a lookup per poster`);
  });
  bad.push(
    ...lines.filter((l) => /^SEARCH (p|pp|s) USING (INTEGER PRIMARY KEY|INDEX|PRIMARY KEY)/.test(l)).map((l) => `${l}: not answered by its index alone`),
  );
  if (/s\.tagged = 1/.test(sql))
    bad.push(...lines.filter((l) => /prediction_scores_filter/.test(l) && !/tagged=\?/.test(l)).map((l) => `${l}: reads untagged scores too`));
  return bad;
}

type Call = { name: string; run: (db: Db) => unknown };

function calls(libraryId: number, runId: number): Call[] {
  const base: PosterQuery = { libraryId, limit: 120, offset: 240 };
  const page = (name: string, q: Partial<PosterQuery>): Call => ({ name, run: (db) => queryPosters(db, { ...base, ...q }) });
  const predicted = (name: string, f: Omit<PredictionFilter, 'runId'>, q: Partial<PosterQuery> = {}): Call => ({
    name,
    run: (db) => {
      const res = queryPosters(db, { ...base, ...q }, predictionFilterSql(db, { runId, ...f }));
      predictionsForImages(
        db,
        runId,
        res.items.map((i) => i.id),
      );
    },
  });
  return [
    page('all posters', {}),
    page('all posters, keyset page', { after: 'train/tt0000100.jpg' }),
    page('split', { split: 'val' }),
    page('no split', { split: 'none' }),
    page('labelled', { labelled: true }),
    page('unlabelled', { labelled: false }),
    page('broken', { broken: true }),
    page('search', { search: '12' }),
    page('one genre', { genres: ['Horror'] }),
    page('any of three genres', { genres: ['Horror', 'Romance', 'Western'], genreMode: 'any' }),
    page('all of two genres', { genres: ['Drama', 'Action'], genreMode: 'all' }),
    page('split + labelled + genre + search', { split: 'train', labelled: true, genres: ['Comedy'], search: '1' }),
    predicted('predictions shown', {}),
    predicted('predicted genre', { genre: 'Horror' }),
    predicted('confidence range', { genre: 'Drama', minConfidence: 0.4, maxConfidence: 0.6 }),
    predicted('not tagged yet', { predicted: false }),
    predicted('tagged + label genre + split', { predicted: true, genre: 'Comedy' }, { genres: ['Drama'], split: 'train' }),
    { name: 'select all', run: (db) => queryPosterIds(db, { libraryId, genres: ['Action'] }) },
    { name: 'select all, predicted', run: (db) => queryPosterIds(db, { libraryId }, predictionFilterSql(db, { runId, genre: 'Romance' })) },
    { name: 'sidebar genre counts', run: (db) => genreVocabulary(db, libraryId) },
    { name: 'sidebar split counts', run: (db) => splitCounts(db, libraryId) },
    { name: 'co-occurrence heatmap', run: (db) => genreCooccurrence(db, libraryId, 'train') },
  ];
}

function checkPlans(t: TestContext, db: Db, libraryId: number, runId: number, label: string): void {
  const failures: string[] = [];
  for (const call of calls(libraryId, runId)) {
    // Any write makes the read cache recompute, so every statement really runs.
    db.prepare('UPDATE libraries SET name = name WHERE id = ?').run(libraryId);
    const statements = capture(db, () => call.run(db));
    assert.ok(statements.length > 0, `${call.name}: ran no statement on images`);
    for (const s of statements) {
      const lines = plan(db, s);
      t.diagnostic(`[${label}] ${call.name}: ${s.sql.replace(/\s+/g, ' ').slice(0, 110)}…\n    ${lines.join('\n    ')}`);
      for (const p of problems(s, lines)) failures.push(`${call.name}: "${p}" in ${s.sql.replace(/\s+/g, ' ')}`);
    }
  }
  assert.deepEqual(failures, [], `[${label}] plans that read everything`);
}

test('every gallery query uses an index: no full scan, no sort of every match (before and after ANALYZE)', (t) => {
  const dir = tempFolder();
  try {
    const root = path.join(dir.dir, 'posters');
    fs.mkdirSync(root);
    const db = testDb(dir.dir);
    const lib = openLibrary(db, root, { name: 'generated' });
    const runId = generated(db, lib.id, 3000);
    checkPlans(t, db, lib.id, runId, 'no statistics');
    db.exec('ANALYZE');
    checkPlans(t, db, lib.id, runId, 'after ANALYZE');
    db.close();
  } finally {
    dir.cleanup();
  }
});

test('paging by offset and by cursor gives every match once, in path order, with and without a prediction filter', () => {
  const dir = tempFolder();
  try {
    const root = path.join(dir.dir, 'posters');
    fs.mkdirSync(root);
    const db = testDb(dir.dir);
    const lib = openLibrary(db, root, { name: 'generated' });
    const runId = generated(db, lib.id, 1200);
    const filters = [
      { q: { genres: ['Drama'] }, extra: undefined },
      { q: { split: 'train' as const }, extra: () => predictionFilterSql(db, { runId, genre: 'Horror' }) },
      { q: {}, extra: () => predictionFilterSql(db, { runId, predicted: false }) },
    ];
    for (const { q, extra } of filters) {
      const all = queryPosterIds(db, { libraryId: lib.id, ...q }, extra?.());
      const paths = db.prepare('SELECT id, rel_path FROM images').all() as { id: number; rel_path: string }[];
      const pathOf = new Map(paths.map((r) => [r.id, r.rel_path]));
      const sorted = [...all.ids].sort((a, b) => (pathOf.get(a)! < pathOf.get(b)! ? -1 : 1));
      assert.deepEqual(all.ids, sorted, 'in path order');
      const byOffset: number[] = [];
      const byCursor: number[] = [];
      let after: string | undefined;
      for (let offset = 0; offset < all.total; offset += 50) {
        const page = queryPosters(db, { libraryId: lib.id, ...q, offset, limit: 50 }, extra?.());
        assert.equal(page.total, all.total);
        byOffset.push(...page.items.map((i) => i.id));
        const next = queryPosters(db, { libraryId: lib.id, ...q, after, limit: 50 }, extra?.());
        byCursor.push(...next.items.map((i) => i.id));
        after = next.nextCursor ?? undefined;
        if (!after) break;
      }
      assert.deepEqual(byOffset, all.ids, `${JSON.stringify(q)} by offset`);
      assert.deepEqual(byCursor, all.ids, `${JSON.stringify(q)} by cursor`);
      assert.ok(all.total > 50, 'more than one page');
    }
    db.close();
  } finally {
    dir.cleanup();
  }
});
