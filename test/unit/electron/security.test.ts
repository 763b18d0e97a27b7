import { test } from 'node:test';
import assert from 'node:assert/strict';
import Module from 'node:module';
import { secureWebPreferences } from '../../../main/electron/window-options';
import { contentSecurityPolicy } from '../../../main/web/security-headers';
import { callNames, eventNames } from '../../../contract';
import { CONTRACT_NAMES_CHANNEL } from '../../../preload/channels';

test('renderer windows are sandboxed, isolated and have no Node', () => {
  const prefs = secureWebPreferences('/app/preload.js');
  assert.equal(prefs.sandbox, true);
  assert.equal(prefs.contextIsolation, true);
  assert.equal(prefs.nodeIntegration, false);
  assert.equal(prefs.nodeIntegrationInWorker, false);
  assert.equal(prefs.nodeIntegrationInSubFrames, false);
  assert.equal(prefs.webSecurity, true);
  assert.equal(prefs.webviewTag, false);
  assert.equal(prefs.allowRunningInsecureContent, false);
});

test('the CSP allows only our own scripts and no plugins, frames or form posts', () => {
  const csp = contentSecurityPolicy('poster-media:');
  assert.match(csp, /script-src 'self'(;|$)/);
  assert.doesNotMatch(csp, /unsafe-eval/);
  assert.doesNotMatch(csp, /script-src[^;]*unsafe-inline/);
  assert.match(csp, /object-src 'none'/);
  assert.match(csp, /frame-ancestors 'none'/);
  assert.match(csp, /img-src [^;]*poster-media:/);
});

test('the preload exposes exactly the contract calls and events, never ipcRenderer', async () => {
  const exposed: Record<string, unknown> = {};
  const invoked: string[] = [];
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
    ipcRenderer: {
      invoke: (ch: string) => (invoked.push(ch), Promise.resolve({ ok: true, result: null })),
      on() {},
      off() {},
      // The main process answers the names (main/electron/main.ts).
      sendSync: (ch: string) => (ch === CONTRACT_NAMES_CHANNEL ? { calls: callNames, events: eventNames } : undefined),
    },
  };
  const original = (Module as unknown as { _load: (...a: unknown[]) => unknown })._load;
  (Module as unknown as { _load: (...a: unknown[]) => unknown })._load = function (request: unknown, ...rest: unknown[]) {
    return request === 'electron' ? fakeElectron : original.call(this, request, ...rest);
  };
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
    require('../../../preload/index');
  } finally {
    (Module as unknown as { _load: unknown })._load = original;
  }
  assert.deepEqual(Object.keys(exposed), ['posterTagger']);
  const api = exposed.posterTagger as { calls: Record<string, (i: unknown) => Promise<unknown>>; on: (e: string, l: () => void) => () => void };
  assert.deepEqual(Object.keys(api).sort(), ['calls', 'mediaScheme', 'on']);
  assert.deepEqual(Object.keys(api.calls).sort(), [...callNames].sort());
  await api.calls['app:info']({});
  assert.deepEqual(invoked, ['app:info']);
  assert.throws(() => api.on('ipc:anything', () => {}), /Unknown event/);
  assert.equal(typeof api.on(eventNames[0], () => {}), 'function');
});
