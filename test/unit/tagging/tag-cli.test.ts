import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import Database from 'better-sqlite3';
import { parse } from 'csv-parse/sync';
import { testBackend, trainTinyModel } from '../../helpers/backend';
import { posterJpeg, FIXTURE_GENRES } from '../../helpers/posters';
import { tempDir } from '../../helpers/temp';
import { skipWithoutMobilenet as skip } from '../../helpers/backbones';
import { projectRoot } from '../../../main/core/project-root';
import { tagCommand } from '../../../main/cli/tag-command';
import type { CliIo } from '../../../main/cli/cli-io';

const N = 160;

let b: ReturnType<typeof testBackend>;
let runId: number;
let dataDir: string;
let folder: string;

before(async () => {
  if (skip) return;
  b = testBackend();
  dataDir = b.paths.root;
  const root = tempDir();
  ({ runId } = await trainTinyModel(b, path.join(root, 'training')));
  folder = path.join(root, 'incoming');
  fs.mkdirSync(folder);
  for (let i = 0; i < N; i++) fs.writeFileSync(path.join(folder, `p${String(i).padStart(4, '0')}.jpg`), await posterJpeg([FIXTURE_GENRES[i % 5]], 7000 + i));
});
after(() => b?.close());

/** Runs the CLI in a child process, as a user would. */
function cli(args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, ['--import', 'tsx', path.join(projectRoot(), 'main', 'cli', 'index.ts'), ...args], {
    cwd: projectRoot(),
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (d) => (stderr += d));
  child.stdout.resume();
  const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null; stderr: string }>((resolve) =>
    child.on('exit', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, exited };
}

test('a tagging process killed mid-job resumes: one prediction per poster, no duplicates, database intact', { skip, timeout: 90_000 }, async () => {
  const watch = new Database(b.paths.database, { readonly: true });
  const count = () => watch.prepare('SELECT COUNT(*) FROM predictions WHERE run_id = ?').pluck().get(runId) as number;
  try {
    const first = cli(['tag', String(runId), folder, '--data-dir', dataDir], { POSTER_TAGGER_TAG_CHUNK: '16' });
    let atKill = 0;
    await new Promise<void>((resolve, reject) => {
      const timer = setInterval(() => {
        atKill = count();
        if (atKill >= 16) {
          clearInterval(timer);
          first.child.kill('SIGKILL');
          resolve();
        }
      }, 20);
      void first.exited.then((r) => {
        clearInterval(timer);
        if (r.signal !== 'SIGKILL') reject(new Error(`the CLI ended before it could be killed (${r.code}): ${r.stderr}`));
      });
    });
    const killed = await first.exited;
    assert.equal(killed.signal, 'SIGKILL');
    assert.ok(atKill < N, `killed after ${atKill} of ${N}: too late to test resuming`);

    const exportFile = path.join(tempDir(), 'tags.csv');
    const second = await cli(['tag', String(runId), folder, '--data-dir', dataDir, '--export', exportFile]).exited;
    assert.equal(second.code, 0, second.stderr);
    assert.match(second.stderr, /Tagged \d+ posters \(\d+ already tagged\)/);
    const resumed = Number(/Tagged (\d+)/.exec(second.stderr)![1]);
    assert.ok(resumed <= N - atKill, `re-tagged ${resumed}, ${atKill} were stored before the kill`);

    assert.equal(count(), N);
    assert.equal(watch.prepare('SELECT COUNT(DISTINCT hash) FROM predictions WHERE run_id = ?').pluck().get(runId), N);
    assert.equal(watch.prepare('SELECT COUNT(*) FROM prediction_scores WHERE run_id = ?').pluck().get(runId), N * FIXTURE_GENRES.length);
    assert.equal(watch.pragma('integrity_check', { simple: true }), 'ok');
    assert.deepEqual(watch.pragma('foreign_key_check'), []);
    const rows = parse(fs.readFileSync(exportFile, 'utf8'), { columns: true }) as { path: string }[];
    assert.equal(rows.length, N);
    // The export file now exists: without --overwrite it is left alone and the reason says how to replace it.
    fs.writeFileSync(exportFile, 'kept');
    const third = await cli(['tag', String(runId), folder, '--data-dir', dataDir, '--export', exportFile]).exited;
    assert.notEqual(third.code, 0);
    assert.match(third.stderr, /already exists; nothing was written \(add --overwrite to replace it\)/);
    assert.equal(fs.readFileSync(exportFile, 'utf8'), 'kept');
    const fourth = await cli(['tag', String(runId), folder, '--data-dir', dataDir, '--export', exportFile, '--overwrite']).exited;
    assert.equal(fourth.code, 0, fourth.stderr);
    assert.equal((parse(fs.readFileSync(exportFile, 'utf8'), { columns: true }) as unknown[]).length, N);
  } finally {
    watch.close();
  }
});

function fakeIo(): CliIo & { text(): string } {
  let text = '';
  return {
    out: (t) => (text += t),
    err: (t) => (text += t),
    isTTY: false,
    columns: 80,
    onInterrupt: () => () => undefined,
    text: () => text,
  };
}

test('bad input: one-line reason and a non-zero exit code', { skip }, async () => {
  const cases: [string[], RegExp][] = [
    [['999', folder], /no run #999/],
    [[String(runId), path.join(folder, 'missing')], /Folder not found/],
    [['abc', folder], /not a run id/],
    [[String(runId)], /missing <folder>/],
    [[String(runId), folder, '--format', 'xml', '--export', 'x.xml'], /--format must be csv or json/],
  ];
  for (const [args, message] of cases) {
    const io = fakeIo();
    const code = await tagCommand.run([...args, '--data-dir', dataDir], io);
    assert.equal(code, 2, io.text());
    assert.match(io.text(), message);
    assert.equal(io.text().trim().split('\n').length, 1, io.text());
  }
});

test('nothing changed: a second run tags nothing and prints plain progress lines off a terminal', { skip }, async () => {
  const io = fakeIo();
  const t0 = Date.now();
  const code = await tagCommand.run(['best', folder, '--data-dir', dataDir, '--xmp'], io);
  assert.equal(code, 0, io.text());
  assert.match(io.text(), /Using run #\d+/);
  assert.match(io.text(), /Tagged 0 posters \(160 already tagged\)/);
  assert.match(io.text(), /Wrote 160 XMP sidecars/);
  assert.ok(!io.text().includes('\r'), 'no terminal control characters in a log');
  assert.ok(Date.now() - t0 < 10_000);
});

test(
  "--xmp merges into other programs' sidecars only with --overwrite, naming them; remove-xmp takes the keywords out again; --jpeg-copies",
  { skip },
  async () => {
    const foreign = path.join(folder, 'p0001.xmp');
    const text =
      '<x:xmpmeta xmlns:x="adobe:ns:meta/"><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#"><rdf:Description rdf:about="" xmlns:xmp="http://ns.adobe.com/xap/1.0/" xmp:Rating="2"/></rdf:RDF></x:xmpmeta>';
    fs.writeFileSync(foreign, text);
    const args = ['best', folder, '--data-dir', dataDir, '--xmp', '--xmp-naming', 'basename', '--xmp-root', 'Film'];
    let io = fakeIo();
    assert.equal(await tagCommand.run(args, io), 1, io.text());
    assert.match(io.text(), /1 sidecar of other programs would get the genres merged in \(e\.g\. .*p0001\.xmp\); nothing was written \(add --overwrite/);
    assert.equal(fs.readFileSync(foreign, 'utf8'), text);
    io = fakeIo();
    assert.equal(await tagCommand.run([...args, '--overwrite'], io), 0, io.text());
    assert.match(io.text(), /Wrote \d+ XMP sidecars/);
    assert.match(fs.readFileSync(foreign, 'utf8'), /xmp:Rating="2"[\s\S]*<rdf:li>Film\|/);

    io = fakeIo();
    assert.equal(await tagCommand.run(['best', folder, '--data-dir', dataDir, '--xmp-naming', 'sideways'], io), 2);
    assert.match(io.text(), /--xmp-naming must be image-ext or basename/);

    const copies = tempDir();
    io = fakeIo();
    assert.equal(await tagCommand.run(['best', folder, '--data-dir', dataDir, '--jpeg-copies', copies], io), 0, io.text());
    assert.match(io.text(), /Wrote 160 JPEG copies with keywords/);
    assert.equal(fs.readdirSync(copies).filter((f) => f.endsWith('.jpg')).length, N);

    const { removeXmpCommand } = await import('../../../main/cli/remove-xmp-command');
    io = fakeIo();
    assert.equal(await removeXmpCommand.run([folder, '--data-dir', dataDir], io), 1);
    assert.match(io.text(), /hold Poster Tagger keywords .*nothing was changed \(add --overwrite/);
    io = fakeIo();
    assert.equal(await removeXmpCommand.run([folder, '--data-dir', dataDir, '--overwrite'], io), 0, io.text());
    assert.match(io.text(), /removed Poster Tagger keywords from \d+ XMP sidecars \(\d+ sidecars of its own deleted\)/);
    assert.deepEqual(
      fs.readdirSync(folder).filter((f) => f.endsWith('.xmp') && f !== 'p0001.xmp' && !/^p\d+\.jpg\.xmp$/.test(f)),
      [],
      'the basename sidecars we created are gone',
    );
    assert.doesNotMatch(fs.readFileSync(foreign, 'utf8'), /Film|posterTagger/);
  },
);
