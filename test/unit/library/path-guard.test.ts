import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { PathGuard } from '../../../main/library/path-guard';
import { findThumbnail, thumbnailPath } from '../../../main/library/thumbnails';
import { writeText } from './helpers';
import { tempFolder } from '../../helpers/temp';

function setup() {
  const t = tempFolder();
  const lib = path.join(t.dir, 'lib');
  const other = path.join(t.dir, 'lib-other'); // shares a prefix with lib: string checks would be fooled
  writeText(path.join(lib, 'a/poster.jpg'), 'x');
  writeText(path.join(other, 'secret.jpg'), 'x');
  writeText(path.join(t.dir, 'outside.txt'), 'x');
  fs.symlinkSync(path.join(t.dir, 'outside.txt'), path.join(lib, 'escape.jpg'));
  fs.symlinkSync(t.dir, path.join(lib, 'escape-dir'));
  fs.symlinkSync(path.join(lib, 'a/poster.jpg'), path.join(lib, 'inner-link.jpg'));
  return { t, lib, other, guard: new PathGuard([lib]) };
}

test('path guard allows files inside an opened root, absolute or relative', () => {
  const { t, lib, guard } = setup();
  try {
    const real = fs.realpathSync(path.join(lib, 'a/poster.jpg'));
    assert.deepEqual(guard.resolve(path.join(lib, 'a/poster.jpg')), { ok: true, path: real });
    assert.deepEqual(guard.resolve('a/poster.jpg'), { ok: true, path: real });
    assert.deepEqual(guard.resolve('a/../a/poster.jpg'), { ok: true, path: real });
    assert.deepEqual(guard.resolve('inner-link.jpg'), { ok: true, path: real }, 'a symlink staying inside is fine');
  } finally {
    t.cleanup();
  }
});

test('path guard refuses traversal, symlink escapes, NUL bytes, missing files and folders', () => {
  const { t, lib, other, guard } = setup();
  try {
    const refused = (p: unknown, reason: RegExp) => {
      const r = guard.resolve(p);
      assert.equal(r.ok, false, String(p));
      if (!r.ok) assert.match(r.reason, reason, String(p));
    };
    refused('../outside.txt', /outside/);
    refused('a/../../outside.txt', /outside/);
    refused(path.join(lib, '..', 'outside.txt'), /outside/);
    refused(path.join(other, 'secret.jpg'), /outside/);
    refused('../lib-other/secret.jpg', /outside/);
    refused('escape.jpg', /outside/);
    refused('escape-dir/outside.txt', /outside/);
    refused('a/poster.jpg\0.png', /NUL/);
    refused('a/nope.jpg', /not found/);
    refused('a', /folder/);
    refused('', /no path/);
    refused(42, /no path/);
    assert.match((new PathGuard([]).resolve('a/poster.jpg') as { reason: string }).reason, /no library/);
  } finally {
    t.cleanup();
  }
});

test('path guard follows root changes', () => {
  const { t, lib, other, guard } = setup();
  try {
    guard.setRoots([lib, other]);
    assert.equal(guard.resolve(path.join(other, 'secret.jpg')).ok, true);
    guard.setRoots([other]);
    assert.equal(guard.resolve(path.join(lib, 'a/poster.jpg')).ok, false);
  } finally {
    t.cleanup();
  }
});

test('thumbnail paths only for real hashes', () => {
  const hash = 'ab'.repeat(32);
  assert.equal(thumbnailPath('/thumbs', hash), path.join('/thumbs', 'ab', `${hash}.jpg`));
  assert.throws(() => thumbnailPath('/thumbs', '../../etc/passwd'), /Not a content hash/);
  assert.equal(findThumbnail('/thumbs', '../x'), null);
  assert.equal(findThumbnail('/nonexistent-thumbs', hash), null);
});
