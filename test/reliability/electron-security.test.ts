// The Electron security review as tests, beyond test/unit/electron/security.test.ts (window options, the CSP
// function, the preload's call list): IPC sender validation, the CSP and headers the bridge really sends,
// what the preload hands to page listeners, and the fuses of the packaged app (electron-builder.yml).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import Module from 'node:module';
import path from 'node:path';
import { isOwnFrame } from '../../main/electron/frame-origin';
import { startTestBridge, rawRequest, apiCall } from '../helpers/bridge';
import { callNames, eventNames } from '../../contract';
import { CONTRACT_NAMES_CHANNEL } from '../../preload/channels';
import { record } from './stats';

const ROOT = path.resolve(__dirname, '..', '..');
const SUITE = 'electron security';

test('IPC is answered only for our own page: look-alike, foreign and broken sender URLs are refused', () => {
  for (const own of ['app://poster-tagger/index.html', 'app://poster-tagger/', 'app://poster-tagger/#/train?x=1']) {
    assert.equal(isOwnFrame(own), true, own);
  }
  const foreign = [
    undefined,
    '',
    'not a url',
    'app:',
    'app://',
    'app://poster-tagger.evil.com/',
    'app://evil/',
    'app://poster-tagger:8080/',
    'app://poster-tagger@evil.com/',
    'app://user:pw@poster-tagger/',
    'app://evil.com/poster-tagger/',
    'apps://poster-tagger/',
    'http://poster-tagger/',
    'https://poster-tagger/',
    'http://127.0.0.1:5173/',
    'file:///app/index.html',
    'about:blank',
    'data:text/html,<script>1</script>',
    'javascript:alert(1)',
    'devtools://devtools/bundled/inspector.html',
    'poster-media://poster-tagger/',
    'blob:app://poster-tagger/1234',
  ];
  for (const url of foreign) assert.equal(isOwnFrame(url), false, String(url));
  record(SUITE, 'badInputs', foreign.length);
});

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
before(async () => {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
  const renderer = fs.mkdtempSync(path.join(require('node:os').tmpdir(), 'renderer-'));
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html><script type="module" src="/app.js"></script>');
  fs.writeFileSync(path.join(renderer, 'app.js'), 'console.log(1)');
  ctx = await startTestBridge({ rendererDir: renderer });
});
after(() => ctx.stop());

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((p) => p[0])
      .map(([name, ...values]) => [name, values]),
  );
}

test('the renderer gets a strict CSP on every page the bridge serves, and safe headers everywhere', async () => {
  const auth = { Authorization: `Bearer ${ctx.bridge.token}` };
  for (const p of ['/', '/index.html', '/train', '/gallery/12?x=<script>']) {
    const r = await rawRequest(ctx.bridge.port, { path: p, headers: auth });
    assert.equal(r.status, 200, p);
    const csp = directives(String(r.headers['content-security-policy']));
    assert.deepEqual(csp.get('default-src'), ["'self'"], p);
    assert.deepEqual(csp.get('script-src'), ["'self'"], `${p}: no inline or eval'd script, no other origin`);
    assert.deepEqual(csp.get('object-src'), ["'none'"]);
    assert.deepEqual(csp.get('base-uri'), ["'none'"]);
    assert.deepEqual(csp.get('form-action'), ["'none'"]);
    assert.deepEqual(csp.get('frame-ancestors'), ["'none'"]);
    assert.deepEqual(csp.get('connect-src'), ["'self'"], 'the page talks only to its own bridge');
    for (const [name, values] of csp) {
      assert.ok(!values.includes('*') && !values.some((v) => /^https?:$|^http:\/\//.test(v)), `${name} allows a wildcard or remote origin`);
    }
    assert.equal(r.headers['x-frame-options'], 'DENY');
    assert.equal(r.headers['x-content-type-options'], 'nosniff');
    assert.equal(r.headers['referrer-policy'], 'no-referrer');
    assert.equal(r.headers['cross-origin-opener-policy'], 'same-origin');
  }
  const js = await rawRequest(ctx.bridge.port, { path: '/app.js', headers: auth });
  assert.match(String(js.headers['content-type']), /^text\/javascript/);
  assert.equal(js.headers['x-content-type-options'], 'nosniff');
  const api = await apiCall(ctx.bridge, 'app:info', {});
  assert.equal(api.headers['x-content-type-options'], 'nosniff');
  assert.equal(api.headers['cache-control'], 'no-store');
  assert.equal(api.headers['access-control-allow-origin'], undefined, 'no CORS: other sites cannot read answers');
});

test('the preload hands page listeners only the payload, never the IPC event (which reaches ipcRenderer)', () => {
  const exposed: Record<string, any> = {};
  const listeners: ((...a: unknown[]) => void)[] = [];
  const fakeElectron = {
    contextBridge: { exposeInMainWorld: (key: string, api: unknown) => (exposed[key] = api) },
    ipcRenderer: {
      invoke: () => Promise.resolve(),
      on: (_c: string, l: (...a: unknown[]) => void) => listeners.push(l),
      off() {},
      send() {
        throw new Error('send must not be used');
      },
      sendSync: (channel: string) => {
        assert.equal(channel, CONTRACT_NAMES_CHANNEL);
        return { calls: callNames, events: eventNames };
      },
    },
  };
  const loader = Module as unknown as { _load: (...a: unknown[]) => unknown };
  const original = loader._load;
  loader._load = function (request: unknown, ...rest: unknown[]) {
    return request === 'electron' ? fakeElectron : original.call(this, request, ...rest);
  };
  try {
    delete require.cache[require.resolve('../../preload/index')];
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
    require('../../preload/index');
  } finally {
    loader._load = original;
  }
  const got: unknown[][] = [];
  exposed.posterTagger.on(eventNames[0], (...args: unknown[]) => got.push(args));
  const ipcEvent = { sender: fakeElectron.ipcRenderer, senderFrame: {} };
  for (const l of listeners) l(ipcEvent, eventNames[0], { ok: 1 });
  assert.deepEqual(got, [[{ ok: 1 }]]);
  // Nothing exposed is a function that takes a channel name.
  assert.deepEqual(
    Object.keys(exposed.posterTagger.calls).filter((k) => !k.includes(':')),
    [],
  );
  assert.throws(() => exposed.posterTagger.on('__proto__', () => {}), /Unknown event/);
  assert.deepEqual(Object.keys(exposed.posterTagger.calls), callNames, 'every call of the contract, and only those');
});

test('the built preload requires nothing but electron (a sandboxed preload cannot load Node modules)', () => {
  const built = path.join(__dirname, '..', '..', 'dist', 'preload.js');
  const required = [...fs.readFileSync(built, 'utf8').matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]);
  assert.deepEqual([...new Set(required)], ['electron']);
});

/** The `electronFuses:` block of electron-builder.yml as key → value (a YAML parser is not installed). */
function fusesOf(yaml: string): Record<string, string> {
  const out: Record<string, string> = {};
  let inBlock = false;
  for (const raw of yaml.split(/\r?\n/)) {
    const line = raw.replace(/\s+#.*$/, '');
    if (/^electronFuses:\s*$/.test(line)) {
      inBlock = true;
      continue;
    }
    if (!inBlock) continue;
    if (/^\S/.test(line)) break; // the next top-level key
    const m = /^\s+([A-Za-z]+):\s*(\S+)\s*$/.exec(line);
    if (m) out[m[1]] = m[2];
  }
  return out;
}

test('the packaged app has its Electron fuses set: no RunAsNode, encrypted cookies, ASAR integrity', () => {
  const fuses = fusesOf(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8'));
  assert.equal(fuses.runAsNode, 'false', 'ELECTRON_RUN_AS_NODE would turn the app into a plain Node');
  assert.equal(fuses.enableCookieEncryption, 'true');
  assert.equal(fuses.enableEmbeddedAsarIntegrityValidation, 'true');
  assert.equal(fuses.onlyLoadAppFromAsar, 'true');
  assert.equal(fuses.enableNodeOptionsEnvironmentVariable, 'false', 'NODE_OPTIONS could inject code');
  assert.equal(fuses.enableNodeCliInspectArguments, 'false', '--inspect would open a debugger port');
  assert.equal(fuses.grantFileProtocolExtraPrivileges, 'false');
  assert.match(fs.readFileSync(path.join(ROOT, 'electron-builder.yml'), 'utf8'), /^asar: true\s*$/m);
  // The parser itself: a commented-out or mis-indented fuse must not count.
  assert.deepEqual(fusesOf('electronFuses:\n  runAsNode: false # off\n#  x: true\nother:\n  runAsNode: true\n'), { runAsNode: 'false' });
});
