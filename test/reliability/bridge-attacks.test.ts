// Hostile requests against the local bridge: path traversal and symlink escapes on the media and static
// routes, and malformed, oversized or slow API requests. Each is refused with a 4xx; the server keeps serving.
// (test/unit/bridge covers the token, Host/Origin checks and the basic cases; this goes further.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import { startTestBridge, rawRequest, apiCall } from '../helpers/bridge';
import { waitForJob } from '../helpers/backend';
import { makeTutorialLibrary } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { record } from './stats';

const SUITE = 'bridge attacks';
let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let root: string;
let outside: string;
let auth: Record<string, string>;
let attacks = 0;

before(async () => {
  ctx = await startTestBridge();
  auth = { Authorization: `Bearer ${ctx.bridge.token}` };
  const base = tempDir();
  root = path.join(base, 'library');
  await makeTutorialLibrary(root, { train: 4, val: 2, seed: 9 });
  outside = path.join(base, 'secret.txt');
  fs.writeFileSync(outside, 'TOP SECRET');
  const opened = await apiCall(ctx.bridge, 'library:open', { path: root });
  await waitForJob(ctx.backend, JSON.parse(opened.body).result.job.id);
});
after(async () => {
  record(SUITE, 'badInputs', attacks);
  await ctx.stop();
});

const get = (p: string, headers = auth) => rawRequest(ctx.bridge.port, { path: p, headers });
async function refused(p: string, why: string) {
  attacks++;
  const r = await get(p);
  assert.ok(r.status >= 400 && r.status < 500, `${why}: ${p} answered ${r.status}`);
  assert.doesNotMatch(r.body, /root:x:0|TOP SECRET/, `${why}: leaked a file`);
  return r;
}

test('media route: traversal, absolute paths and encodings outside the libraries are refused', async () => {
  const inLib = path.join(
    root,
    'train',
    fs.readdirSync(path.join(root, 'train')).find((f) => f.endsWith('.jpg'))!,
  );
  assert.equal((await get(`/media/file?path=${encodeURIComponent(inLib)}`)).status, 200, 'a file inside a library is served');
  for (const p of [
    '/etc/passwd',
    outside,
    `${root}/../secret.txt`,
    `${root}/train/../../secret.txt`,
    '../secret.txt',
    'train/../../secret.txt',
    `${root}/train/%2e%2e/%2e%2e/secret.txt`,
    `${inLib}\0.jpg`,
    `${root}`,
    '',
  ]) {
    await refused(`/media/file?path=${encodeURIComponent(p)}`, 'file route');
  }
  await refused(`/media/file?path=${root}/../secret.txt`, 'unencoded traversal');
  // Dot segments in the route itself are resolved by URL parsing first: at most the app's page answers.
  for (const p of ['/media/../../../../etc/passwd', '/media/%2e%2e/%2e%2e/etc/passwd', '/media/file/../../../etc/passwd']) {
    attacks++;
    const r = await get(p);
    assert.doesNotMatch(r.body, /root:x:0|TOP SECRET/, p);
  }
  for (const id of ['0', '-1', '1e3', '99999', '1;DROP TABLE images', '__proto__', '9007199254740993']) {
    await refused(`/media/image/${encodeURIComponent(id)}`, 'image id');
    await refused(`/media/thumb/${encodeURIComponent(id)}`, 'thumb id');
  }
});

test('media route: a poster swapped for a symlink to /etc/passwd (or a folder link leading out) is not served', async () => {
  const page = JSON.parse((await apiCall(ctx.bridge, 'posters:query', { libraryId: 1 })).body).result;
  const victim = page.items[0];
  assert.equal((await get(`/media/image/${victim.id}`)).status, 200);
  const abs = path.join(root, victim.relPath);
  fs.rmSync(abs);
  fs.symlinkSync('/etc/passwd', abs);
  await refused(`/media/image/${victim.id}`, 'swapped image');
  await refused(`/media/file?path=${encodeURIComponent(abs)}`, 'swapped file');
  const thumb = await get(`/media/thumb/${victim.id}`);
  assert.doesNotMatch(thumb.body, /root:x:0/, 'a thumbnail never comes from the link target');
  // A folder inside the library that links out.
  fs.symlinkSync(path.dirname(outside), path.join(root, 'escape'));
  await refused(`/media/file?path=${encodeURIComponent(path.join(root, 'escape', 'secret.txt'))}`, 'folder link');
  await refused(`/media/file?path=${encodeURIComponent('escape/secret.txt')}`, 'relative folder link');
  // Re-indexing does not follow the links either.
  const job = JSON.parse((await apiCall(ctx.bridge, 'library:index', { id: 1 })).body).result;
  assert.equal((await waitForJob(ctx.backend, job.id)).status, 'done');
  const after = JSON.parse((await apiCall(ctx.bridge, 'posters:query', { libraryId: 1, limit: 100 })).body).result;
  assert.ok(after.items.every((p: { relPath: string }) => !p.relPath.startsWith('escape/') && p.relPath !== victim.relPath));
});

test('media route: HTML or SVG inside a library is never served as a page', async () => {
  const html = path.join(root, 'evil.html');
  fs.writeFileSync(html, '<script>alert(document.cookie)</script>');
  const disguised = path.join(root, 'evil.jpg');
  fs.writeFileSync(disguised, '<script>alert(document.cookie)</script>');
  fs.writeFileSync(path.join(root, 'evil.svg'), '<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>');
  for (const f of [html, disguised, path.join(root, 'evil.svg')]) {
    attacks++;
    const r = await get(`/media/file?path=${encodeURIComponent(f)}`);
    if (r.status === 200) {
      assert.doesNotMatch(String(r.headers['content-type']), /html|svg|javascript|xml/, `${f} served as ${r.headers['content-type']}`);
      assert.equal(r.headers['x-content-type-options'], 'nosniff');
    }
  }
});

test('static route: symlinks and traversal out of the renderer folder are refused', async () => {
  const rendererDir = path.join(path.dirname(ctx.backend.paths.root), 'renderer');
  fs.symlinkSync(outside, path.join(rendererDir, 'leak.txt'));
  fs.symlinkSync(path.dirname(outside), path.join(rendererDir, 'assets-link'));
  await refused('/leak.txt', 'file symlink');
  await refused('/assets-link/secret.txt', 'folder symlink');
  for (const p of [
    '/../../../etc/passwd',
    '/%2e%2e/%2e%2e/etc/passwd',
    '/..%5c..%5cetc%5cpasswd',
    '/%c0%ae%c0%ae/etc/passwd',
    '//etc/passwd',
    '/index.html/../../secret.txt',
  ]) {
    attacks++;
    const r = await get(p);
    assert.doesNotMatch(r.body, /root:x:0|TOP SECRET/, p);
  }
});

test('malformed, oversized and slow requests get a 4xx, hostile input is refused, and the server keeps serving', async () => {
  const post = (p: string, body: string, headers: Record<string, string> = {}) =>
    rawRequest(ctx.bridge.port, { method: 'POST', path: p, headers: { 'Content-Type': 'application/json', ...auth, ...headers }, body });
  const cases: [string, () => Promise<{ status: number }>][] = [
    ['GET on a call', () => get('/api/call/app:info')],
    ['no content type', () => rawRequest(ctx.bridge.port, { method: 'POST', path: '/api/call/app:info', headers: auth, body: '{}' })],
    ['form post (CSRF style)', () => post('/api/call/library:remove', 'input=1', { 'Content-Type': 'application/x-www-form-urlencoded' })],
    ['bad percent-encoding in the name', () => post('/api/call/%E0%A4%A', '{}')],
    ['prototype names', () => post('/api/call/__proto__', '{}')],
    ['constructor', () => post('/api/call/constructor', '{}')],
    ['toString', () => post('/api/call/toString', '{}')],
    ['12 MB + 1 body', () => post('/api/call/app:info', JSON.stringify({ input: {}, pad: 'x'.repeat(12 * 1024 * 1024) }))],
    ['truncated JSON', () => post('/api/call/app:info', '{"input": {')],
    ['invalid UTF-8', () => post('/api/call/app:info', Buffer.from([0x7b, 0xff, 0xfe, 0x7d]).toString('latin1'))],
  ];
  for (const [name, send] of cases) {
    attacks++;
    const r = await send();
    assert.ok(r.status >= 400 && r.status < 500, `${name}: ${r.status}`);
  }
  // Well-formed calls with hostile input reach the gate, which refuses them with an answer (200, ok: false).
  const refused: [string, () => Promise<{ status: number; body: string }>][] = [
    ['deeply nested JSON', () => post('/api/call/app:info', '{"input":' + '['.repeat(100_000) + ']'.repeat(100_000) + '}')],
    ['input is a string', () => post('/api/call/posters:query', JSON.stringify({ input: 'DROP TABLE' }))],
    ['input with a prototype key', () => post('/api/call/posters:query', '{"input":{"__proto__":{"libraryId":1},"libraryId":1,"limit":1e9}}')],
    [
      'a huge array',
      () => post('/api/call/predict:files', JSON.stringify({ input: { runId: 1, paths: Array.from({ length: 100_000 }, () => '/etc/passwd') } })),
    ],
    ['path outside every library via the API', () => post('/api/call/library:writeBack', JSON.stringify({ input: { id: 99 } }))],
    ['reading /etc/passwd through predict:files', () => post('/api/call/predict:files', JSON.stringify({ input: { runId: 1, paths: ['/etc/passwd'] } }))],
  ];
  for (const [name, send] of refused) {
    attacks++;
    const r = await send();
    assert.equal(r.status, 200, `${name}: ${r.status}`);
    const body = JSON.parse(r.body) as { ok: boolean; error?: { code: string } };
    assert.equal(body.ok, false, `${name} was not refused`);
    assert.notEqual(body.error?.code, 'internal', `${name} crashed a handler`);
  }
  // Slowloris: a client that sends half a request and stalls does not block others.
  const slow = net.connect(ctx.bridge.port, '127.0.0.1');
  await new Promise((r) => slow.once('connect', r));
  slow.write(
    `POST /api/call/app:info HTTP/1.1\r\nHost: 127.0.0.1:${ctx.bridge.port}\r\nAuthorization: Bearer ${ctx.bridge.token}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"in`,
  );
  attacks++;
  assert.equal((await apiCall(ctx.bridge, 'app:info', {})).status, 200);
  slow.destroy();
  assert.equal((await apiCall(ctx.bridge, 'app:info', {})).status, 200, 'still serving');
  assert.equal(({} as Record<string, unknown>).libraryId, undefined, 'no prototype pollution');
});
