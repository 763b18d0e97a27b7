import { test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { openDatabase, type Db } from '../../../main/db/database';
import { EmbeddingStore } from '../../../main/ml/features/embedding-store';
import { SimilarityCache } from '../../../main/loop/similarity-cache';
import { nearestFast } from '../../../main/loop/fast-nearest';
import { seededRandom } from '../../../main/ml/random';
import { tempDir } from '../../helpers/temp';

const DIM = 48;
const BACKBONE = 'fake_similarity';

/** A library of n posters with cached embeddings (the poster "p<i>" has the hash "h<i>"). */
function setup(n: number): { db: Db; store: EmbeddingStore; add: (i: number, like?: number) => number } {
  const db = openDatabase(path.join(tempDir(), 'db.sqlite'));
  db.prepare("INSERT INTO libraries (id, root, name) VALUES (1, '/lib', 'lib')").run();
  const store = new EmbeddingStore(db, BACKBONE);
  const rand = seededRandom(9);
  const vectors = new Map<number, Float32Array>();
  const add = (i: number, like?: number) => {
    const v = like === undefined ? Float32Array.from({ length: DIM }, () => rand()) : vectors.get(like)!.map((x) => x * (1 + 0.01 * (rand() - 0.5)));
    vectors.set(i, v);
    const id = Number(
      db.prepare('INSERT INTO images (library_id, rel_path, poster_id, hash, size, mtime_ms) VALUES (1, ?, ?, ?, 1, 1)').run(`p${i}.jpg`, `p${i}`, `h${i}`)
        .lastInsertRowid,
    );
    store.write([{ hash: `h${i}`, view: 'original', vector: v }], [], []);
    return id;
  };
  for (let i = 0; i < n; i++) add(i);
  return { db, store, add };
}

const list = (db: Db) => () =>
  db
    .prepare<[], { imageId: number; hash: string }>('SELECT id AS imageId, hash FROM images WHERE hash IS NOT NULL AND error IS NULL AND duplicate_of IS NULL')
    .all();

test('the index is kept between calls: unchanged data is not rebuilt', async () => {
  const { db } = setup(40);
  const cache = new SimilarityCache(db, list(db));
  const a = await cache.get(BACKBONE, 'float32');
  const b = await cache.get(BACKBONE, 'float32');
  assert.equal(a.index.n, 40);
  assert.equal(b.index.vectors, a.index.vectors, 'the same memory, not a rebuild');
  assert.deepEqual(cache.stats, { builds: 1, added: 0, removed: 0 });
});

test('a new embedding shows up and a deleted poster disappears without a full rebuild', async () => {
  const { db, add } = setup(60);
  const cache = new SimilarityCache(db, list(db));
  const first = await cache.get(BACKBONE, 'float32');
  const q5 = first.rowOf.get(first.rows.find((r) => r.hash === 'h5')!.imageId)!;
  // A near-copy of poster 5 arrives (indexed and embedded): it is now poster 5's nearest.
  const copy = add(100, 5);
  let c = await cache.get(BACKBONE, 'float32');
  assert.equal(c.index.n, 61);
  const near = await nearestFast(c.index, c.rowOf.get(copy)!, 3);
  assert.equal(c.rows[near[0].row].hash, 'h5');
  assert.ok(near[0].cosine > 0.95, `cosine ${near[0].cosine}`);
  // A poster is removed (its file deleted, the library re-indexed): it is gone from every answer.
  const gone = first.rows[q5].imageId;
  const at = (ci: typeof c, id: number) => ci.index.vectors.slice(ci.rowOf.get(id)! * ci.index.d, (ci.rowOf.get(id)! + 1) * ci.index.d);
  const copyVector = at(c, copy);
  db.prepare('DELETE FROM images WHERE id = ?').run(gone);
  c = await cache.get(BACKBONE, 'float32');
  assert.equal(c.index.n, 60);
  assert.equal(c.rowOf.get(gone), undefined);
  const after = await nearestFast(c.index, c.rowOf.get(copy)!, 59);
  assert.ok(!after.some((h) => c.rows[h.row].imageId === gone));
  assert.equal(after.length, 59);
  // The swap-removal kept rows, ids and vectors together: the copy moved into the freed row with its vector.
  for (const [imageId, r] of c.rowOf) assert.equal(c.rows[r].imageId, imageId);
  assert.equal(c.rowOf.get(copy), q5);
  assert.deepEqual(at(c, copy), copyVector);
  assert.deepEqual(cache.stats, { builds: 1, added: 1, removed: 1 });
});

test('a poster without an embedding joins when its embedding is cached; a quarter more posters refits', async () => {
  const { db, store, add } = setup(20);
  const cache = new SimilarityCache(db, list(db));
  await cache.get(BACKBONE, 'float32');
  // Indexed, not embedded yet.
  const id = Number(
    db.prepare("INSERT INTO images (library_id, rel_path, poster_id, hash, size, mtime_ms) VALUES (1, 'late.jpg', 'late', 'hl', 1, 1)").run().lastInsertRowid,
  );
  let c = await cache.get(BACKBONE, 'float32');
  assert.equal(c.notEmbedded, 1);
  assert.equal(c.rowOf.get(id), undefined);
  store.write([{ hash: 'hl', view: 'original', vector: new Float32Array(DIM).fill(0.5) }], [], []);
  c = await cache.get(BACKBONE, 'float32');
  assert.equal(c.notEmbedded, 0);
  assert.ok(c.rowOf.has(id));
  assert.equal(cache.stats.builds, 1);
  for (let i = 200; i < 206; i++) add(i);
  c = await cache.get(BACKBONE, 'float32');
  assert.equal(c.index.n, 27);
  assert.equal(cache.stats.builds, 2, '27 rows on a projection fitted on 20: refitted');
  // Clearing the embedding cache rebuilds too (its rows are gone).
  db.prepare('DELETE FROM embeddings').run();
  c = await cache.get(BACKBONE, 'float32');
  assert.equal(c.index.n, 0);
  assert.equal(c.notEmbedded, 27);
});
