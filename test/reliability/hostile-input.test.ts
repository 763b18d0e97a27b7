// Crafted images through indexing and the embedding pipeline, and crafted model files through import and
// load. Each is either handled correctly or refused with a reason; nothing crashes, hangs or runs code.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import sharp from 'sharp';
import { openDatabase, type Db } from '../../main/db/database';
import { openLibrary } from '../../main/library/library-repo';
import { indexLibrary } from '../../main/library/indexer';
import { standaloneJobContext } from '../../main/jobs/types';
import { embedImages } from '../../main/ml/features/pipeline';
import { trainHead } from '../../main/ml/train';
import { exportHead, headInfoFromTraining, importHead, loadHead, ModelFileError, saveHead } from '../../main/runs/model-io';
import { hashBuffer } from '../../main/core/content-hash';
import { syntheticTask } from '../unit/ml/synthetic';
import { posterJpeg } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { record } from './stats';
import { trainConfig } from '../../main/ml/head';

const SUITE = 'hostile input';
const FAKE_MODULE = path.resolve(__dirname, '../../main/ml/features/fake-backbone.ts');
let dir: string;
let db: Db;
before(() => {
  dir = tempDir();
  db = openDatabase(path.join(dir, 'hostile.sqlite'));
});
after(() => db.close());

function pngChunk(type: string, data: Buffer): Buffer {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(zlib.crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A valid PNG header claiming width×height (8-bit RGB) with a few KB of deflated zero rows: a decompression bomb. */
function bombPng(width: number, height: number): Buffer {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = zlib.deflateSync(Buffer.alloc((width * 3 + 1) * 64), { level: 9 }); // 64 rows of zeros, the rest missing
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    pngChunk('IHDR', ihdr),
    pngChunk('IDAT', rows),
    pngChunk('IEND', Buffer.alloc(0)),
  ]);
}

type Expect = { ok: true; width?: number; height?: number } | { ok: false; reason: RegExp };

async function craftedImages(): Promise<Record<string, { bytes: Buffer; expect: Expect }>> {
  const good = await posterJpeg(['Action', 'Drama'], 3, 60, 90);
  const frame = (r: number) =>
    sharp({ create: { width: 40, height: 60, channels: 3, background: { r, g: 40, b: 90 } } })
      .png()
      .toBuffer();
  return {
    'good.jpg': { bytes: good, expect: { ok: true, width: 60, height: 90 } },
    'truncated.jpg': { bytes: good.subarray(0, Math.floor(good.length * 0.6)), expect: { ok: false, reason: /truncated|corrupt|premature/i } },
    'bomb.png': { bytes: bombPng(60_000, 60_000), expect: { ok: false, reason: /too large/i } },
    'png-named.jpg': { bytes: await sharp(good).png().toBuffer(), expect: { ok: true, width: 60, height: 90 } },
    'text-named.jpg': { bytes: Buffer.from('<html><script>alert(1)</script></html>'), expect: { ok: false, reason: /not a JPEG|not an image/i } },
    'svg-named.png': {
      bytes: Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'),
      expect: { ok: false, reason: /not a JPEG|not an image/i },
    },
    'gif-named.webp': { bytes: await sharp(good).gif().toBuffer(), expect: { ok: false, reason: /not a JPEG|not an image|unsupported/i } },
    'exif-rotated.jpg': { bytes: await sharp(good).jpeg().withMetadata({ orientation: 6 }).toBuffer(), expect: { ok: true, width: 90, height: 60 } },
    'cmyk.jpg': { bytes: await sharp(good).toColourspace('cmyk').jpeg().toBuffer(), expect: { ok: true, width: 60, height: 90 } },
    '16bit.png': { bytes: await sharp(good).toColourspace('rgb16').png().toBuffer(), expect: { ok: true, width: 60, height: 90 } },
    'animated.webp': {
      bytes: await sharp([await frame(10), await frame(200)], { join: { animated: true } })
        .webp({ loop: 0 })
        .toBuffer(),
      expect: { ok: true, width: 40, height: 60 },
    },
    'empty.jpg': { bytes: Buffer.alloc(0), expect: { ok: false, reason: /empty/i } },
    'garbage-after-header.jpg': {
      bytes: Buffer.concat([good.subarray(0, 200), Buffer.alloc(5000, 0x41)]),
      expect: { ok: false, reason: /truncated|corrupt|decode/i },
    },
  };
}

test('crafted images through indexing and the embedding pipeline: handled correctly or failed with a reason', { timeout: 120_000 }, async () => {
  const root = path.join(dir, 'crafted');
  fs.mkdirSync(root);
  const cases = await craftedImages();
  for (const [name, c] of Object.entries(cases)) fs.writeFileSync(path.join(root, name), c.bytes);
  const lib = openLibrary(db, root);
  const r = await indexLibrary(db, lib.id, standaloneJobContext(), { thumbnailsDir: path.join(dir, 'thumbs') });
  const rows = new Map(
    (
      db.prepare('SELECT rel_path AS p, error, width, height, hash FROM images WHERE library_id = ?').all(lib.id) as {
        p: string;
        error: string | null;
        width: number | null;
        height: number | null;
        hash: string | null;
      }[]
    ).map((x) => [x.p, x]),
  );
  for (const [name, c] of Object.entries(cases)) {
    const row = rows.get(name);
    assert.ok(row, `${name} has a row (failed files are listed, not dropped)`);
    if (c.expect.ok) {
      assert.equal(row.error, null, `${name}: ${row.error}`);
      if (c.expect.width) assert.deepEqual([row.width, row.height], [c.expect.width, c.expect.height], `${name} size`);
    } else {
      assert.match(row.error ?? '', c.expect.reason, `${name}: indexing says "${row.error}"`);
    }
  }
  const bad = Object.values(cases).filter((c) => !c.expect.ok).length;
  const reported = Object.entries(r.report.counts)
    .filter(([k]) => ['not-an-image', 'decode-failed', 'image-too-large'].includes(k))
    .reduce((a, [, n]) => a + (n ?? 0), 0);
  assert.equal(reported, bad, `the import report counts every refused file: ${JSON.stringify(r.report.counts)}`);

  // The embedding pipeline gets every file (also the ones indexing refused) and must agree.
  const files = Object.keys(cases).map((name) => ({ path: path.join(root, name) }));
  const e = await embedImages(db, files, 'fake?size=16', standaloneJobContext(), {
    backboneModule: FAKE_MODULE,
    keepWorkerMs: 0,
    views: ['original', 'flipped'],
  });
  const failed = new Map(e.failed.map((f) => [path.basename(f.path), f.reason]));
  for (const [name, c] of Object.entries(cases)) {
    if (c.expect.ok) assert.ok(!failed.has(name), `${name} should embed: ${failed.get(name)}`);
    else assert.match(failed.get(name) ?? '(embedded!)', /./, `${name} must fail in the pipeline`);
  }
  assert.match(failed.get('bomb.png')!, /too large/i);
  assert.match(failed.get('truncated.jpg')!, /truncated|corrupt/i);
  record(SUITE, 'badInputs', Object.keys(cases).length * 2);
});

// ---- Model files -----------------------------------------------------------------------------------------

interface Export {
  format: string;
  formatVersion: number;
  metadata: Record<string, any>;
  model: Record<string, any>;
  weights: string;
  sha256: string;
}

/** The export's own checksum is not a signature: an attacker recomputes it. These files are self-consistent. */
function reseal(c: Export): Export {
  const weights = Buffer.from(c.weights, 'base64');
  c.metadata.weightsSha256 = hashBuffer(weights);
  const text = Buffer.from(`${JSON.stringify(c.metadata)}\n${JSON.stringify(c.model)}\n`, 'utf8');
  c.sha256 = hashBuffer(Buffer.concat([text, weights]));
  return c;
}

test('crafted model files (self-consistent checksums) are refused, write nothing and run nothing', { timeout: 120_000 }, async () => {
  const task = syntheticTask({ train: 40, val: 10, seed: 5 });
  const trained = await trainHead({ train: task.train, val: task.val, genres: task.genres, config: trainConfig({ epochs: 1, seed: 1 }) });
  const saved = path.join(dir, 'model-ok');
  await saveHead(
    saved,
    trained.model,
    headInfoFromTraining(trained, {
      id: 'test-backbone',
      sha256: { 'model.onnx': 'a'.repeat(64) },
      inputSize: 224,
      preprocessing: { kind: 'scale', mean: 127.5, std: 127.5 },
    }),
  );
  trained.model.dispose();
  const good = path.join(dir, 'good.json');
  exportHead(saved, good);
  const base = () => JSON.parse(fs.readFileSync(good, 'utf8')) as Export;
  const layers = (c: Export) => c.model.modelTopology.config.layers as { class_name: string; config: Record<string, any> }[];

  const crafted: Record<string, { make: () => Export | string; refuse: RegExp }> = {
    'more genres than outputs': {
      make: () => {
        const c = base();
        c.metadata.genres.push('Extra');
        c.metadata.thresholds.push(0.5);
        return reseal(c);
      },
      refuse: /genres/,
    },
    'unknown layer class (code hook)': {
      make: () => {
        const c = base();
        layers(c)[layers(c).length - 1].class_name = 'Lambda';
        return reseal(c);
      },
      refuse: /do not form a valid model|Unknown layer|Lambda/i,
    },
    'weights shape bomb': {
      make: () => {
        const c = base();
        const w = c.model.weightsManifest[0].weights;
        w[0].shape = [1_000_000, 100_000];
        return reseal(c);
      },
      refuse: /do not form a valid model|weights|shape|size/i,
    },
    'weights path traversal in manifest': {
      make: () => {
        const c = base();
        c.model.weightsManifest[0].paths = ['../../../../etc/passwd'];
        c.model.weightsManifest.push({ paths: ['/etc/shadow'], weights: [] });
        return reseal(c);
      },
      refuse: /exactly one weights file/,
    },
    'prototype pollution in metadata': {
      make: () => {
        const c = base();
        return JSON.stringify(reseal(c)).replace('"config":{', '"config":{"__proto__":{"polluted":true},');
      },
      refuse: /checksum|invalid/i,
    },
    'truncated file': { make: () => fs.readFileSync(good, 'utf8').slice(0, 5000), refuse: /not valid JSON/ },
    'not an object': { make: () => '[1,2,3]', refuse: /not a Poster Tagger model export/ },
    'huge genre name list': {
      make: () => {
        const c = base();
        c.metadata.genres = Array.from({ length: 100_000 }, (_, i) => `g${i}`);
        return reseal(c);
      },
      refuse: /genres|invalid/i,
    },
    'weights not base64 of the declared size': {
      make: () => {
        const c = base();
        c.weights = Buffer.alloc(16).toString('base64');
        return reseal(c);
      },
      refuse: /do not form a valid model|weights|size/i,
    },
  };
  for (const [name, c] of Object.entries(crafted)) {
    const file = path.join(dir, `${name.replace(/\W+/g, '-')}.json`);
    const made = c.make();
    fs.writeFileSync(file, typeof made === 'string' ? made : JSON.stringify(made));
    const target = path.join(dir, 'imports', name.replace(/\W+/g, '-'));
    const t0 = Date.now();
    await assert.rejects(importHead(file, target), (err: Error) => {
      assert.ok(err instanceof ModelFileError, `${name}: not a ModelFileError: ${err.stack}`);
      assert.match(err.message, c.refuse, `${name}: ${err.message}`);
      return true;
    });
    assert.ok(Date.now() - t0 < 10_000, `${name}: refusing took ${Date.now() - t0} ms`);
    assert.equal(fs.existsSync(target), false, `${name}: nothing written`);
    assert.equal(({} as Record<string, unknown>).polluted, undefined, `${name}: Object.prototype polluted`);
  }
  // A saved model folder whose files were swapped for crafted ones is refused by loadHead the same way.
  const folder = path.join(dir, 'model-swapped');
  fs.cpSync(saved, folder, { recursive: true });
  const bomb = crafted['weights shape bomb'].make() as Export;
  fs.writeFileSync(path.join(folder, 'model.json'), JSON.stringify(bomb.model));
  await assert.rejects(loadHead(folder), ModelFileError);
  record(SUITE, 'badInputs', Object.keys(crafted).length + 1);
});
