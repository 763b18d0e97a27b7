// Every path the renderer sends goes through UserPath: ~ expanded, relative refused in the user's words.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import os from 'node:os';
import path from 'node:path';
import { createBackend } from '../../../main/backend';
import { calls, type CallName } from '../../../contract';
import { UserPath } from '../../../contract/schemas/user-path';
import { RELATIVE_PATH_MESSAGE } from '../../../contract/user-path';
import { tempDir } from '../../helpers/temp';

test('UserPath transforms ~ and refuses relative paths', () => {
  assert.equal(UserPath.parse('~/Posters/'), path.join(os.homedir(), 'Posters'));
  const r = UserPath.safeParse('Posters');
  assert.equal(r.success, false);
});

/** Each call with a relative path in its path field(s), and otherwise valid input. */
const relative: [CallName, Record<string, unknown>][] = [
  ['library:open', { path: 'Posters' }],
  ['tag:start', { folders: ['/tmp', 'Posters'] }],
  ['tag:export', { runId: 1, folder: 'Posters', format: 'csv' }],
  ['tag:export', { runId: 1, libraryIds: [1], format: 'csv', file: 'tags.csv' }],
  ['predict:files', { runId: 1, paths: ['poster.jpg'] }],
  ['runs:export', { id: 1, file: 'model.ptmodel' }],
  ['runs:import', { file: 'model.ptmodel' }],
  ['backbones:import', { folder: 'my-backbone' }],
];

test('every user path field of the contract refuses a relative path with the plain message, not a field dump', async (t) => {
  const backend = createBackend({ dataDir: tempDir() });
  t.after(() => backend.close());
  for (const [name, input] of relative) {
    assert.ok(calls[name], name);
    const env = await backend.gate.invokeEnvelope(name, input);
    assert.equal(env.ok, false, name);
    if (env.ok) continue;
    assert.equal(env.error.code, 'invalid_input', name);
    assert.ok(env.error.message.endsWith(RELATIVE_PATH_MESSAGE), `${name}: ${env.error.message}`);
    assert.doesNotMatch(env.error.message, /Invalid input for/, name);
    assert.ok(env.error.issues?.length, name);
  }
});

test('~ reaches the handler expanded', async (t) => {
  const backend = createBackend({ dataDir: tempDir() });
  t.after(() => backend.close());
  // No such file in the home folder: the handler's refusal names the expanded path.
  const name = `poster-tagger-missing-${process.pid}.ptmodel`;
  const env = await backend.gate.invokeEnvelope('runs:import', { file: `~/${name}` });
  assert.equal(env.ok, false);
  if (!env.ok) assert.ok(env.error.message.includes(path.join(os.homedir(), name)), env.error.message);
});

test('files:preview gives a small JPEG of a typed image path; folders and non-images are refused in words', async (t) => {
  const { posterJpeg } = await import('../../helpers/posters');
  const fs = await import('node:fs');
  const backend = createBackend({ dataDir: tempDir() });
  t.after(() => backend.close());
  const dir = tempDir();
  const file = path.join(dir, 'poster.jpg');
  fs.writeFileSync(file, await posterJpeg(['Action'], 1));
  fs.writeFileSync(path.join(dir, 'notes.jpg'), 'not an image');
  const r = (await backend.gate.invoke('files:preview', { path: `${dir}//poster.jpg` })) as { mime: string; dataBase64: string };
  assert.equal(r.mime, 'image/jpeg');
  assert.equal(Buffer.from(r.dataBase64, 'base64').subarray(0, 2).toString('hex'), 'ffd8');
  const refusal = async (p: string) => {
    const env = await backend.gate.invokeEnvelope('files:preview', { path: p });
    assert.equal(env.ok, false);
    return env.ok ? '' : env.error.message;
  };
  assert.match(await refusal(dir), /is a folder; give an image file/);
  assert.match(await refusal(path.join(dir, 'notes.jpg')), /could not be read as an image/);
  assert.match(await refusal(path.join(dir, 'nope.jpg')), /^File not found/);
  assert.ok((await refusal('poster.jpg')).endsWith(RELATIVE_PATH_MESSAGE));
});
