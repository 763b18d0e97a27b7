import { test } from 'node:test';
import assert from 'node:assert/strict';
import { imageKeys, labelConfig, labelStudioTasks, parseLabelStudioExport } from '../../../main/library/label-studio';

test('image references of every kind give the keys a poster is found by', () => {
  assert.deepEqual(imageKeys('/data/upload/1/8f3c2a1b-tt0001.jpg'), ['8f3c2a1b-tt0001.jpg', 'tt0001.jpg']);
  assert.deepEqual(imageKeys('/data/local-files/?d=train%2Ftt0001.jpg'), ['train/tt0001.jpg', 'tt0001.jpg']);
  assert.deepEqual(imageKeys('https://example.org/posters/Le%20Mans.jpg?X-Amz-Signature=ab'), ['Le Mans.jpg']);
  assert.deepEqual(imageKeys('s3://bucket/a/b.png'), ['b.png']);
});

test('odd file names survive the task URL and come back as the same path; genres with XML characters are escaped in the config', () => {
  const rel = 'train/Amélie & co #2 (100% + more).jpg';
  const tasks = labelStudioTasks([{ relPath: rel, posterId: 'p1', split: 'train', genres: ['Sci-Fi'] }]) as { data: Record<string, string> }[];
  assert.ok(!/[ #&%+]/.test(tasks[0].data.image.slice('/data/local-files/?d='.length).replace(/%[0-9A-F]{2}/g, '')), tasks[0].data.image);
  const { data } = tasks[0];
  const parsed = parseLabelStudioExport([{ ...tasks[0], data: { image: data.image } }]);
  assert.equal(parsed.labels[0].keys[0], rel);
  assert.deepEqual(parsed.labels[0].genres, ['Sci-Fi']);
  assert.match(labelConfig(['R&B "soul" <x>']), /<Choice value="R&amp;B &quot;soul&quot; &lt;x>"\/>/);
});

test('a poster labelled with no genre is an annotation without choices; an unlabelled one a task without annotations', () => {
  const tasks = labelStudioTasks([
    { relPath: 'a.jpg', posterId: 'a', split: null, genres: [] },
    { relPath: 'b.jpg', posterId: 'b', split: null, genres: null },
  ]);
  const parsed = parseLabelStudioExport(tasks);
  assert.equal(parsed.labels.length, 1);
  assert.deepEqual(parsed.labels[0].genres, []);
  assert.equal(parsed.unannotated, 1);
  assert.throws(() => parseLabelStudioExport({ tasks: [] }), /expected a list of tasks/);
});
