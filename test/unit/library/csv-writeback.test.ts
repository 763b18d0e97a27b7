import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { indexLibrary } from '../../../main/library/indexer';
import { getLibrary, openLibrary } from '../../../main/library/library-repo';
import { posterDetail, queryPosters, setPosterLabels } from '../../../main/library/gallery-queries';
import { writeBackLabels } from '../../../main/library/csv-writeback';
import { addGenre } from '../../../main/library/vocabulary';
import { standaloneJobContext } from '../../../main/jobs/types';
import { testDb, writeImage, writeText } from './helpers';
import { tempFolder } from '../../helpers/temp';

function setup() {
  const t = tempFolder();
  const root = path.join(t.dir, 'posters');
  fs.mkdirSync(root);
  const db = testDb(t.dir);
  const thumbs = path.join(t.dir, 'thumbs');
  const index = async (id: number) => indexLibrary(db, id, standaloneJobContext(), { thumbnailsDir: thumbs });
  return {
    t,
    root,
    db,
    index,
    done: () => {
      db.close();
      t.cleanup();
    },
  };
}

// BOM, CRLF, a quoted Id, an unquoted one-genre list, a malformed row and a row for a missing image.
const ORIGINAL = [
  '\ufeffId,Genre,Action,Drama,Horror',
  "tt1,\"['Action', 'Horror']\",1,0,1",
  '"tt2",[\'Drama\'],0,1,0',
  'tt3,"[\'Drama\']",0,1,0',
  'tt4,"broken"row,0,1',
  'ghost,"[\'Horror\']",0,0,1',
  '',
].join('\r\n');

test('write-back changes only the edited cells: BOM, CRLF, quoting and other rows stay byte-identical', async () => {
  const s = setup();
  try {
    for (const [i, id] of ['tt1', 'tt2', 'tt3', 'tt4', 'tt5'].entries()) await writeImage(path.join(s.root, `train/${id}.jpg`), 'jpeg', i + 1);
    const csv = path.join(s.root, 'train/metadata.csv');
    writeText(csv, ORIGINAL);
    fs.chmodSync(csv, 0o640);
    const lib = openLibrary(s.db, s.root);
    await s.index(lib.id);
    const id = (p: string) => queryPosters(s.db, { libraryId: lib.id, search: p }).items[0].id;

    // Nothing edited: nothing written.
    assert.deepEqual(await writeBackLabels(s.db, lib.id), { files: [], written: 0, notWritten: [] });
    assert.equal(fs.readFileSync(csv, 'utf8'), ORIGINAL);

    setPosterLabels(s.db, id('tt1'), ['Drama']);
    setPosterLabels(s.db, id('tt2'), ['Action', 'Drama']);
    setPosterLabels(s.db, id('tt5'), ['Horror']); // no row yet: appended
    const res = await writeBackLabels(s.db, lib.id);
    assert.deepEqual(res.files, [{ relPath: 'train/metadata.csv', rowsUpdated: 2, rowsAppended: 1 }]);
    assert.equal(res.written, 3);
    assert.deepEqual(res.notWritten, []);

    const expected = [
      '\ufeffId,Genre,Action,Drama,Horror',
      'tt1,"[\'Drama\']",0,1,0',
      '"tt2","[\'Action\', \'Drama\']",1,1,0', // needs quotes now: it has a comma
      'tt3,"[\'Drama\']",0,1,0',
      'tt4,"broken"row,0,1',
      'ghost,"[\'Horror\']",0,0,1',
      'tt5,"[\'Horror\']",0,0,1',
      '',
    ].join('\r\n');
    assert.equal(fs.readFileSync(csv, 'utf8'), expected);
    assert.equal(fs.statSync(csv).mode & 0o777, 0o640, 'file mode kept');
    assert.deepEqual(
      fs.readdirSync(path.dirname(csv)).filter((f) => f.endsWith('.tmp')),
      [],
      'no temp file left',
    );

    // The CSV now holds them: no longer pending, and a re-index reads the same labels back.
    assert.equal(getLibrary(s.db, lib.id).pendingEdits, 0);
    await s.index(lib.id);
    assert.deepEqual(posterDetail(s.db, id('tt2')).labels, [
      { genre: 'Action', source: 'import' },
      { genre: 'Drama', source: 'import' },
    ]);
    assert.deepEqual(posterDetail(s.db, id('tt5')).genres, ['Horror']);
  } finally {
    s.done();
  }
});

test('write-back to a csv-layout file keeps its list style; unwritable edits are listed, not lost', async () => {
  const s = setup();
  try {
    await writeImage(path.join(s.root, 'img/a.jpg'), 'jpeg', 1);
    await writeImage(path.join(s.root, 'img/b.jpg'), 'jpeg', 2);
    const csv = path.join(s.root, 'labels.csv');
    writeText(csv, 'file;genres\n'.replace(';', ',') + 'img/a.jpg,Action|Crime\nimg/b.jpg,Drama\n');
    const lib = openLibrary(s.db, s.root);
    await s.index(lib.id);
    const a = queryPosters(s.db, { libraryId: lib.id, search: 'a.jpg' }).items[0].id;
    setPosterLabels(s.db, a, ['Drama', 'Crime']);
    await writeBackLabels(s.db, lib.id);
    assert.equal(fs.readFileSync(csv, 'utf8'), 'file,genres\nimg/a.jpg,Crime|Drama\nimg/b.jpg,Drama\n');
  } finally {
    s.done();
  }
});

test('write-back refuses what it cannot represent and keeps those edits pending', async () => {
  const s = setup();
  try {
    await writeImage(path.join(s.root, 'train/tt1.jpg'));
    writeText(path.join(s.root, 'train/metadata.csv'), 'Id,Genre,Action\ntt1,"[\'Action\']",1\n');
    const lib = openLibrary(s.db, s.root);
    await s.index(lib.id);
    addGenre(s.db, lib.id, 'Western');
    const id = queryPosters(s.db, { libraryId: lib.id }).items[0].id;
    setPosterLabels(s.db, id, ['Western']);
    const before = fs.readFileSync(path.join(s.root, 'train/metadata.csv'), 'utf8');
    const res = await writeBackLabels(s.db, lib.id);
    assert.equal(res.written, 0);
    assert.match(res.notWritten[0].reason, /Western has no column/);
    assert.equal(fs.readFileSync(path.join(s.root, 'train/metadata.csv'), 'utf8'), before);
    assert.equal(getLibrary(s.db, lib.id).pendingEdits, 1);

    // A plain folder has no CSV at all.
    const plain = path.join(s.t.dir, 'plain');
    await writeImage(path.join(plain, 'x.jpg'));
    const lib2 = openLibrary(s.db, plain);
    await s.index(lib2.id);
    addGenre(s.db, lib2.id, 'Drama');
    setPosterLabels(s.db, queryPosters(s.db, { libraryId: lib2.id }).items[0].id, ['Drama']);
    const res2 = await writeBackLabels(s.db, lib2.id);
    assert.match(res2.notWritten[0].reason, /no label CSV/);
  } finally {
    s.done();
  }
});
