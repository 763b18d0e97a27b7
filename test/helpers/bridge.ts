import http from 'node:http';
import fs from 'node:fs';
import path from 'node:path';
import { createBackend, type Backend } from '../../main/backend';
import { startBridge, type Bridge } from '../../main/bridge/server';
import { tempDir } from './temp';

/** A back end on a throwaway data folder with its bridge; the renderer folder may be a stub. */
export async function startTestBridge(opts: { rendererDir?: string } = {}): Promise<{ backend: Backend; bridge: Bridge; stop(): Promise<void> }> {
  const dataDir = tempDir();
  let rendererDir = opts.rendererDir;
  if (!rendererDir) {
    rendererDir = path.join(dataDir, 'renderer');
    fs.mkdirSync(rendererDir);
    fs.writeFileSync(path.join(rendererDir, 'index.html'), '<!doctype html><title>stub</title>');
  }
  const backend = createBackend({ dataDir: path.join(dataDir, 'data'), validateOutput: true });
  const bridge = await startBridge({ backend, rendererDir });
  return {
    backend,
    bridge,
    stop: async () => {
      await bridge.close();
      await backend.close();
    },
  };
}

export interface RawResponse {
  status: number;
  headers: http.IncomingHttpHeaders;
  body: string;
}

/** A raw HTTP request, so tests can forge Host/Origin headers the way a hostile page would. */
export function rawRequest(port: number, opts: { method?: string; path: string; headers?: Record<string, string>; body?: string }): Promise<RawResponse> {
  return new Promise((resolve, reject) => {
    const req = http.request({ host: '127.0.0.1', port, method: opts.method ?? 'GET', path: opts.path, headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
    });
    req.on('error', reject);
    if (opts.body) req.write(opts.body);
    req.end();
  });
}

export function apiCall(bridge: Bridge, name: string, input: unknown, headers: Record<string, string> = {}) {
  return rawRequest(bridge.port, {
    method: 'POST',
    path: `/api/call/${name}`,
    headers: { 'Content-Type': 'application/json', Authorization: `Bearer ${bridge.token}`, ...headers },
    body: JSON.stringify({ input }),
  });
}
