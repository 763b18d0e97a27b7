import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { testBackend, waitForJob, openIndexed, trainRun } from '../../helpers/backend';
import { makeTutorialLibrary, posterJpeg, sceneJpeg } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { skipWithoutMobilenet as skip } from '../../helpers/backbones';

let b: ReturnType<typeof testBackend>;
let trainLib: number;
let otherLib: number;
let root: string;

before(async () => {
  if (skip) return;
  b = testBackend();
  root = path.join(tempDir(), 'posters');
  await makeTutorialLibrary(root, { train: 40, val: 12, seed: 4 });
  // Another folder, unlabelled: distinct scenes, and a re-encode, a resize and a crop of scene 1.
  const other = path.join(tempDir(), 'mine');
  fs.mkdirSync(other, { recursive: true });
  for (let i = 1; i <= 8; i++) fs.writeFileSync(path.join(other, `scene-${i}.jpg`), await sceneJpeg(i));
  const original = await sceneJpeg(1);
  fs.writeFileSync(path.join(other, 'scene-1-reencoded.jpg'), await sharp(original).jpeg({ quality: 35 }).toBuffer());
  fs.writeFileSync(path.join(other, 'scene-1-small.jpg'), await sharp(original).resize(120, 180).jpeg({ quality: 80 }).toBuffer());
  fs.writeFileSync(path.join(other, 'scene-1-cropped.jpg'), await sharp(original).extract({ left: 10, top: 15, width: 180, height: 270 }).jpeg().toBuffer());
  // Generated genre posters too, so the queue has something the model has an opinion on.
  for (let i = 0; i < 6; i++) fs.writeFileSync(path.join(other, `poster-${i}.jpg`), await posterJpeg(i % 2 ? ['Action'] : ['Drama', 'Horror'], 500 + i));
  trainLib = (await openIndexed(b, root)).id;
  otherLib = (await openIndexed(b, other)).id;
  await trainRun(b, trainLib, { seed: 2 });
  const tag = await b.call('tag:start', { folders: [other] });
  assert.equal((await waitForJob(b, tag.job.id)).status, 'done');
});
after(() => b?.close());

const idsBy = async (libraryId: number) => {
  const page = await b.call('posters:query', { libraryId, limit: 500 });
  return new Map(page.items.map((p) => [p.posterId, p.id]));
};

test("label next: only unlabelled posters of the chosen libraries, ranked, with the model's suggestions", { skip }, async () => {
  const q = await b.call('loop:next', { libraryIds: [trainLib, otherLib], limit: 50 });
  assert.equal(q.unlabelled, 17);
  assert.equal(q.notEmbedded, 0);
  assert.ok(q.items.length > 0 && q.items.length <= 17);
  assert.ok(
    q.items.every((i) => i.libraryId === otherLib),
    'labelled posters are never queued',
  );
  assert.ok(q.items.every((i, k) => k === 0 || i.uncertainty <= q.items[0].uncertainty + 1e-9));
  assert.ok(q.items.every((i) => q.genres.includes(i.unsureGenre) && i.suggested.every((s) => q.genres.includes(s))));
  // Near-copies of scene 1 do not all make the queue.
  const copies = q.items.filter((i) => i.posterId.startsWith('scene-1'));
  assert.ok(copies.length < 4, copies.map((c) => c.posterId).join(', '));
  // Once a poster is labelled it leaves the queue.
  await b.call('genres:add', { libraryId: otherLib, name: 'Action' });
  await b.call('posters:setLabels', { id: q.items[0].imageId, genres: ['Action'] });
  const again = await b.call('loop:next', { libraryIds: [otherLib] });
  assert.ok(!again.items.some((i) => i.imageId === q.items[0].imageId));
  assert.equal(again.unlabelled, 16);
});

test('near-duplicates: re-encodes, resizes and crops are found above the threshold, distinct posters are not', { skip }, async () => {
  const ids = await idsBy(otherLib);
  const dup = await b.call('loop:duplicates', { libraryIds: [otherLib], threshold: 0.75 });
  assert.equal(dup.backbone, 'mobilenet_v2');
  assert.equal(dup.compared, 17);
  const names = dup.pairs.map((p) => [p.a.posterId, p.b.posterId].sort().join(' ~ '));
  for (const variant of ['scene-1-reencoded', 'scene-1-small', 'scene-1-cropped']) {
    assert.ok(names.includes(['scene-1', variant].sort().join(' ~ ')), `${variant} found: ${names.join('; ')}`);
  }
  const scenes = dup.pairs.filter((p) => p.a.posterId.startsWith('scene') && p.b.posterId.startsWith('scene'));
  assert.ok(
    scenes.every((p) => p.a.posterId.startsWith('scene-1') && p.b.posterId.startsWith('scene-1')),
    `only scene 1 and its copies pair up: ${names.join('; ')}`,
  );
  // More like this: the copies first.
  const like = await b.call('loop:similar', { imageId: ids.get('scene-1')!, limit: 3 });
  assert.deepEqual(like.items.map((i) => i.posterId).sort(), ['scene-1-cropped', 'scene-1-reencoded', 'scene-1-small']);
  assert.ok(like.items.every((i) => i.cosine > 0.9 && i.libraryId === otherLib));
});
