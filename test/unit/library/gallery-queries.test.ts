import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../../../main/db/database';
import { genreVocabulary, posterDetail, queryPosters, setPosterLabels, splitCounts } from '../../../main/library/gallery-queries';
import { getLibrary, listLibraries, openLibrary, removeLibrary } from '../../../main/library/library-repo';
import { addGenre, syncVocabulary } from '../../../main/library/vocabulary';
import { testDb } from './helpers';
import { tempFolder } from '../../helpers/temp';

const GENRES = ['Action', 'Comedy', 'Drama', 'Horror'];
const SPLIT_OF = ['train', 'train', 'train', 'val', null] as const;

/** n synthetic rows straight into the tables: poster i has genre (i % 4) and, if i % 3 == 0, Drama too. */
function seed(db: Db, libraryId: number, n: number) {
  const ids = syncVocabulary(db, libraryId, GENRES);
  const img = db.prepare(`INSERT INTO images (library_id, rel_path, poster_id, split, size, mtime_ms, labels_source, thumb_status)
    VALUES (?, ?, ?, ?, 1, 1, ?, 'ready')`);
  const lab = db.prepare("INSERT OR IGNORE INTO labels (image_id, genre_id, source) VALUES (?, ?, 'import')");
  db.transaction(() => {
    for (let i = 0; i < n; i++) {
      const unlabelled = i % 10 === 9;
      const id = Number(img.run(libraryId, `p/${String(i).padStart(6, '0')}.jpg`, `tt${i}`, SPLIT_OF[i % 5], unlabelled ? null : 'import').lastInsertRowid);
      if (unlabelled) continue;
      lab.run(id, ids.get(GENRES[i % 4].toLowerCase()));
      if (i % 3 === 0) lab.run(id, ids.get('drama'));
    }
  })();
}

function setup(n = 200) {
  const t = tempFolder();
  const root = path.join(t.dir, 'posters');
  fs.mkdirSync(root);
  const db = testDb(t.dir);
  const lib = openLibrary(db, root, { name: 'My posters' });
  seed(db, lib.id, n);
  return {
    t,
    db,
    lib,
    root,
    done: () => {
      db.close();
      t.cleanup();
    },
  };
}

test('opening libraries: clear errors, the same folder (even through a symlink) is one library', () => {
  const s = setup(0);
  try {
    assert.throws(() => openLibrary(s.db, path.join(s.t.dir, 'nope')), /Folder not found/);
    fs.writeFileSync(path.join(s.t.dir, 'file.txt'), 'x');
    assert.throws(() => openLibrary(s.db, path.join(s.t.dir, 'file.txt')), /Not a folder/);
    assert.throws(() => openLibrary(s.db, ''), /No folder/);
    fs.symlinkSync(s.root, path.join(s.t.dir, 'link'));
    assert.equal(openLibrary(s.db, path.join(s.t.dir, 'link')).id, s.lib.id);
    assert.equal(openLibrary(s.db, s.root + '/').id, s.lib.id);
    assert.equal(listLibraries(s.db).length, 1);
    assert.equal(getLibrary(s.db, s.lib.id).name, 'My posters');
    removeLibrary(s.db, s.lib.id);
    assert.deepEqual(listLibraries(s.db), []);
  } finally {
    s.done();
  }
});

test('poster pages: filters by genre (any/all), split, labelled state and search, with totals', () => {
  const s = setup(200);
  try {
    const q = (extra: object) => queryPosters(s.db, { libraryId: s.lib.id, limit: 1000, ...extra });
    const all = q({});
    assert.equal(all.total, 200);
    assert.equal(all.items.length, 200);
    const expect = (pred: (i: number) => boolean) => Array.from({ length: 200 }, (_, i) => i).filter(pred).length;
    const labelled = (i: number) => i % 10 !== 9;
    const has = (i: number, g: number) => labelled(i) && (i % 4 === g || (g === 2 && i % 3 === 0));
    assert.equal(
      q({ genres: ['Horror'] }).total,
      expect((i) => has(i, 3)),
    );
    assert.equal(
      q({ genres: ['horror', 'Comedy'] }).total,
      expect((i) => has(i, 3) || has(i, 1)),
    );
    assert.equal(
      q({ genres: ['Action', 'Drama'], genreMode: 'all' }).total,
      expect((i) => has(i, 0) && has(i, 2)),
    );
    assert.equal(
      q({ split: 'val' }).total,
      expect((i) => i % 5 === 3),
    );
    assert.equal(
      q({ split: 'none' }).total,
      expect((i) => i % 5 === 4),
    );
    assert.equal(q({ labelled: false }).total, 20);
    assert.equal(
      q({ labelled: true, split: 'train', genres: ['Drama'] }).total,
      expect((i) => labelled(i) && i % 5 < 3 && has(i, 2)),
    );
    assert.deepEqual(
      q({ search: '000017' }).items.map((i) => i.posterId),
      ['tt17'],
    );
    assert.equal(
      q({ search: 'tt1' }).total,
      expect((i) => String(i).startsWith('1')),
    );
    assert.equal(q({ search: '%' }).total, 0, 'LIKE wildcards are literal');
    assert.deepEqual(q({ search: 'tt3' }).items[0].genres, ['Drama', 'Horror'], 'genres in vocabulary order');
    assert.throws(() => q({ genres: ['Western'] }), /Unknown genre "Western"/);
  } finally {
    s.done();
  }
});

test('paging is stable: keyset and offset pages cover every row once, in path order', () => {
  const s = setup(250);
  try {
    const seen: string[] = [];
    let after: string | undefined;
    for (;;) {
      const page = queryPosters(s.db, { libraryId: s.lib.id, limit: 64, after, genres: ['Drama', 'Action'] });
      seen.push(...page.items.map((i) => i.relPath));
      if (!page.nextCursor) break;
      after = page.nextCursor;
    }
    const total = queryPosters(s.db, { libraryId: s.lib.id, genres: ['Drama', 'Action'] }).total;
    assert.equal(seen.length, total);
    assert.deepEqual(seen, [...seen].sort());
    const byOffset = [0, 64, 128, 192].flatMap((offset) =>
      queryPosters(s.db, { libraryId: s.lib.id, limit: 64, offset, genres: ['Drama', 'Action'] }).items.map((i) => i.relPath),
    );
    assert.deepEqual(byOffset, seen);
  } finally {
    s.done();
  }
});

test('vocabulary with counts per split, split summary, detail and label edits', () => {
  const s = setup(100);
  try {
    const vocab = genreVocabulary(s.db, s.lib.id);
    assert.deepEqual(
      vocab.map((g) => g.name),
      GENRES,
    );
    const horror = vocab.find((g) => g.name === 'Horror')!;
    const direct = s.db
      .prepare(
        `SELECT COUNT(*) FROM labels l JOIN genres g ON g.id = l.genre_id JOIN images i ON i.id = l.image_id
      WHERE g.name = 'Horror' AND i.split = 'val'`,
      )
      .pluck()
      .get();
    assert.equal(horror.bySplit.val, direct);
    assert.equal(
      horror.total,
      Object.values(horror.bySplit).reduce((a, b) => a + b, 0),
    );
    assert.deepEqual(
      splitCounts(s.db, s.lib.id).map((c) => c.split),
      ['train', 'val', 'none'],
    );

    const item = queryPosters(s.db, { libraryId: s.lib.id, search: 'tt9', limit: 1 }).items[0];
    assert.equal(item.labelsSource, null);
    const d = setPosterLabels(s.db, item.id, ['horror', 'Comedy']);
    assert.deepEqual(d.labels, [
      { genre: 'Comedy', source: 'user' },
      { genre: 'Horror', source: 'user' },
    ]);
    assert.equal(d.absPath, path.join(fs.realpathSync(s.root), 'p', '000009.jpg'));
    assert.equal(posterDetail(s.db, item.id).labelsSource, 'user');
    assert.equal(getLibrary(s.db, s.lib.id).pendingEdits, 1);
    assert.throws(() => setPosterLabels(s.db, item.id, ['Nope']), /Unknown genre/);
    assert.deepEqual(posterDetail(s.db, item.id).genres, ['Comedy', 'Horror'], 'a refused edit changes nothing');
    assert.deepEqual(setPosterLabels(s.db, item.id, []).labels, [], 'labelled with no genre');
    addGenre(s.db, s.lib.id, 'Western');
    assert.deepEqual(setPosterLabels(s.db, item.id, ['Western']).genres, ['Western']);
    assert.throws(() => posterDetail(s.db, 999999), /No poster/);
  } finally {
    s.done();
  }
});

test('queries stay fast at 12,000 posters', () => {
  const s = setup(12_000);
  try {
    const time = (f: () => unknown) => {
      const t0 = performance.now();
      for (let i = 0; i < 5; i++) f();
      return (performance.now() - t0) / 5;
    };
    const id = s.lib.id;
    const cases: [string, () => unknown][] = [
      ['first page', () => queryPosters(s.db, { libraryId: id, limit: 200 })],
      ['deep offset', () => queryPosters(s.db, { libraryId: id, limit: 200, offset: 11_000 })],
      ['genre all + split', () => queryPosters(s.db, { libraryId: id, genres: ['Action', 'Drama'], genreMode: 'all', split: 'train', limit: 200 })],
      ['search', () => queryPosters(s.db, { libraryId: id, search: '1234', limit: 200 })],
      ['vocabulary', () => genreVocabulary(s.db, id)],
    ];
    for (const [name, f] of cases) {
      const ms = time(f);
      assert.ok(ms < 100, `${name}: ${ms.toFixed(1)} ms`);
    }
  } finally {
    s.done();
  }
});
