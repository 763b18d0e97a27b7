import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { indexLibrary } from '../../../main/library/indexer';
import { openLibrary } from '../../../main/library/library-repo';
import { queryPosters, setPosterLabels } from '../../../main/library/gallery-queries';
import { labelStates, restoreLabelStates } from '../../../main/library/label-states';
import { standaloneJobContext } from '../../../main/jobs/types';
import { metadataCsv, testDb, writeImage, writeText } from './helpers';
import { tempFolder } from '../../helpers/temp';

test('label states restore labels, their sources and unlabelled posters exactly; a bad state changes nothing', async () => {
  const t = tempFolder();
  const db = testDb(t.dir);
  try {
    const root = path.join(t.dir, 'posters');
    for (const [i, id] of ['tt1', 'tt2', 'tt3'].entries()) await writeImage(path.join(root, `train/${id}.jpg`), 'jpeg', i + 1);
    writeText(
      path.join(root, 'train/metadata.csv'),
      metadataCsv(
        ['Action', 'Drama'],
        [
          ['tt1', ['Action']],
          ['tt2', ['Drama']],
        ],
      ),
    );
    fs.mkdirSync(path.join(t.dir, 'thumbs'));
    const lib = openLibrary(db, root);
    await indexLibrary(db, lib.id, standaloneJobContext(), { thumbnailsDir: path.join(t.dir, 'thumbs') });
    const ids = queryPosters(db, { libraryId: lib.id }).items.map((i) => i.id);
    const before = labelStates(db, ids);
    assert.deepEqual(
      before.map((s) => s.labelsSource),
      ['import', 'import', null],
    );

    for (const id of ids) setPosterLabels(db, id, ['Action', 'Drama']);
    assert.ok(labelStates(db, ids).every((s) => s.labelsSource === 'user' && s.labels.length === 2));
    const r = restoreLabelStates(db, before);
    assert.deepEqual(r, { restored: 3, libraryIds: [lib.id] });
    assert.deepEqual(labelStates(db, ids), before);

    const edited = labelStates(db, ids);
    assert.throws(
      () =>
        restoreLabelStates(db, [
          { ...before[0], labels: [] },
          { id: ids[1], labelsSource: 'user', labels: [{ genre: 'Nope', source: 'user' }] },
        ]),
      /Unknown genre "Nope"/,
    );
    assert.deepEqual(labelStates(db, ids), edited, 'all or nothing');
  } finally {
    db.close();
    t.cleanup();
  }
});
