// QA 14: two libraries over the same files go stale (an edit written from one is not seen by the other),
// so a folder inside an open library, or one that holds an open library, is refused with the way out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { listLibraries, openLibrary, removeLibrary } from '../../../main/library/library-repo';
import { testDb } from './helpers';
import { tempFolder } from '../../helpers/temp';

test('a folder inside an open library, or holding one, is refused; the message names the other library', () => {
  const { dir, cleanup } = tempFolder();
  const db = testDb(dir);
  try {
    const small = path.join(dir, 'x', 'small');
    fs.mkdirSync(path.join(small, 'train'), { recursive: true });
    fs.mkdirSync(path.join(dir, 'x', 'small-other'), { recursive: true });
    const lib = openLibrary(db, small);
    const real = fs.realpathSync.native(small);

    assert.throws(() => openLibrary(db, path.join(small, 'train')), {
      message: `This folder is inside the library "small" (${real}), which is already open — open that one, or forget it first.`,
    });
    // The same folder again is that library, not a second one; a sibling with a common prefix is fine.
    assert.equal(openLibrary(db, `${small}/`).id, lib.id);
    const sibling = openLibrary(db, path.join(dir, 'x', 'small-other'));
    assert.notEqual(sibling.id, lib.id);
    removeLibrary(db, sibling.id);

    // The other way round: train open first, then its parent.
    removeLibrary(db, lib.id);
    openLibrary(db, path.join(small, 'train'));
    assert.throws(
      () => openLibrary(db, small),
      /^InvalidError: This folder contains the library "train" \(.*train\), which is already open — open that one, or forget it first\.$/,
    );
    assert.throws(() => openLibrary(db, path.join(dir, 'x')), /contains the library "train"/);
    assert.deepEqual(
      listLibraries(db).map((l) => l.name),
      ['train'],
    );
  } finally {
    db.close();
    cleanup();
  }
});
