import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import http from 'node:http';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { downloadBackbone, type DownloadProgress } from '../../../../main/ml/backbones/downloadable';
import { importBackboneFolder, readManifest } from '../../../../main/ml/backbones/user-backbones';
import { BackboneCatalog } from '../../../../main/ml/backbones/catalog';
import { openBackbone } from '../../../../main/ml/backbones/open';
import { sha256, writeTinyGraphModel } from './fixtures';
import { tempDir } from '../../../helpers/temp';
import { testBackend, waitForJob } from '../../../helpers/backend';

const ID = 'mobilenet_v2_imagenet';
const SHARD = 'group1-shard1of1';

/** Serves the tiny graph model under any path; `mode` picks a failure. */
function serve(modelDir: string) {
  const state = { mode: 'ok' as 'ok' | 'truncate' | 'hang' | 'badjson', hanging: [] as http.ServerResponse[] };
  const server = http.createServer((req, res) => {
    const name = path.basename(new URL(req.url ?? '/', 'http://x').pathname);
    const file = path.join(modelDir, name);
    if (!['model.json', SHARD].includes(name) || !fs.existsSync(file)) {
      res.writeHead(404).end('not found');
      return;
    }
    let body = fs.readFileSync(file);
    if (name === 'model.json' && state.mode === 'badjson') body = Buffer.from('{"modelTopology": ');
    if (name === SHARD && state.mode === 'truncate') body = body.subarray(0, body.length - 100);
    if (name === SHARD && state.mode === 'hang') {
      // Half the shard, then nothing: the test cancels while the download waits.
      res.writeHead(200, { 'content-length': String(body.length) });
      res.write(body.subarray(0, 200));
      state.hanging.push(res);
      return;
    }
    res.writeHead(200, { 'content-length': String(body.length) }).end(body);
  });
  return { server, state };
}

function entriesIn(dir: string): string[] {
  return fs.existsSync(dir) ? fs.readdirSync(dir) : [];
}

describe('downloadable and imported backbones', () => {
  const work = tempDir('pt-download-');
  const modelDir = path.join(work, 'served');
  writeTinyGraphModel(modelDir);
  const { server, state } = serve(modelDir);
  let base = '';

  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hub`;
  });
  after(async () => {
    state.hanging.forEach((r) => r.destroy());
    server.closeAllConnections();
    await new Promise((r) => server.close(r));
    fs.rmSync(work, { recursive: true, force: true });
  });

  it('downloads with progress, records sha256s, lists, opens and embeds', async () => {
    const dir = path.join(work, 'b1');
    const catalog = new BackboneCatalog({ userDir: dir });
    assert.equal(catalog.available().find((a) => a.id === ID)?.problem, 'not downloaded yet');
    // Another back end's catalogue (another data folder) does not see it.
    assert.equal(new BackboneCatalog().find(ID), undefined);
    state.mode = 'ok';
    const seen: DownloadProgress[] = [];
    const entry = await downloadBackbone(ID, { baseUrl: base, backbonesDir: dir, onProgress: (p) => seen.push(p) });
    const shardBytes = fs.statSync(path.join(modelDir, SHARD)).size;
    assert.ok(seen.length >= 2);
    assert.deepEqual(seen.at(-1), { file: SHARD, bytesDone: shardBytes, bytesTotal: shardBytes });
    assert.deepEqual(entriesIn(dir), [ID]); // no temp folder left
    const m = readManifest(path.join(dir, ID));
    assert.ok(m);
    assert.equal(m.kind, 'downloaded');
    assert.equal(m.sha256[SHARD], sha256(fs.readFileSync(path.join(modelDir, SHARD))));
    assert.equal(m.sha256['model.json'], sha256(fs.readFileSync(path.join(modelDir, 'model.json'))));
    assert.equal(m.inputNode, 'image');
    assert.equal(m.embeddingNode, 'head'); // the model's output, 2 channels
    assert.equal(entry.embeddingSize, 2);
    assert.equal(catalog.available().find((a) => a.id === ID)?.installed, true);

    const bb = await openBackbone(ID, { entries: catalog.entries() });
    assert.equal(bb.engine, 'tfjs');
    const pixels = new Uint8Array(2 * 224 * 224 * 3).map((_, i) => (i * 7) % 256);
    const emb = await bb.embed(pixels, 2);
    assert.equal(emb.length, 4);
    assert.ok(emb.every(Number.isFinite));
    await bb.dispose();

    // Tampering with a file is caught when the backbone is opened or listed.
    const shard = path.join(dir, ID, SHARD);
    const bytes = fs.readFileSync(shard);
    bytes[10] ^= 0xff;
    fs.writeFileSync(shard, bytes);
    await assert.rejects(openBackbone(ID, { entries: catalog.entries() }), /group1-shard1of1 has sha256 .* expected/);
    assert.equal(catalog.available().find((a) => a.id === ID)?.installed, false);
  });

  it('reports unknown ids, truncated shards, bad JSON and an unreachable server clearly, leaving nothing behind', async () => {
    const dir = path.join(work, 'b2');
    await assert.rejects(downloadBackbone('no_such_backbone', { baseUrl: base, backbonesDir: dir }), /not a downloadable backbone/);

    state.mode = 'truncate';
    await assert.rejects(downloadBackbone(ID, { baseUrl: base, backbonesDir: dir }), /failed its check after downloading: .*truncated/);
    state.mode = 'badjson';
    await assert.rejects(downloadBackbone(ID, { baseUrl: base, backbonesDir: dir }), /is not valid JSON/);
    state.mode = 'ok';

    const closed = http.createServer();
    await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
    const port = (closed.address() as AddressInfo).port;
    await new Promise((r) => closed.close(r));
    await assert.rejects(
      downloadBackbone(ID, { baseUrl: `http://127.0.0.1:${port}`, backbonesDir: dir }),
      /could not download .*ECONNREFUSED.*check your network/,
    );
    assert.deepEqual(entriesIn(dir), []);
  });

  it('gives HTTP 404 for a missing file', async () => {
    const dir = path.join(work, 'b404');
    const served = path.join(work, 'served-404');
    writeTinyGraphModel(served);
    fs.rmSync(path.join(served, SHARD));
    const srv = serve(served);
    await new Promise<void>((r) => srv.server.listen(0, '127.0.0.1', r));
    try {
      const url = `http://127.0.0.1:${(srv.server.address() as AddressInfo).port}`;
      await assert.rejects(downloadBackbone(ID, { baseUrl: url, backbonesDir: dir }), /could not download .*group1-shard1of1: HTTP 404/);
      assert.deepEqual(entriesIn(dir), []);
    } finally {
      srv.server.closeAllConnections();
      await new Promise((r) => srv.server.close(r));
    }
  });

  it('cancels mid-download and leaves nothing in place', async () => {
    const dir = path.join(work, 'b3');
    state.mode = 'hang';
    const ac = new AbortController();
    const p = downloadBackbone(ID, { baseUrl: base, backbonesDir: dir, signal: ac.signal, onProgress: (x) => x.bytesDone > 0 && ac.abort() });
    await assert.rejects(p, { name: 'CancelledError' });
    state.mode = 'ok';
    assert.deepEqual(entriesIn(dir), []);
  });

  it('imports a graph model folder after checking it runs', async () => {
    const dir = path.join(work, 'b4');
    const catalog = new BackboneCatalog({ userDir: dir });
    const src = path.join(work, 'My Tiny Net');
    writeTinyGraphModel(src);
    const entry = await importBackboneFolder(src, { inputSize: 16, embeddingNode: 'features', preprocessing: { kind: 'raw' }, backbonesDir: dir });
    assert.equal(entry.id, 'my_tiny_net');
    assert.equal(entry.embeddingSize, 8);
    assert.equal(readManifest(path.join(dir, 'my_tiny_net'))?.kind, 'imported');
    const bb = await openBackbone('my_tiny_net', { engine: 'auto', entries: catalog.entries() });
    const emb = await bb.embed(new Uint8Array(16 * 16 * 3).fill(90), 1);
    assert.equal(emb.length, 8);
    await bb.dispose();

    // A folder whose shard is short, or whose node does not exist, is refused and not installed.
    const bad = path.join(work, 'bad');
    writeTinyGraphModel(bad);
    fs.truncateSync(path.join(bad, SHARD), 50);
    await assert.rejects(importBackboneFolder(bad, { inputSize: 16, backbonesDir: dir }), /truncated/);
    writeTinyGraphModel(bad);
    await assert.rejects(importBackboneFolder(bad, { inputSize: 16, embeddingNode: 'nope', backbonesDir: dir }), /Cannot import the backbone .*does not run/);
    assert.deepEqual(entriesIn(dir), ['my_tiny_net']);
  });

  it('works through the API: options, download job, import', async () => {
    const b = testBackend();
    process.env.POSTER_TAGGER_BACKBONE_BASE_URL = base;
    try {
      const before = await b.call('train:options', {});
      const opt = before.backbones.find((x) => x.id === ID);
      assert.equal(opt?.available, false);
      assert.equal(opt?.reason, 'not downloaded yet');
      const job = await b.call('backbones:download', { id: ID });
      const done = await waitForJob(b, job.id, 20_000);
      assert.equal(done.status, 'done', done.error ?? undefined);
      assert.equal((await b.call('train:options', {})).backbones.find((x) => x.id === ID)?.available, true);

      const src = path.join(work, 'api_net');
      writeTinyGraphModel(src);
      const imported = await b.call('backbones:import', { folder: src, inputSize: 32, label: 'API net' });
      assert.equal(imported.id, 'api_net');
      assert.equal(imported.available, true);
      await assert.rejects(b.call('backbones:import', { folder: path.join(work, 'nowhere') }), /is not a folder/);
    } finally {
      delete process.env.POSTER_TAGGER_BACKBONE_BASE_URL;
      await b.close();
    }
  });
});
