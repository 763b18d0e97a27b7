import { test } from 'node:test';
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { writeKeywordCopies } from '../../../../main/tagging/xmp/copies';
import { jpegWithKeywords } from '../../../../main/tagging/xmp/jpeg-keywords';
import { keywordsFor } from '../../../../main/tagging/xmp/keywords';
import { posterJpeg } from '../../../helpers/posters';
import { tempDir } from '../../../helpers/temp';
import { exiftool, exiftoolJson, skipWithoutExiftool as skip } from '../../../helpers/exiftool';

const sha = (file: string) => crypto.createHash('sha256').update(fs.readFileSync(file)).digest('hex');
const pixels = async (b: Buffer) => (await sharp(b).raw().toBuffer()).toString('hex');

test('a JPEG gains IPTC Keywords and XMP subject; its EXIF, IPTC, XMP rating and pixels stay as they were', { skip }, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'p.jpg');
  fs.writeFileSync(file, await posterJpeg(['Drama'], 5));
  exiftool(['-overwrite_original', '-EXIF:Artist=Jane', '-IPTC:Keywords=Holiday', '-IPTC:City=Lyon', '-XMP-xmp:Rating=3', '-XMP-dc:Subject=Holiday', file]);
  const before = exiftoolJson(file);
  const original = fs.readFileSync(file);
  const copy = jpegWithKeywords(original, keywordsFor(['Drama', 'Sci-Fi', 'ポスター']), 4, '2026-01-01T00:00:00.000Z');
  const out = path.join(dir, 'copy.jpg');
  fs.writeFileSync(out, copy);
  const after = exiftoolJson(out, undefined, ['-charset', 'iptc=UTF8']);
  assert.deepEqual(after['IPTC:Keywords'], ['Holiday', 'Drama', 'Sci-Fi', 'ポスター']);
  assert.deepEqual(after['XMP-dc:Subject'], ['Holiday', 'Drama', 'Sci-Fi', 'ポスター']);
  assert.deepEqual(after['XMP-lr:HierarchicalSubject'], ['Genre|Drama', 'Genre|Sci-Fi', 'Genre|ポスター']);
  for (const k of ['IFD0:Artist', 'IPTC:City', 'XMP-xmp:Rating']) assert.deepEqual(after[k], before[k], k);
  // exiftool finds nothing wrong with the file and the picture is the same.
  assert.doesNotMatch(exiftool(['-validate', '-warning', '-a', out]), /Warning/);
  assert.equal(await pixels(copy), await pixels(original));
  assert.ok(fs.readFileSync(file).equals(original), 'the original is not touched');
});

test('a JPEG without metadata gets both segments; exiftool reads them', { skip }, async () => {
  const jpeg = await posterJpeg(['Drama'], 6);
  const out = path.join(tempDir(), 'c.jpg');
  fs.writeFileSync(out, jpegWithKeywords(jpeg, keywordsFor(['Action', 'Drama'], { flatOnly: true }), 1));
  const tags = exiftoolJson(out);
  assert.deepEqual(tags['IPTC:Keywords'], ['Action', 'Drama']);
  assert.deepEqual(tags['XMP-dc:Subject'], ['Action', 'Drama']);
  assert.deepEqual(tags['XMP-digiKam:TagsList'], ['Action', 'Drama']);
});

test('copies go to the folder picked, never over an original; again rewrites nothing; a changed copy is replaced only when confirmed', { skip }, async () => {
  const dir = tempDir();
  const root = path.join(dir, 'posters');
  fs.mkdirSync(path.join(root, 'sub'), { recursive: true });
  const files = ['a.jpg', 'sub/b.jpg'].map((n) => path.join(root, ...n.split('/')));
  for (const [i, f] of files.entries()) fs.writeFileSync(f, await posterJpeg(['Drama'], 10 + i));
  const png = path.join(root, 'c.png');
  fs.writeFileSync(
    png,
    await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } })
      .png()
      .toBuffer(),
  );
  const hashes = [...files, png].map(sha);
  const posters = [
    { path: files[0], relPath: 'a.jpg', root, tags: ['Drama'] },
    { path: files[1], relPath: 'sub/b.jpg', root, tags: ['Action', 'Drama'] },
    { path: png, relPath: 'c.png', root, tags: ['Drama'] },
  ];
  await assert.rejects(writeKeywordCopies(1, posters, { folder: root }), /Pick a folder outside/);
  await assert.rejects(writeKeywordCopies(1, posters, { folder: path.join(root, 'sub') }), /Pick a folder outside/);
  const target = path.join(dir, 'for lightroom');
  fs.mkdirSync(target);
  const r = await writeKeywordCopies(1, posters, { folder: target });
  assert.equal(r.filesWritten, 2);
  assert.match(r.skipped[0].reason, /not a JPEG/);
  assert.deepEqual(exiftoolJson(path.join(target, 'sub', 'b.jpg'))['IPTC:Keywords'], ['Action', 'Drama']);
  assert.deepEqual([...files, png].map(sha), hashes, 'originals untouched');

  const stamp = fs.statSync(path.join(target, 'a.jpg')).mtimeMs;
  const again = await writeKeywordCopies(1, posters, { folder: target });
  assert.equal(again.filesWritten, 0);
  assert.equal(again.unchanged, 2);
  assert.equal(fs.statSync(path.join(target, 'a.jpg')).mtimeMs, stamp);

  posters[0].tags = ['Comedy'];
  const asked = await writeKeywordCopies(1, posters, { folder: target });
  assert.deepEqual(asked.replace, { count: 1, files: [path.join(target, 'a.jpg')], newFiles: 0 });
  assert.equal(fs.statSync(path.join(target, 'a.jpg')).mtimeMs, stamp, 'not before the answer');
  await writeKeywordCopies(1, posters, { folder: target, overwrite: true });
  assert.equal(exiftoolJson(path.join(target, 'a.jpg'))['IPTC:Keywords'], 'Comedy');
});

test('IPTC text in an undeclared character set is never reinterpreted: ASCII genres are added, others refused with a reason', { skip }, async () => {
  const dir = tempDir();
  const file = path.join(dir, 'latin1.jpg');
  fs.writeFileSync(file, await posterJpeg(['Drama'], 8));
  // exiftool writes Latin-1 without a 1:90 declaration when told the IPTC charset is Latin.
  exiftool(['-overwrite_original', '-charset', 'iptc=Latin', '-IPTC:CodedCharacterSet=', '-IPTC:City=Zürich', file]);
  const original = fs.readFileSync(file);
  const out = path.join(dir, 'out.jpg');
  fs.writeFileSync(out, jpegWithKeywords(original, keywordsFor(['Drama']), 1));
  const tags = exiftoolJson(out, undefined, ['-charset', 'iptc=Latin']);
  assert.equal(tags['IPTC:City'], 'Zürich');
  assert.equal(tags['IPTC:Keywords'], 'Drama');
  assert.throws(() => jpegWithKeywords(original, keywordsFor(['Comédie']), 1), /non-ASCII keywords cannot be added safely/);
});
