import http, { type IncomingMessage, type ServerResponse } from 'node:http';
import fs from 'node:fs';
import type { AddressInfo } from 'node:net';
import { WebSocketServer, type WebSocket } from 'ws';
import type { Backend } from '../backend';
import type { Envelope } from '../../contract/errors';
import { httpStatusOf } from '../api/errors';
import { TOKEN_COOKIE, checkHostAndOrigin, checkToken, hasValidToken, newToken } from './auth';
import { BASE_HEADERS, contentSecurityPolicy } from '../web/security-headers';
import { contentType, resolveStatic } from '../web/static-files';

export interface BridgeOptions {
  backend: Backend;
  /** The built renderer (dist/renderer). */
  rendererDir: string;
  port?: number;
  token?: string;
}

export interface Bridge {
  url: string;
  /** The URL to open: carries the token once; the page then keeps it in an HttpOnly cookie. */
  loginUrl: string;
  port: number;
  token: string;
  close(): Promise<void>;
}

// Dropped images travel as base64 in predict:images; everything else is tiny.
const MAX_BODY = 12 * 1024 * 1024;
const API_PREFIX = '/api/call/';

/**
 * The local bridge: serves the renderer and the API contract over HTTP + WebSocket on 127.0.0.1 only, for
 * browser mode and end-to-end tests. Every request needs the per-start token and a loopback Host/Origin.
 */
// eslint-disable-next-line max-lines-per-function -- one request router: its routes share the server, token and port it sets up
export async function startBridge(opts: BridgeOptions): Promise<Bridge> {
  const token = opts.token ?? newToken();
  const { backend } = opts;
  let port = 0;

  const server = http.createServer((req, res) => {
    handle(req, res).catch((err) => {
      if (!res.headersSent) sendJson(res, 500, { ok: false, error: { code: 'internal', message: String(err?.message ?? err) } });
      else res.destroy();
    });
  });
  server.requestTimeout = 60_000;
  server.headersTimeout = 15_000;

  async function handle(req: IncomingMessage, res: ServerResponse) {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = checkHostAndOrigin(req, port);
    if (refused) return sendText(res, 403, `Forbidden: ${refused}.`);
    const access = checkToken(req, url, token);
    if (access === 'stale-cookie') {
      return sendText(
        res,
        401,
        'Poster Tagger was started again since this browser last opened it, so the access key it remembers is no longer valid. ' +
          'Open the full URL (with ?token=…) that the app printed when it started this time; it replaces the old key.',
      );
    }
    if (access !== 'ok') {
      return sendText(res, 401, 'Poster Tagger: this page needs the access token. Open the full URL printed when the app started.');
    }
    if (url.searchParams.has('token') && req.method === 'GET' && !url.pathname.startsWith('/api/')) {
      // First visit: move the token into an HttpOnly cookie and drop it from the address bar.
      url.searchParams.delete('token');
      res.writeHead(303, {
        ...BASE_HEADERS,
        'Set-Cookie': `${TOKEN_COOKIE}=${token}; HttpOnly; SameSite=Strict; Path=/`,
        Location: url.pathname + url.search,
      });
      return res.end();
    }
    if (url.pathname.startsWith(API_PREFIX)) return handleCall(req, res, url.pathname.slice(API_PREFIX.length));
    if (url.pathname.startsWith('/media/')) return handleMedia(req, res, url);
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, 'Method not allowed.');
    const file = resolveStatic(opts.rendererDir, url.pathname);
    if (!file) return sendText(res, 404, 'Not found.');
    res.writeHead(200, {
      ...BASE_HEADERS,
      'Content-Type': contentType(file),
      'Content-Security-Policy': contentSecurityPolicy(),
      'Cache-Control': file.endsWith('index.html') ? 'no-store' : 'max-age=3600',
    });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(file).pipe(res);
  }

  async function handleCall(req: IncomingMessage, res: ServerResponse, name: string) {
    if (req.method !== 'POST') return sendJson(res, 405, fail('invalid_input', 'API calls are POST requests.'));
    if (!(req.headers['content-type'] ?? '').startsWith('application/json')) {
      return sendJson(res, 415, fail('invalid_input', 'API calls must send Content-Type: application/json.'));
    }
    let body: unknown;
    try {
      body = JSON.parse((await readBody(req)) || '{}');
    } catch (err) {
      const tooBig = (err as Error).message === 'too large';
      return sendJson(res, tooBig ? 413 : 400, fail('invalid_input', tooBig ? 'Request body is larger than 12 MB.' : 'Request body is not valid JSON.'));
    }
    const input = body && typeof body === 'object' && 'input' in body ? (body as { input: unknown }).input : undefined;
    let callName: string;
    try {
      callName = decodeURIComponent(name);
    } catch {
      return sendJson(res, 400, fail('invalid_input', 'The call name is not valid percent-encoding.'));
    }
    const envelope = await backend.gate.invokeEnvelope(callName, input);
    sendJson(res, httpStatusOf(envelope), envelope);
  }

  async function handleMedia(req: IncomingMessage, res: ServerResponse, url: URL) {
    const found = backend.media ? await backend.media.resolve(url.pathname.slice('/media/'.length), url.searchParams) : undefined;
    if (!found) return sendText(res, 404, 'No such image, or it is outside the opened libraries.');
    res.writeHead(200, { ...BASE_HEADERS, 'Content-Type': found.contentType, 'Cache-Control': 'private, max-age=300' });
    if (req.method === 'HEAD') return res.end();
    fs.createReadStream(found.file)
      .on('error', () => res.destroy())
      .pipe(res);
  }

  // Events: one WebSocket per page, same token and Host/Origin rules as HTTP.
  const wss = new WebSocketServer({ noServer: true, maxPayload: 64 * 1024 });
  const sockets = new Set<WebSocket>();
  server.on('upgrade', (req, socket, head) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    const refused = checkHostAndOrigin(req, port) ?? (hasValidToken(req, url, token) ? undefined : 'missing or wrong token');
    if (refused || url.pathname !== '/api/events') {
      socket.end(`HTTP/1.1 ${refused ? 403 : 404} ${refused ? 'Forbidden' : 'Not Found'}\r\nConnection: close\r\n\r\n`);
      return;
    }
    wss.handleUpgrade(req, socket, head, (ws) => {
      sockets.add(ws);
      ws.on('close', () => sockets.delete(ws));
      ws.on('error', () => sockets.delete(ws));
    });
  });
  const unsubscribe = backend.bus.subscribe((event, payload) => {
    const message = JSON.stringify({ event, payload });
    for (const ws of sockets) if (ws.readyState === ws.OPEN) ws.send(message);
  });

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  port = (server.address() as AddressInfo).port;
  const base = `http://127.0.0.1:${port}`;
  return {
    url: base + '/',
    loginUrl: `${base}/?token=${token}`,
    port,
    token,
    async close() {
      unsubscribe();
      for (const ws of sockets) ws.terminate();
      wss.close();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function fail(code: 'invalid_input', message: string): Envelope<never> {
  return { ok: false, error: { code, message } };
}

function sendJson(res: ServerResponse, status: number, body: unknown) {
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'application/json; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(JSON.stringify(body));
}

function sendText(res: ServerResponse, status: number, text: string) {
  res.writeHead(status, { ...BASE_HEADERS, 'Content-Type': 'text/plain; charset=utf-8', 'Cache-Control': 'no-store' });
  res.end(text);
}

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        reject(new Error('too large'));
        req.resume();
        return;
      }
      chunks.push(c);
    });
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}
