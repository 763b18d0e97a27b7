import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { testBackend, openIndexed, trainRun } from '../../helpers/backend';
import { addLeakingScenes, makeTutorialLibrary, sceneJpeg as scene } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { skipWithoutMobilenet } from '../../helpers/backbones';
import { hamming, perceptualHash } from '../../../main/library/phash';
import { trainingData } from '../../../main/training/training-data';
import { readTrainingSet } from '../../../main/training/training-set';
import { runModelDir } from '../../../main/training/train-run';
import { findThumbnail } from '../../../main/library/thumbnails';

let b: ReturnType<typeof testBackend>;
let lib: number;
let root: string;
let ids: Map<string, number>;

before(async () => {
  b = testBackend();
  root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 24, val: 8, seed: 6 });
  // Scenes 1–3 in train; in val a re-encode and a resize of scene 1, a crop of scene 2, and 4–6 (no copy).
  await addLeakingScenes(root);
  lib = (await openIndexed(b, root)).id;
  const page = await b.call('posters:query', { libraryId: lib, limit: 500 });
  ids = new Map(page.items.map((p) => [p.posterId, p.id]));
});
after(() => b?.close());

const names = (pairs: { train: { posterId: string }; val: { posterId: string } }[]) => pairs.map((p) => `${p.train.posterId} ~ ${p.val.posterId}`);

test('pHash: re-encodes and resizes differ by a few bits, distinct pictures by many', async () => {
  const s1 = await scene(1);
  const h = await perceptualHash(s1);
  assert.match(h, /^[0-9a-f]{16}$/);
  assert.ok(hamming(h, await perceptualHash(await sharp(s1).jpeg({ quality: 35 }).toBuffer())) <= 4);
  assert.ok(hamming(h, await perceptualHash(await sharp(s1).resize(120, 180).toBuffer())) <= 4);
  for (let i = 2; i <= 8; i++) assert.ok(hamming(h, await perceptualHash(await scene(i))) > 12, `scene ${i}`);
});

test('indexing stores a perceptual hash per readable poster, as the thumbnail file would give it', async () => {
  const rows = b.db.prepare('SELECT hash, phash FROM images WHERE library_id = ?').all(lib) as { hash: string; phash: string | null }[];
  assert.ok(rows.length > 30 && rows.every((r) => typeof r.phash === 'string' && /^[0-9a-f]{16}$/.test(r.phash)));
  // Made from the thumbnail's pixels at indexing; a backfill hashes the thumbnail's JPEG: a few bits at most.
  for (const r of rows.slice(0, 8)) assert.ok(hamming(r.phash!, await perceptualHash(findThumbnail(b.paths.thumbnails, r.hash)!)) <= 4);
});

test('the leak check lists the re-encode and the resize of a train poster in val (by pHash), not distinct posters', async () => {
  const r = await b.call('loop:splitLeaks', { libraryId: lib });
  assert.equal(r.backbone, null, 'no model yet: pHash only');
  assert.match(r.note ?? '', /perceptual hash only/);
  const found = names(r.pairs);
  assert.ok(found.includes('scene-1 ~ scene-1-reencoded'), found.join('; '));
  assert.ok(found.includes('scene-1 ~ scene-1-small'), found.join('; '));
  assert.ok(
    r.pairs.every((p) => p.train.posterId.startsWith('scene-1') || p.train.posterId.startsWith('scene-2')),
    `only copies pair up: ${found.join('; ')}`,
  );
  assert.ok(r.pairs.every((p) => p.by.includes('phash') && p.hamming !== null && p.hamming <= 8 && !p.keptOnTrain));
  assert.equal(r.straddling, r.pairs.length);
  assert.equal(r.valToMove, new Set(r.pairs.map((p) => p.val.imageId)).size);
  assert.deepEqual(r.sides, { train: 27, val: 14, unassigned: 0 });
});

test('keep on one side: the val copies count as train for training, the files are untouched, undo puts them back', async () => {
  const csvBefore = fs.readFileSync(path.join(root, 'val', 'metadata.csv'), 'utf8');
  const moved = [ids.get('scene-1-reencoded')!, ids.get('scene-1-small')!];
  assert.deepEqual(await b.call('loop:keepOnTrain', { libraryId: lib, imageIds: moved }), { moved: 2, unchanged: 0 });
  assert.deepEqual(await b.call('loop:keepOnTrain', { libraryId: lib, imageIds: moved }), { moved: 0, unchanged: 2 });
  await assert.rejects(b.call('loop:keepOnTrain', { libraryId: lib, imageIds: [ids.get('scene-1')!] }), /not on the val side/);
  const r = await b.call('loop:splitLeaks', { libraryId: lib });
  assert.ok(r.pairs.filter((p) => moved.includes(p.val.imageId)).every((p) => p.keptOnTrain));
  assert.equal(r.kept, 2);
  const data = trainingData(b.db, lib, { mode: 'all' }, { dryRun: true });
  const side = (id: string) => [...data.train, ...data.val].find((p) => p.posterId === id);
  assert.deepEqual([side('scene-1-reencoded')?.split, side('scene-1-reencoded')?.splitSource], ['train', 'override']);
  assert.equal(side('scene-4')?.split, 'val');
  assert.ok(data.notes.some((n) => /2 val posters count as train/.test(n)));
  assert.equal(fs.readFileSync(path.join(root, 'val', 'metadata.csv'), 'utf8'), csvBefore, 'metadata.csv is never edited');
  await b.call('loop:keepOnTrain', { libraryId: lib, imageIds: [moved[1]], undo: true });
  assert.equal((await b.call('loop:splitLeaks', { libraryId: lib })).kept, 1);
});

test("with a model: embeddings catch the crop too, and the override reaches the run's training-set.json", { skip: skipWithoutMobilenet }, async () => {
  const runId = await trainRun(b, lib, { seed: 2 });
  // The generated genre posters are near-alike to a network (one generator), so the bar is high here;
  // on the data set's posters 0.8 pairs 4 of 3,750 (README, Learning loop).
  const r = await b.call('loop:splitLeaks', { libraryId: lib, minCosine: 0.95 });
  assert.equal(r.backbone, 'mobilenet_v2');
  const crop = r.pairs.find((p) => p.val.posterId === 'scene-2-cropped');
  assert.ok(crop && crop.train.posterId === 'scene-2' && crop.by.includes('embedding'), names(r.pairs).join('; '));
  assert.ok(
    r.pairs.some((p) => p.val.posterId === 'scene-1-small' && p.by.length === 2),
    'both methods agree on the resize',
  );
  assert.ok(!r.pairs.some((p) => /scene-[456]/.test(p.val.posterId)), names(r.pairs).join('; '));
  const set = readTrainingSet(runModelDir(b.paths.models, runId))!;
  const entry = set.posters.find((p) => p.posterId === 'scene-1-reencoded')!;
  assert.deepEqual([entry.split, entry.splitSource], ['train', 'override']);
  assert.equal(set.posters.find((p) => p.posterId === 'scene-1-small')!.split, 'val', 'undone: val again');
});

test('a folder without train/val has nothing to compare until a run gives its posters a side', async () => {
  const plain = path.join(tempDir(), 'plain');
  fs.mkdirSync(plain);
  for (const i of [7, 8, 9]) fs.writeFileSync(path.join(plain, `s${i}.jpg`), await scene(i));
  const id = (await openIndexed(b, plain)).id;
  const r = await b.call('loop:splitLeaks', { libraryId: id });
  assert.deepEqual(r.sides, { train: 0, val: 0, unassigned: 3 });
  assert.equal(r.pairs.length, 0);
  await assert.rejects(b.call('loop:splitLeaks', { libraryId: 9999 }), /No library with id 9999/);
});
