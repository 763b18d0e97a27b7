import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import WebSocket from 'ws';
import { startTestBridge, rawRequest, apiCall } from '../../helpers/bridge';

let ctx: Awaited<ReturnType<typeof startTestBridge>>;
before(async () => (ctx = await startTestBridge()));
after(() => ctx.stop());

test('listens on loopback only', () => {
  assert.match(ctx.bridge.url, /^http:\/\/127\.0\.0\.1:\d+\/$/);
});

test('requests without the token are refused', async () => {
  const page = await rawRequest(ctx.bridge.port, { path: '/' });
  assert.equal(page.status, 401);
  const api = await rawRequest(ctx.bridge.port, { method: 'POST', path: '/api/call/app:info', headers: { 'Content-Type': 'application/json' }, body: '{}' });
  assert.equal(api.status, 401);
  const wrong = await apiCall(ctx.bridge, 'app:info', {}, { Authorization: 'Bearer not-the-token' });
  assert.equal(wrong.status, 401);
});

test('a foreign Host (DNS rebinding) or Origin (cross-site page) is refused even with the token', async () => {
  const host = await apiCall(ctx.bridge, 'app:info', {}, { Host: `evil.example:${ctx.bridge.port}` });
  assert.equal(host.status, 403);
  assert.match(host.body, /Host/);
  const origin = await apiCall(ctx.bridge, 'app:info', {}, { Origin: 'http://evil.example' });
  assert.equal(origin.status, 403);
  assert.match(origin.body, /Origin/);
  const otherPort = await apiCall(ctx.bridge, 'app:info', {}, { Origin: 'http://127.0.0.1:1' });
  assert.equal(otherPort.status, 403);
});

test('the token in the URL becomes an HttpOnly cookie and the page is served with a strict CSP', async () => {
  const first = await rawRequest(ctx.bridge.port, { path: `/?token=${ctx.bridge.token}` });
  assert.equal(first.status, 303);
  assert.equal(first.headers.location, '/');
  const cookie = String(first.headers['set-cookie']);
  assert.match(cookie, /HttpOnly/);
  assert.match(cookie, /SameSite=Strict/);
  const page = await rawRequest(ctx.bridge.port, { path: '/', headers: { Cookie: cookie.split(';')[0] } });
  assert.equal(page.status, 200);
  assert.match(String(page.headers['content-security-policy']), /script-src 'self'/);
  assert.equal(page.headers['x-frame-options'], 'DENY');
});

test('after a restart, the new URL token wins over the cookie of the earlier start and replaces it', async () => {
  // Cookies ignore the port: the browser still sends the previous start's cookie to the new server.
  const stale = 'poster_tagger_token=token-of-an-earlier-start';
  const first = await rawRequest(ctx.bridge.port, { path: `/?token=${ctx.bridge.token}`, headers: { Cookie: stale } });
  assert.equal(first.status, 303, 'the right URL token is accepted although a stale cookie came with it');
  const cookie = String(first.headers['set-cookie']).split(';')[0];
  assert.equal(cookie, `poster_tagger_token=${ctx.bridge.token}`, 'the stale cookie is replaced');
  assert.equal((await rawRequest(ctx.bridge.port, { path: '/', headers: { Cookie: cookie } })).status, 200);
  // The stale cookie alone gets a page that says what happened and what to do.
  const alone = await rawRequest(ctx.bridge.port, { path: '/', headers: { Cookie: stale } });
  assert.equal(alone.status, 401);
  assert.match(alone.body, /started again/);
  assert.match(alone.body, /\?token=/);
});

test('valid calls answer; invalid ones get a clear validation error', async () => {
  const ok = await apiCall(ctx.bridge, 'app:info', {});
  assert.equal(ok.status, 200);
  const body = JSON.parse(ok.body);
  assert.equal(body.ok, true);
  assert.equal(body.result.dataDir, ctx.backend.paths.root);

  const unknown = await apiCall(ctx.bridge, 'files:deleteEverything', {});
  assert.equal(unknown.status, 404);
  assert.equal(JSON.parse(unknown.body).error.code, 'unknown_call');

  // A refused call is an answer (200, ok: false), so browsers do not log it as a failed resource.
  const bad = await apiCall(ctx.bridge, 'jobs:cancel', { id: ['x'] });
  assert.equal(bad.status, 200);
  assert.equal(JSON.parse(bad.body).ok, false);
  const err = JSON.parse(bad.body).error;
  assert.equal(err.code, 'invalid_input');
  assert.match(err.message, /id: /);

  const notJson = await apiCall(ctx.bridge, 'app:info', undefined, {});
  assert.equal(notJson.status, 200); // an absent input means {}
  const garbage = await rawRequest(ctx.bridge.port, {
    method: 'POST',
    path: '/api/call/app:info',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ctx.bridge.token}` },
    body: '{nope',
  });
  assert.equal(garbage.status, 400);
  const huge = await rawRequest(ctx.bridge.port, {
    method: 'POST',
    path: '/api/call/app:info',
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${ctx.bridge.token}` },
    body: JSON.stringify({ input: { pad: 'x'.repeat(13_000_000) } }),
  });
  assert.equal(huge.status, 413);
  const missing = await apiCall(ctx.bridge, 'jobs:cancel', { id: 'no-such-job' });
  assert.equal(missing.status, 200);
  assert.equal(JSON.parse(missing.body).error.code, 'not_found');
  // The server keeps serving after all of that.
  assert.equal((await apiCall(ctx.bridge, 'app:info', {})).status, 200);
});

test('static paths cannot escape the renderer folder', async () => {
  const auth = { Authorization: `Bearer ${ctx.bridge.token}` };
  const passwd = await rawRequest(ctx.bridge.port, { path: '/..%2f..%2f..%2f..%2f..%2fetc%2fpasswd', headers: auth });
  assert.doesNotMatch(passwd.body, /root:/); // falls back to the app's index page at most
  const pkg = await rawRequest(ctx.bridge.port, { path: '/..%2f..%2f..%2fpackage.json', headers: auth });
  assert.equal(pkg.status, 404);
  const nul = await rawRequest(ctx.bridge.port, { path: '/index.html%00.js', headers: auth });
  assert.equal(nul.status, 404);
});

test('events reach WebSocket clients that present the token, and nobody else', async () => {
  const url = `ws://127.0.0.1:${ctx.bridge.port}/api/events`;
  const refused = new WebSocket(url);
  const refusal = await new Promise<string>((resolve) => {
    refused.on('unexpected-response', (_req, res) => resolve(String(res.statusCode)));
    refused.on('error', (e) => resolve(e.message));
  });
  assert.match(refusal, /403/);

  const ws = new WebSocket(`${url}?token=${ctx.bridge.token}`);
  await new Promise((resolve, reject) => {
    ws.on('open', resolve);
    ws.on('error', reject);
  });
  const got = new Promise<{ event: string; payload: { title: string; status: string } }>((resolve) => {
    ws.on('message', (m) => {
      const msg = JSON.parse(String(m));
      if (msg.payload.status === 'done') resolve(msg);
    });
  });
  ctx.backend.jobs.start({ kind: 'index', title: 'Ping', run: async () => 1 });
  const msg = await got;
  assert.equal(msg.event, 'job:update');
  assert.equal(msg.payload.title, 'Ping');
  ws.close();
});
