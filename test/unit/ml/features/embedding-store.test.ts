import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EmbeddingStore, listEmbeddingFailures, loadEmbeddings } from '../../../../main/ml/features/embedding-store';
import { sandbox } from './fixtures';

test('stores float32 vectors exactly and loads them in the order asked, with a mask of misses', () => {
  const s = sandbox();
  try {
    const store = new EmbeddingStore(s.db, 'b1');
    const big = new Float32Array([9, 9, 1.5, -2.25, 3e-8, 9]); // a view at an odd offset into a bigger buffer
    store.write(
      [
        { hash: 'h1', view: 'original', vector: big.subarray(2, 5) },
        { hash: 'h1', view: 'flipped', vector: new Float32Array([4, 5, 6]) },
        { hash: 'h2', view: 'original', vector: new Float32Array([7, 8, Math.PI]) },
      ],
      [],
      [],
    );
    assert.deepEqual(store.missingViews('h1', ['original', 'flipped']), []);
    assert.deepEqual(store.missingViews('h2', ['original', 'flipped']), ['flipped']);
    assert.deepEqual(new EmbeddingStore(s.db, 'b2').missingViews('h1', ['original']), ['original']);

    const o = loadEmbeddings(s.db, ['h2', 'nope', 'h1'], 'b1', 'original');
    assert.equal(o.dim, 3);
    assert.deepEqual(o.missing, [false, true, false]);
    assert.deepEqual(o.vectors, new Float32Array([7, 8, Math.fround(Math.PI), 0, 0, 0, 1.5, -2.25, Math.fround(3e-8)]));
    assert.deepEqual(loadEmbeddings(s.db, ['h1'], 'b1', 1).vectors, new Float32Array([4, 5, 6]));
    const none = loadEmbeddings(s.db, ['h1', 'h2'], 'unknown', 'original');
    assert.deepEqual([none.dim, none.vectors.length, none.missingCount], [0, 0, 2]);
  } finally {
    s.cleanup();
  }
});

test('the schema refuses a vector whose length does not match its dim, and a view other than 0/1', () => {
  const s = sandbox();
  try {
    const insert = s.db.prepare('INSERT INTO embeddings (hash, backbone, view, dim, vector) VALUES (?, ?, ?, ?, ?)');
    assert.throws(() => insert.run('h', 'b', 0, 4, Buffer.alloc(12)), /CHECK/);
    assert.throws(() => insert.run('h', 'b', 2, 3, Buffer.alloc(12)), /CHECK/);
  } finally {
    s.cleanup();
  }
});

test('failures are kept once per file and backbone, and cleared when the file embeds', () => {
  const s = sandbox();
  try {
    const store = new EmbeddingStore(s.db, 'b1');
    store.write([], [], [{ path: '/a.jpg', reason: 'File not found' }]);
    store.write([], [], [{ path: '/a.jpg', hash: 'ha', reason: 'Corrupt or truncated image' }]);
    store.write([], [], [{ path: '/b.jpg', hash: 'hb', reason: 'Empty file (0 bytes)' }]);
    const rows = listEmbeddingFailures(s.db, 'b1');
    assert.equal(rows.length, 2);
    assert.deepEqual(rows.find((r) => r.path === '/a.jpg')!.reason, 'Corrupt or truncated image');
    store.write([{ hash: 'ha', view: 'original', vector: new Float32Array([1]) }], [{ path: '/a.jpg' }], []);
    assert.deepEqual(
      listEmbeddingFailures(s.db, 'b1').map((r) => r.path),
      ['/b.jpg'],
    );
    assert.equal(listEmbeddingFailures(s.db, 'b2').length, 0);
  } finally {
    s.cleanup();
  }
});

test('the float16 cache migration keeps other backbones, drops the old single-depth vectors and stores half-size rows', async () => {
  const { migrations } = await import('../../../../main/db/migrations');
  const { migrate } = await import('../../../../main/db/database');
  const Database = (await import('better-sqlite3')).default;
  const db = new Database(':memory:');
  try {
    migrate(
      db,
      migrations.filter((m) => m.version < 5),
    );
    const put = db.prepare('INSERT INTO embeddings (hash, backbone, view, dim, vector) VALUES (?, ?, 0, 2, ?)');
    put.run('h1', 'inception_v3', Buffer.alloc(8));
    put.run('h1', 'user-net', Buffer.from(new Float32Array([1.5, 2.5]).buffer));
    migrate(db, migrations);
    assert.deepEqual(db.prepare('SELECT backbone FROM embeddings').pluck().all(), ['user-net']);
    assert.deepEqual(loadEmbeddings(db, ['h1'], 'user-net').vectors, new Float32Array([1.5, 2.5]));
    // A bundled backbone's rows are float16 under its taps key, read back as float32.
    const store = new EmbeddingStore(db, 'mobilenet_v2');
    store.write([{ hash: 'h2', view: 'original', vector: new Float32Array(3776).fill(0.75) }], [], []);
    const row = db.prepare("SELECT backbone, length(vector) AS bytes FROM embeddings WHERE hash = 'h2'").get() as { backbone: string; bytes: number };
    assert.match(row.backbone, /^mobilenet_v2#taps-/);
    assert.equal(row.bytes, 3776 * 2);
    const back = loadEmbeddings(db, ['h2'], 'mobilenet_v2');
    assert.equal(back.dim, 3776);
    assert.ok(back.vectors.every((v) => v === 0.75));
    assert.deepEqual(store.missingViews('h2', ['original', 'flipped']), ['flipped']);
  } finally {
    db.close();
  }
});

test('int8 and float32 vectors of the same content are kept apart: neither is ever read as the other', () => {
  const s = sandbox();
  try {
    new EmbeddingStore(s.db, 'b1', 'int8').write([{ hash: 'h1', view: 'original', vector: new Float32Array([1, 2, 3]) }], [], []);
    assert.deepEqual(new EmbeddingStore(s.db, 'b1').missingViews('h1', ['original']), ['original'], 'float32 misses what int8 has');
    assert.deepEqual(new EmbeddingStore(s.db, 'b1', 'int8').missingViews('h1', ['original']), []);
    assert.equal(loadEmbeddings(s.db, ['h1'], 'b1', 'original').missingCount, 1);
    assert.deepEqual(loadEmbeddings(s.db, ['h1'], 'b1', 'original', 'int8').vectors, new Float32Array([1, 2, 3]));
  } finally {
    s.cleanup();
  }
});
