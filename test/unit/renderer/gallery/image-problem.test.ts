// QA 13: a decoder error is said in plain words, with libvips' text once (it repeats a line per attempt).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { distinctLines } from '../../../../main/library/image-processor';
import { formatBytes, imageProblem, issueKindName } from '../../../../renderer/src/lib/components/gallery/image-problem';

const VIPS =
  'Input buffer has corrupt header: VipsJpeg: Unsupported marker type 0x20\nVipsJpeg: Unsupported marker type 0x20\nVipsJpeg: Unsupported marker type 0x20';

test('the stored error holds the decoder line once', () => {
  assert.equal(distinctLines(new Error(VIPS)), 'Input buffer has corrupt header: VipsJpeg: Unsupported marker type 0x20');
});

test('an undecodable JPEG in plain words, the technical text once as the detail (also for rows stored before)', () => {
  const p = imageProblem(`cannot decode image: ${VIPS}`, 'train/tt1.jpg');
  assert.equal(p.summary, 'This file is not a readable JPEG (it may be damaged or truncated)');
  assert.equal(p.detail.match(/Unsupported marker type 0x20/g)?.length, 1);
  assert.match(imageProblem('cannot decode image: x', 'a.png', 'png').summary, /not a readable PNG/);
  assert.equal(imageProblem('empty file (0 bytes)', 'a.jpg').summary, 'This file is empty (0 bytes)');
  assert.match(imageProblem('not a JPEG, PNG or WebP image', 'a.jpg').summary, /^This file is not an image/);
});

test('report kinds and sizes in words', () => {
  assert.equal(issueKindName('malformed-row'), 'Rows that could not be read');
  assert.equal(issueKindName('unlisted-image'), 'Images not in the CSV');
  assert.equal(issueKindName('decode-failed'), 'Images that could not be decoded');
  assert.equal(issueKindName('some-new-kind'), 'Some new kind');
  assert.equal(formatBytes(57), '57 bytes');
  assert.equal(formatBytes(20_480), '20 KB');
});
