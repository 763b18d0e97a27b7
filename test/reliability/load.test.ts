// Load: 50 concurrent clients page through the gallery (posters:query with filters, posters:get, thumbnails)
// over the loopback bridge while indexing jobs run in the same back end, as in the app. Bounded in time;
// reports latency percentiles; no request may fail and the job must keep making progress.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import sharp from 'sharp';
import { startTestBridge, apiCall } from '../helpers/bridge';
import { waitForJob } from '../helpers/backend';
import { makeTutorialLibrary, rng, FIXTURE_GENRES } from '../helpers/posters';
import { tempDir } from '../helpers/temp';
import { LONG, record } from './stats';

const CLIENTS = 50;
const SECONDS = LONG ? 30 : 10;
let ctx: Awaited<ReturnType<typeof startTestBridge>>;
let libraryId: number;
const folders: string[] = [];

/** Folders of small distinct posters for the background indexing jobs (each file decodes and gets a thumbnail). */
async function makeFolder(dir: string, n: number, seed: number) {
  fs.mkdirSync(dir, { recursive: true });
  for (let i = 0; i < n; i++) {
    const c = (seed * 7919 + i * 104729) % 16777216;
    const jpeg = await sharp({ create: { width: 64, height: 96, channels: 3, background: { r: c & 255, g: (c >> 8) & 255, b: (c >> 16) & 255 } } })
      .jpeg()
      .toBuffer();
    fs.writeFileSync(path.join(dir, `p${i}.jpg`), jpeg);
  }
}

before(async () => {
  ctx = await startTestBridge();
  const base = tempDir();
  const gallery = path.join(base, 'gallery');
  await makeTutorialLibrary(gallery, { train: 150, val: 50, seed: 4, size: [48, 72] });
  const opened = JSON.parse((await apiCall(ctx.bridge, 'library:open', { path: gallery })).body).result;
  await waitForJob(ctx.backend, opened.job.id);
  libraryId = opened.library.id;
  for (let k = 0; k < (LONG ? 8 : 4); k++) {
    const dir = path.join(base, `incoming-${k}`);
    await makeFolder(dir, 400, k + 1);
    folders.push(dir);
  }
});
after(() => ctx.stop());

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

test(`${CLIENTS} clients query the gallery for ${SECONDS} s while indexing runs: no failure, bounded latency`, { timeout: 180_000 }, async (t) => {
  const agent = new http.Agent({ keepAlive: true, maxSockets: CLIENTS });
  const request = (method: string, p: string, body?: string) =>
    new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: ctx.bridge.port,
          method,
          path: p,
          agent,
          headers: { Authorization: `Bearer ${ctx.bridge.token}`, 'Content-Type': 'application/json' },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (c) => chunks.push(c));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }));
        },
      );
      req.on('error', reject);
      req.end(body);
    });

  const deadline = Date.now() + SECONDS * 1000;
  // Background work: index the incoming folders one after another for as long as the load lasts.
  let jobsDone = 0;
  let processed = 0;
  const background = (async () => {
    for (const dir of folders) {
      if (Date.now() > deadline) break;
      const opened = JSON.parse((await apiCall(ctx.bridge, 'library:open', { path: dir })).body).result;
      const final = await waitForJob(ctx.backend, opened.job.id);
      assert.equal(final.status, 'done', final.error);
      jobsDone++;
      processed += (final.result as { processed: number }).processed;
    }
  })();

  const latencies: number[] = [];
  const failures: string[] = [];
  const client = async (n: number) => {
    const rand = rng(n + 1);
    while (Date.now() < deadline) {
      const roll = rand();
      const q: Record<string, unknown> = { libraryId, limit: 50, offset: Math.floor(rand() * 150) };
      if (roll < 0.3) q.genres = [FIXTURE_GENRES[Math.floor(rand() * 5)]];
      else if (roll < 0.4) q.search = 'tt10000';
      else if (roll < 0.5) q.split = 'val';
      const t0 = performance.now();
      try {
        let r;
        if (roll > 0.9) r = await request('GET', `/media/thumb/${1 + Math.floor(rand() * 200)}`);
        else if (roll > 0.8) r = await request('POST', '/api/call/posters:get', JSON.stringify({ input: { id: 1 + Math.floor(rand() * 200) } }));
        else r = await request('POST', '/api/call/posters:query', JSON.stringify({ input: q }));
        latencies.push(performance.now() - t0);
        if (r.status !== 200) failures.push(`${r.status}: ${r.body.slice(0, 120)}`);
      } catch (err) {
        failures.push(String(err));
      }
    }
  };
  await Promise.all(Array.from({ length: CLIENTS }, (_, i) => client(i)));
  await background;
  agent.destroy();

  latencies.sort((a, b) => a - b);
  const [p50, p95, p99] = [50, 95, 99].map((p) => percentile(latencies, p));
  const summary = `${latencies.length} requests (${(latencies.length / SECONDS).toFixed(0)}/s), p50 ${p50.toFixed(1)} ms, p95 ${p95.toFixed(1)} ms, p99 ${p99.toFixed(1)} ms, max ${latencies[latencies.length - 1].toFixed(0)} ms; ${jobsDone} indexing jobs (${processed} posters) ran meanwhile`;
  t.diagnostic(summary);
  record('load', 'requests', latencies.length, summary);
  assert.deepEqual(failures.slice(0, 5), []);
  assert.ok(processed > 0, 'the indexing job made progress under load');
  assert.ok(latencies.length > CLIENTS * SECONDS, `only ${latencies.length} requests answered`);
  // Generous: the machine is shared; a gallery page normally answers in milliseconds.
  assert.ok(p99 < 5000, `p99 ${p99} ms`);
});
