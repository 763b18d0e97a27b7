import { test } from 'node:test';
import { projectRoot } from '../../../../main/core/project-root';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { BACKBONES, DEFAULT_BACKBONE, availableBackbones, getBackbone, modelsDir, specOf, verifyFiles } from '../../../../main/ml/backbones/registry';
import { fakeGraphPackage } from './fixtures';
import { tempDir } from '../../../helpers/temp';

test('the registry pins both backbones with a sha256 for every file it takes out', () => {
  assert.deepEqual(BACKBONES.map((b) => b.id).sort(), ['inception_v3', 'mobilenet_v2']);
  assert.equal(getBackbone(DEFAULT_BACKBONE).embeddingSize, 7488, 'five InceptionV3 depths (see taps)');
  for (const b of BACKBONES) {
    assert.match(b.package.version, /^\d+\.\d+\.\d+$/, 'exact version, no range');
    assert.deepEqual(Object.keys(b.sha256).sort(), Object.keys(b.files).sort());
    for (const sha of Object.values(b.sha256)) assert.match(sha, /^[0-9a-f]{64}$/);
    assert.ok(b.files[b.modelFile]);
    assert.deepEqual(Object.keys(specOf(b)).sort(), [
      'cachePrecision',
      'embeddingNode',
      'embeddingSize',
      'id',
      'inputSize',
      'label',
      'licence',
      'preprocessing',
      'sha256',
      'source',
      'taps',
    ]);
  }
  assert.throws(() => getBackbone('resnet'), /Unknown backbone "resnet" \(known: inception_v3, mobilenet_v2\)/);
});

test('modelsDir is resources/models of the project unless POSTER_TAGGER_MODELS_DIR says otherwise', () => {
  const root = projectRoot();
  assert.ok(fs.existsSync(path.join(root, 'package.json')));
  assert.equal(modelsDir({}), path.join(root, 'resources', 'models'));
  assert.equal(modelsDir({ POSTER_TAGGER_MODELS_DIR: 'some/where' }), path.resolve('some/where'));
});

test('availableBackbones tells installed, missing and tampered backbones apart', async () => {
  const work = tempDir('pt-registry-');
  try {
    const { entry } = await fakeGraphPackage(work);
    const dir = path.join(work, 'models');
    assert.deepEqual(
      availableBackbones(dir, [entry]).map((a) => [a.installed, a.problem, a.onnx]),
      [[false, 'missing model.json', false]],
    );
    const bdir = path.join(dir, entry.id);
    fs.mkdirSync(bdir, { recursive: true });
    for (const [name, inTar] of Object.entries(entry.files)) fs.copyFileSync(path.join(work, 'pkgsrc', inTar), path.join(bdir, name));
    const [ok] = availableBackbones(dir, [entry]);
    assert.equal(ok.installed, true);
    assert.equal(ok.onnx, false);
    assert.match(ok.onnxReason, /no ONNX conversion check/);

    fs.appendFileSync(path.join(bdir, 'group1-shard1of1'), 'x');
    assert.match(verifyFiles(entry, bdir) ?? '', /group1-shard1of1 has sha256 [0-9a-f]{64}, expected/);
    assert.equal(availableBackbones(dir, [entry])[0].installed, false);
  } finally {
    fs.rmSync(work, { recursive: true, force: true });
  }
});
