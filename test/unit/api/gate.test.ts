import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createBackend } from '../../../main/backend';
import { UnknownCallError } from '../../../main/api/errors';
import { InvalidError, UnsupportedError } from '../../../main/core/errors';
import { tempDir } from '../../helpers/temp';

test('app:info reports version, data folder and TF.js backend', async (t) => {
  const dataDir = tempDir();
  const backend = createBackend({ dataDir, validateOutput: true });
  t.after(() => backend.close());
  const info = (await backend.gate.invoke('app:info', {})) as Record<string, unknown>;
  assert.equal(info.dataDir, dataDir);
  assert.match(String(info.version), /^\d+\.\d+\.\d+/);
  assert.ok(['tensorflow', 'wasm', 'cpu'].includes(String(info.tfBackend)));
  assert.equal(info.shell, 'browser');
});

test('unknown call names and invalid inputs are rejected before any handler runs', async (t) => {
  const backend = createBackend({ dataDir: tempDir() });
  t.after(() => backend.close());
  await assert.rejects(backend.gate.invoke('app:nope', {}), (e: Error) => e instanceof UnknownCallError && /Unknown call "app:nope"/.test(e.message));
  await assert.rejects(backend.gate.invoke('__proto__', {}), (e: Error) => e instanceof UnknownCallError);
  await assert.rejects(backend.gate.invoke('jobs:cancel', { id: 42 }), (e: Error) => e instanceof InvalidError && e.issues?.[0]?.path === 'id');
  await assert.rejects(backend.gate.invoke('app:info', { extra: true }), (e: Error) => e instanceof InvalidError);
  const env = await backend.gate.invokeEnvelope('jobs:cancel', {});
  assert.equal(env.ok, false);
  if (!env.ok) assert.match(env.error.message, /Invalid input for "jobs:cancel": id:/);
});

test('desktop-only calls explain themselves in browser mode', async (t) => {
  const backend = createBackend({ dataDir: tempDir() });
  t.after(() => backend.close());
  await assert.rejects(backend.gate.invoke('dialog:pickFolder', {}), (e: Error) => e instanceof UnsupportedError && /type the folder path/.test(e.message));
});
