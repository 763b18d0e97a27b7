// Per-run tagging settings end to end, through the gate as the renderer calls it and through the CLI:
// saved thresholds, modes and "at most N tags" reach predict, the stored predictions (re-derived from
// their probabilities) and exports; the default model is the marked run, else the latest, with a reason.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { testBackend, waitForJob, trainTinyModel } from '../../helpers/backend';
import { posterJpeg, FIXTURE_GENRES } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { cli } from '../cli/helpers';
import { skipWithoutMobilenet as skip } from '../../helpers/backbones';

let b: ReturnType<typeof testBackend>;
let runId: number;
let libraryId: number;
let files: string[];
let trainingRoot: string;
/** Tags per file with the model's own settings. */
let baseline: Map<string, string[]>;

before(async () => {
  if (skip) return;
  b = testBackend();
  const root = tempDir();
  trainingRoot = path.join(root, 'training');
  ({ runId } = await trainTinyModel(b, trainingRoot, { train: 60, val: 20, dataSeed: 3, epochs: 12, seed: 7 }));
  const folder = path.join(root, 'to tag');
  fs.mkdirSync(folder);
  files = [];
  for (let i = 0; i < 16; i++) {
    const genres = [FIXTURE_GENRES[i % 5], ...(i % 3 === 0 ? [FIXTURE_GENRES[(i + 2) % 5]] : [])];
    const file = path.join(folder, `poster ${String(i).padStart(2, '0')}.jpg`);
    fs.writeFileSync(file, await posterJpeg(genres, 300 + i));
    files.push(file);
  }
  const started = await b.call('tag:start', { folders: [folder] });
  assert.equal(started.runId, runId);
  assert.equal(started.reason, 'latest finished run');
  assert.equal((await waitForJob(b, started.job.id)).status, 'done');
  libraryId = started.libraryIds[0];
  baseline = await predicted();
});
after(() => b?.close());

const base = (file: string) => path.basename(file);

/** predict:files tags by file name (the run's saved settings unless `choice` says otherwise). */
async function predicted(choice: { mode?: 'precise' | 'balanced' | 'broad'; maxTags?: number | null } = {}) {
  const preds = await b.call('predict:files', { runId, paths: files, ...choice });
  return new Map(preds.map((p) => [base(p.path), p.tags]));
}

async function probabilities() {
  const preds = await b.call('predict:files', { runId, paths: files });
  return new Map(preds.map((p) => [base(p.path), p.probabilities]));
}

/** The stored predictions' tags by file name, as the gallery shows them. */
async function stored() {
  const page = await b.call('posters:queryPredicted', { libraryId, runId, limit: 100 });
  return new Map(page.items.map((i) => [i.relPath, i.prediction?.tags ?? []]));
}

/** What a CSV export says, by file name. */
async function exported(): Promise<Map<string, { tags: string[]; p: Record<string, number> }>> {
  const file = path.join(tempDir(), 'tags.csv');
  await b.call('tag:export', { runId, libraryIds: [libraryId], format: 'csv', file });
  const rows = parse(fs.readFileSync(file, 'utf8'), { columns: true }) as Record<string, string>[];
  return new Map(
    rows.map((r) => [base(r.path), { tags: r.tags ? r.tags.split('|') : [], p: Object.fromEntries(FIXTURE_GENRES.map((g) => [g, Number(r[`p_${g}`])])) }]),
  );
}

/** Stored tags agree with the per-genre rows the gallery filters on. */
function assertScoresTable() {
  const rows = b.db
    .prepare('SELECT p.tags, s.genre, s.tagged FROM predictions p JOIN prediction_scores s ON s.prediction_id = p.id WHERE p.run_id = ?')
    .all(runId) as { tags: string; genre: number; tagged: number }[];
  assert.ok(rows.length > 0);
  for (const r of rows) assert.equal(r.tagged, (JSON.parse(r.tags) as string[]).includes(FIXTURE_GENRES[r.genre]) ? 1 : 0);
}

const count = (tags: Map<string, string[]>, genre: string) => [...tags.values()].filter((t) => t.includes(genre)).length;

test('saved thresholds reach predict, the stored predictions and exports; reset brings the tags back', { skip }, async () => {
  const before = await stored();
  assert.deepEqual(new Map([...before].sort()), new Map([...baseline].sort()), 'tag job and predict agree');
  // The genre with the most tags a threshold of 0.99 removes.
  const probs = await probabilities();
  const removable = (g: string) => files.filter((f) => baseline.get(base(f))!.includes(g) && probs.get(base(f))![g] < 0.99).length;
  const genre = [...FIXTURE_GENRES].sort((x, y) => removable(y) - removable(x))[0];
  assert.ok(removable(genre) > 0, 'some tag sits below 0.99');
  const j = FIXTURE_GENRES.indexOf(genre);
  const csvBefore = await exported();

  const overrides = FIXTURE_GENRES.map((_, k) => (k === j ? 0.99 : null));
  const saved = await b.call('runs:setTagging', { runId, overrides });
  assert.deepEqual(saved.tagging.overrides, overrides);
  assert.equal(saved.retagged.predictions, 16);
  assert.equal(saved.retagged.changed, removable(genre));
  assert.equal((await b.call('runs:get', { id: runId })).tagThresholds?.[j], 0.99);
  assert.deepEqual((await b.call('runs:list', {})).find((r) => r.id === runId)?.tagging.overrides, overrides);

  // predict (Try it and the CLI use it): the genre only where p >= 0.99, the others unchanged.
  const after = await predicted();
  for (const f of files) {
    const name = base(f);
    const keep = probs.get(name)![genre] >= 0.99;
    assert.deepEqual(
      after.get(name),
      baseline.get(name)!.filter((t) => t !== genre || keep),
      name,
    );
  }
  // Stored predictions were re-derived (no new prediction), and the filter table with them.
  assert.deepEqual(new Map([...(await stored())].sort()), new Map([...after].sort()));
  assertScoresTable();
  assert.equal((await b.call('posters:queryPredicted', { libraryId, runId, genre, limit: 100 })).total, count(after, genre));
  // Exports read the stored tags.
  const csv = await exported();
  assert.equal([...csv.values()].filter((r) => r.tags.includes(genre)).length, count(after, genre));
  assert.ok(count(after, genre) < [...csvBefore.values()].filter((r) => r.tags.includes(genre)).length);
  for (const [name, row] of csv) assert.deepEqual(row.tags, after.get(name));

  const reset = await b.call('runs:resetThresholds', { runId });
  assert.equal(reset.tagging.overrides, null);
  assert.equal(reset.retagged.changed, removable(genre));
  assert.deepEqual(await predicted(), baseline);
  assert.deepEqual(new Map([...(await stored())].sort()), new Map([...baseline].sort()));
  for (const [name, row] of await exported()) assert.deepEqual(row.tags, baseline.get(name));
  assertScoresTable();
});

test('modes and "at most N tags": saved per run, nested, and a request field overrides them', { skip }, async () => {
  const precise = await predicted({ mode: 'precise' });
  const broad = await predicted({ mode: 'broad' });
  for (const [name, tags] of baseline) {
    assert.ok(
      precise.get(name)!.every((t) => tags.includes(t)),
      `${name}: precise ⊂ balanced`,
    );
    assert.ok(
      tags.every((t) => broad.get(name)!.includes(t)),
      `${name}: balanced ⊂ broad`,
    );
  }
  const total = (m: Map<string, string[]>) => [...m.values()].reduce((s, t) => s + t.length, 0);
  assert.ok(total(precise) <= total(baseline) && total(baseline) <= total(broad));

  const saved = await b.call('runs:setTagging', { runId, mode: 'broad', maxTags: 1 });
  assert.equal(saved.tagging.mode, 'broad');
  assert.equal(saved.tagging.maxTags, 1);
  assert.equal(saved.tagging.hasModes, true);
  assert.ok(saved.tagging.expectedTags && saved.tagging.expectedTags.broad >= saved.tagging.expectedTags.precise);
  const one = await predicted();
  for (const [name, tags] of one) {
    assert.ok(tags.length <= 1, name);
    assert.deepEqual(tags, broad.get(name)!.slice(0, 1), `${name}: the most confident broad tag`);
  }
  assert.deepEqual(new Map([...(await stored())].sort()), new Map([...one].sort()));
  assertScoresTable();
  // Explicit choices replace the saved ones for one call: maxTags null (or 0) is no limit.
  assert.deepEqual(await predicted({ mode: 'balanced', maxTags: null }), baseline);
  assert.deepEqual(await predicted({ mode: 'balanced', maxTags: 0 }), baseline);

  await b.call('runs:setTagging', { runId, mode: 'balanced', maxTags: null });
  assert.deepEqual(new Map([...(await stored())].sort()), new Map([...baseline].sort()));
});

test('bad settings are refused with a reason; nothing changes', { skip }, async () => {
  await assert.rejects(b.call('runs:setTagging', { runId, overrides: [0.5, 0.5] }), /Got 2 thresholds for the run's 5 genres/);
  await assert.rejects(b.call('runs:setTagging', { runId, overrides: [0.5, 1.5, null, null, null] }), /Invalid input/);
  await assert.rejects(b.call('runs:setTagging', { runId, maxTags: 0 }), /Invalid input/);
  await assert.rejects(b.call('runs:setTagging', { runId, mode: 'loose' as never }), /Invalid input/);
  await assert.rejects(b.call('runs:setTagging', { runId: 999, mode: 'broad' }), /no run #999/);
  await assert.rejects(b.call('runs:prefer', { runId: 999 }), /no run #999/);
  const t = (await b.call('runs:get', { id: runId })).tagging;
  assert.equal(t.mode, 'balanced');
  assert.equal(t.overrides, null);
});

test('the default model: the marked run, else the latest finished one, with the reason tag:start gives', { skip }, async () => {
  assert.deepEqual(await b.call('runs:default', {}), { runId, kind: 'latest', reason: 'latest finished run' });
  assert.deepEqual(await b.call('runs:prefer', { runId }), { preferredRunId: runId });
  assert.deepEqual(await b.call('runs:default', {}), { runId, kind: 'preferred', reason: 'marked as default by you' });
  const run = (await b.call('runs:list', {})).find((r) => r.id === runId)!;
  assert.equal(run.preferred, true);
  const folder = path.join(tempDir(), 'one more');
  fs.mkdirSync(folder);
  fs.writeFileSync(path.join(folder, 'a.jpg'), await posterJpeg(['Drama'], 77));
  const started = await b.call('tag:start', { folders: [folder] });
  assert.equal(started.reason, 'marked as default by you');
  await waitForJob(b, started.job.id);
  assert.deepEqual(await b.call('runs:prefer', { runId, preferred: false }), { preferredRunId: null });
  assert.equal((await b.call('runs:default', {}))?.kind, 'latest');
});

test('CLI: predict and tag take --mode and --max-tags; tag saves them with the run; runs shows the default', { skip }, async () => {
  const data = ['--data-dir', b.paths.root];
  let r = await cli(['predict', String(runId), ...files, '--format', 'json', '--mode', 'precise', '--max-tags', '1', ...data]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, /Run #\d+ tags with precise mode, at most 1 tag\./);
  const precise = await predicted({ mode: 'precise' });
  for (const p of JSON.parse(r.out) as { path: string; tags: string[] }[]) assert.deepEqual(p.tags, precise.get(base(p.path))!.slice(0, 1));
  assert.equal((await b.call('runs:get', { id: runId })).tagging.mode, 'balanced', 'predict flags are for that call only');

  r = await cli(['tag', 'default', path.dirname(files[0]), '--mode', 'broad', '--max-tags', '2', ...data]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`Run #${runId} now tags with broad mode, at most 2 tags \\(saved with the run(; re-tagged \\d+ stored predictions?)?\\)`));
  assert.match(r.err, new RegExp(`Using run #${runId} \\(latest finished run\\)`));
  const t = (await b.call('runs:get', { id: runId })).tagging;
  assert.equal(t.mode, 'broad');
  assert.equal(t.maxTags, 2);
  const broadTwo = await predicted({ mode: 'broad', maxTags: 2 });
  assert.deepEqual(new Map([...(await stored())].sort()), new Map([...broadTwo].sort()), 'stored tags follow the saved settings');
  // eval reports at the saved mode and says so.
  r = await cli(['eval', String(runId), path.join(trainingRoot, 'val'), ...data]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.out, /Using the run's saved tagging settings: broad mode\./);
  // predict now uses the saved settings; --max-tags 0 lifts the limit for one call.
  r = await cli(['predict', String(runId), files[0], '--format', 'json', ...data]);
  assert.deepEqual(JSON.parse(r.out)[0].tags, broadTwo.get(base(files[0])));
  r = await cli(['predict', String(runId), files[0], '--format', 'json', '--max-tags', '0', ...data]);
  assert.deepEqual(JSON.parse(r.out)[0].tags, (await predicted({ mode: 'broad', maxTags: null })).get(base(files[0])));
  r = await cli(['tag', String(runId), path.dirname(files[0]), '--mode', 'balanced', '--max-tags', '0', ...data]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(new Map([...(await stored())].sort()), new Map([...baseline].sort()));

  r = await cli(['runs', '--prefer', String(runId), ...data]);
  assert.equal(r.code, 0, r.err);
  assert.match(r.err, new RegExp(`Run #${runId} is now the default model`));
  assert.match(r.out, new RegExp(`^#${runId}\\s+done\\s.*\\* marked\\s+balanced`, 'm'));
  assert.match(r.out, new RegExp(`Default model \\(tag default, the Tag view, Try it\\): run #${runId}, marked as default by you\\.`));
  r = await cli(['runs', '--prefer', 'none', ...data]);
  assert.match(r.out, /latest finished run/);
  assert.equal((await b.call('runs:default', {}))?.kind, 'latest');

  const cases: [string[], RegExp][] = [
    [['predict', String(runId), files[0], '--mode', 'loose'], /--mode must be one of precise, balanced, broad/],
    [['predict', String(runId), files[0], '--max-tags', 'two'], /--max-tags must be a whole number from 0 to 50/],
    [['tag', String(runId), path.dirname(files[0]), '--max-tags=-1'], /--max-tags must be a whole number from 0 to 50/],
    [['tag', String(runId), path.dirname(files[0]), '--mode', 'loose'], /--mode must be one of/],
    [['runs', '--prefer', 'x'], /not a run id/],
  ];
  for (const [argv, reason] of cases) {
    const res = await cli([...argv, ...data]);
    assert.equal(res.code, 2, `${argv.join(' ')}: ${res.err}`);
    assert.match(res.err, reason);
  }
});
