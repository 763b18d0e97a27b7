import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { decodeViews, ImageDecodeError } from '../../../../main/ml/features/decode';
import { hugeHeaderJpeg } from './fixtures';
import { twoHalvesJpeg } from '../../../helpers/posters';

const SIZE = 16;

async function reason(bytes: Buffer): Promise<string> {
  try {
    await decodeViews(bytes, SIZE, ['original']);
  } catch (err) {
    assert.ok(err instanceof ImageDecodeError, `expected ImageDecodeError, got ${String(err)}`);
    return err.reason;
  }
  assert.fail('decode should have failed');
}

test('squashes a 2:3 poster to the square input, RGB bytes', async () => {
  const views = await decodeViews(await twoHalvesJpeg(3), SIZE, ['original']);
  const px = views.get('original')!;
  assert.equal(px.length, SIZE * SIZE * 3);
  // fit 'fill' keeps the whole poster: the top row is dark blue-ish, the bottom row bright blue.
  assert.ok(px[2] < 40, `top blue ${px[2]}`);
  assert.ok(px[(SIZE - 1) * SIZE * 3 + 2] > 200, `bottom blue ${px[(SIZE - 1) * SIZE * 3 + 2]}`);
});

test('the flipped view is the mirror image of the original', async () => {
  const views = await decodeViews(await twoHalvesJpeg(5), SIZE, ['original', 'flipped']);
  const a = views.get('original')!;
  const b = views.get('flipped')!;
  assert.notDeepEqual(a, b);
  for (let y = 0; y < SIZE; y++)
    for (let x = 0; x < SIZE; x++) for (let c = 0; c < 3; c++) assert.equal(b[(y * SIZE + x) * 3 + c], a[(y * SIZE + (SIZE - 1 - x)) * 3 + c]);
});

test('greyscale, RGBA and 16-bit PNGs all become 8-bit RGB', async () => {
  const grey = await sharp({ create: { width: 20, height: 30, channels: 3, background: '#777' } })
    .greyscale()
    .png()
    .toBuffer();
  const rgba = await sharp({ create: { width: 20, height: 30, channels: 4, background: { r: 10, g: 20, b: 30, alpha: 0.5 } } })
    .png()
    .toBuffer();
  const deep = await sharp({ create: { width: 20, height: 30, channels: 3, background: '#123456' } })
    .toColourspace('rgb16')
    .png()
    .toBuffer();
  for (const bytes of [grey, rgba, deep]) {
    const px = (await decodeViews(bytes, SIZE, ['original'])).get('original')!;
    assert.equal(px.length, SIZE * SIZE * 3);
  }
  const deepPx = (await decodeViews(deep, SIZE, ['original'])).get('original')!;
  // 16-bit to 8-bit may round down by one.
  [0x12, 0x34, 0x56].forEach((v, c) => assert.ok(Math.abs(deepPx[c] - v) <= 1, `channel ${c}: ${deepPx[c]} vs ${v}`));
});

test('bad input is refused with a clear reason', async () => {
  const jpeg = await twoHalvesJpeg(1, 300, 450);
  const png = await sharp(jpeg).png().toBuffer();
  assert.match(await reason(Buffer.alloc(0)), /empty file/i);
  assert.match(await reason(Buffer.from('this is a text file, not a poster\n')), /not an image/i);
  assert.match(await reason(jpeg.subarray(0, jpeg.length >> 1)), /corrupt or truncated/i);
  assert.match(await reason(png.subarray(0, png.length >> 1)), /corrupt or truncated/i);
  const garbled = Buffer.from(jpeg);
  garbled.fill(0x5a, 200, garbled.length - 2); // valid header, scrambled entropy data
  assert.match(await reason(garbled), /corrupt|truncated|cannot decode/i);
  assert.match(await reason(await hugeHeaderJpeg(20000, 20000)), /too large: 20000×20000/);
});
