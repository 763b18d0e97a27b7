import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { parse } from 'csv-parse/sync';
import { openIndexed, testBackend } from '../../helpers/backend';
import { makeTutorialLibrary } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';

type B = ReturnType<typeof testBackend>;

/** Every poster's labels as stored: id → sorted genres, null when unlabelled. */
async function labelsOf(b: B, libraryId: number): Promise<Map<number, string[] | null>> {
  const { ids } = await b.call('posters:ids', { libraryId });
  const states = await b.call('posters:labelStates', { ids });
  return new Map(states.map((s) => [s.id, s.labelsSource === null ? null : s.labels.map((l) => l.genre).sort()]));
}

async function library(b: B) {
  const root = path.join(tempDir(), 'lib');
  await makeTutorialLibrary(root, { train: 12, val: 4, seed: 7 });
  const lib = await openIndexed(b, root);
  const { ids } = await b.call('posters:ids', { libraryId: lib.id });
  // An edit in the app and a poster labelled "no genre" are labels the app holds too.
  await b.call('posters:setLabels', { id: ids[0], genres: ['Horror', 'Romance'] });
  await b.call('posters:setLabels', { id: ids[1], genres: [] });
  return { root, lib, ids };
}

test('Label Studio JSON round-trips: export, relabel in the app, import gives the exported labels back', async () => {
  const b = testBackend();
  try {
    const { lib, ids } = await library(b);
    const before = await labelsOf(b, lib.id);
    const file = path.join(tempDir(), 'tasks.json');
    const out = await b.call('library:exportDataset', { id: lib.id, format: 'label-studio', path: file });
    assert.equal(out.posters, 16);
    assert.match(out.labelConfig!, /<Choices name="genre" toName="image" choice="multiple"/);
    assert.match(out.labelConfig!, /<Choice value="Drama"\/>/);
    const tasks = JSON.parse(fs.readFileSync(file, 'utf8'));
    assert.equal(tasks[0].data.image, `/data/local-files/?d=${tasks[0].data.path}`); // no characters to escape here
    assert.equal(tasks[0].annotations[0].result[0].type, 'choices');

    // A second export to the same file is an "exists" answer, not a replacement.
    const again = await b.call('library:exportDataset', { id: lib.id, format: 'label-studio', path: file });
    assert.equal(again.exists, file);

    for (const id of ids.slice(0, 5)) await b.call('posters:setLabels', { id, genres: ['Action'] });
    const plan = await b.call('library:importLabelStudio', { id: lib.id, file });
    assert.equal(plan.applied, false);
    assert.equal(plan.matched, 16);
    assert.ok(plan.changed >= 4 && plan.changed <= 5, `${plan.changed} posters to relabel`);
    assert.notDeepEqual(await labelsOf(b, lib.id), before, 'a plan changes nothing');

    const done = await b.call('library:importLabelStudio', { id: lib.id, file, confirm: true });
    assert.equal(done.applied, true);
    assert.deepEqual(await labelsOf(b, lib.id), before);
    const twice = await b.call('library:importLabelStudio', { id: lib.id, file, confirm: true });
    assert.equal(twice.changed, 0);
  } finally {
    await b.close();
  }
});

test('a Label Studio export with uploads, several annotators, a cancelled annotation and an unknown choice', async () => {
  const b = testBackend();
  try {
    const { lib, root } = await library(b);
    const [first, second] = fs
      .readdirSync(path.join(root, 'train'))
      .filter((f) => f.endsWith('.jpg'))
      .sort();
    const file = path.join(tempDir(), 'project-1-at-2026.json');
    const choices = (c: string[], extra: object = {}) => ({
      result: [{ id: 'x1', from_name: 'genre', to_name: 'image', type: 'choices', origin: 'manual', value: { choices: c } }],
      was_cancelled: false,
      ...extra,
    });
    fs.writeFileSync(
      file,
      JSON.stringify([
        {
          id: 1,
          data: { image: `/data/upload/1/8f3c2a1b-${first}` },
          annotations: [choices(['Drama'], { updated_at: '2026-01-01T00:00:00Z' }), choices(['Comedy', 'Western'], { updated_at: '2026-02-01T00:00:00Z' })],
          predictions: [],
        },
        { id: 2, data: { image: `/data/local-files/?d=train%2F${second}` }, annotations: [choices(['Horror']), choices(['Action'], { was_cancelled: true })] },
        { id: 3, data: { image: '/data/upload/1/deadbeef-not-here.jpg' }, annotations: [choices(['Drama'])] },
        { id: 4, data: { image: '/data/upload/1/cafebabe-other.jpg' }, annotations: [] },
      ]),
    );
    const r = await b.call('library:importLabelStudio', { id: lib.id, file, confirm: true });
    assert.equal(r.matched, 2);
    assert.deepEqual(r.unknownGenres, ['Western']);
    assert.equal(r.unmatchedCount, 1);
    assert.equal(r.unannotated, 1);
    const page = await b.call('posters:query', { libraryId: lib.id, search: first.replace('.jpg', ''), limit: 5 });
    const detail = await b.call('posters:get', { id: page.items[0].id });
    assert.deepEqual(detail.genres, ['Comedy'], 'the latest annotation wins; the unknown choice is left out');
    const page2 = await b.call('posters:query', { libraryId: lib.id, search: second.replace('.jpg', ''), limit: 5 });
    assert.deepEqual((await b.call('posters:get', { id: page2.items[0].id })).genres, ['Horror'], 'a cancelled annotation is ignored');

    fs.writeFileSync(file, JSON.stringify([{ image: 'x.jpg', choice: 'Drama' }]));
    await assert.rejects(b.call('library:importLabelStudio', { id: lib.id, file }), /JSON-MIN/);
    fs.writeFileSync(file, '{not json');
    await assert.rejects(b.call('library:importLabelStudio', { id: lib.id, file }), /not JSON/);
  } finally {
    await b.close();
  }
});

test('class folders: one folder per genre (copies or links) per split, labels.csv beside them, never into a non-empty folder', async () => {
  const b = testBackend();
  try {
    const { lib } = await library(b);
    const labels = await labelsOf(b, lib.id);
    const labelCount = [...labels.values()].reduce((n, g) => n + (g?.length ?? 0), 0);
    const target = path.join(tempDir(), 'dataset');
    const out = await b.call('library:exportDataset', { id: lib.id, format: 'class-folders', path: target });
    assert.equal(out.posters, 16);
    assert.equal(out.files, labelCount);
    assert.deepEqual(fs.readdirSync(target).sort(), ['labels.csv', 'train', 'val']);
    const rows = parse(fs.readFileSync(path.join(target, 'labels.csv')), { columns: true }) as Record<string, string>[];
    assert.equal(rows.length, 16);
    for (const row of rows) {
      const genres = row.genres ? row.genres.split('|') : [];
      for (const g of genres) {
        const copy = path.join(target, row.split, g, path.basename(row.source).toLowerCase());
        assert.ok(fs.existsSync(copy), `${copy} exists`);
        assert.deepEqual(fs.readFileSync(copy), fs.readFileSync(row.source));
        assert.equal(row[g], '1');
      }
      if (genres.length) assert.equal(row.file.split('/')[1], genres[0]);
    }
    assert.ok(
      rows.some((r) => r.genres === ''),
      'the "no genre" poster is listed with no genres',
    );
    await assert.rejects(b.call('library:exportDataset', { id: lib.id, format: 'class-folders', path: target }), /not empty/);

    const links = path.join(tempDir(), 'links');
    await b.call('library:exportDataset', { id: lib.id, format: 'class-folders', path: links, mode: 'symlink' });
    const anyRow = rows.find((r) => r.genres)!;
    assert.ok(fs.lstatSync(path.join(links, anyRow.file)).isSymbolicLink());
    assert.equal(fs.readlinkSync(path.join(links, anyRow.file)), anyRow.source);
    assert.ok(!fs.readdirSync(path.dirname(links)).some((f) => f.includes('partial')), 'no work folder left');
  } finally {
    await b.close();
  }
});
