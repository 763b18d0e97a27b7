// The child process of the crash loop: one "session" of a user's work against the real back end, through
// the API gate exactly as the app calls it: (re-)index a library, label a few posters, write the labels back
// to the CSV, train a model, tag the library. It prints one JSON line per committed step on stdout (pipes are
// synchronous on Linux and macOS, so a line the parent has read was written after its commit), and the
// parent SIGKILLs it at a random moment.
//   node --import tsx test/reliability/crash/crash-driver.ts <dataDir> <libraryRoot> <cycle>
import { createBackend, type Backend } from '../../../main/backend';
import type { CallInput, CallName, CallOutput, JobSnapshot } from '../../../contract';
import { waitForJob } from '../../helpers/backend';
import { rng } from '../../helpers/posters';

export type DriverEvent =
  | { e: 'start'; leftRunning: number }
  | { e: 'indexed'; status: string; images: number }
  | { e: 'label-intent'; relPath: string; genres: string[] }
  | { e: 'label'; relPath: string; genres: string[] }
  | { e: 'writeback'; message: string }
  | { e: 'train-start'; runId: number }
  | { e: 'trained'; runId: number; status: string }
  | { e: 'tag-start'; runId: number }
  | { e: 'tagged'; runId: number; status: string; tagged: number; alreadyTagged: number; failed: number }
  | { e: 'complete' };

function emit(ev: DriverEvent): void {
  process.stdout.write(JSON.stringify(ev) + '\n');
}

async function main() {
  const [dataDir, root, cycleText] = process.argv.slice(2);
  const cycle = Number(cycleText);
  const rand = rng(1000 + cycle);
  const b: Backend = createBackend({ dataDir });
  const call = <K extends CallName>(name: K, input: CallInput<K>) => b.gate.invoke(name, input) as Promise<CallOutput<K>>;
  const finish = async (job: JobSnapshot, what: string) => {
    const done = await waitForJob(b, job.id, 600_000);
    if (done.status !== 'done') throw new Error(`${what} ended ${done.status}: ${done.error}`);
    return done;
  };
  const leftRunning = b.db.prepare("SELECT COUNT(*) FROM runs WHERE status IN ('running', 'queued')").pluck().get() as number;
  emit({ e: 'start', leftRunning });

  // 1. Index (only new or changed files are read).
  const opened = await call('library:open', { path: root });
  await finish(opened.job, 'indexing');
  const libraryId = opened.library.id;
  const page = await call('posters:query', { libraryId, limit: 1000, broken: false });
  emit({ e: 'indexed', status: 'done', images: page.total });

  // 2. Label a few posters in the app (user labels must survive everything).
  const { genres: vocab } = await call('genres:list', { libraryId });
  const names = vocab.map((g) => g.name);
  for (let i = 0; i < 3 && page.items.length; i++) {
    const poster = page.items[Math.floor(rand() * page.items.length)];
    let genres = names.filter(() => rand() < 0.35);
    if (genres.length === 0) genres = [names[Math.floor(rand() * names.length)]];
    emit({ e: 'label-intent', relPath: poster.relPath, genres });
    await call('posters:setLabels', { id: poster.id, genres });
    emit({ e: 'label', relPath: poster.relPath, genres });
  }

  // 3. Every other session writes the labels back into metadata.csv (atomic replace).
  if (cycle % 2 === 1) {
    const r = await call('library:writeBack', { id: libraryId, confirm: true });
    emit({ e: 'writeback', message: r.message });
  }

  // 4. Train when there is no finished model yet, and every third session anyway.
  const hasModel = () => b.db.prepare("SELECT id FROM runs WHERE status = 'done' ORDER BY id DESC LIMIT 1").pluck().get() as number | undefined;
  if (hasModel() === undefined || cycle % 3 === 0) {
    const t = await call('train:start', { libraryId, backbone: 'mobilenet_v2', epochs: 8, patience: 0, seed: cycle });
    emit({ e: 'train-start', runId: t.runId });
    const done = await waitForJob(b, t.job.id, 600_000);
    emit({ e: 'trained', runId: t.runId, status: done.status });
  }

  // 5. Tag the library with the newest model: only posters without a prediction of that run are predicted.
  const runId = hasModel();
  if (runId !== undefined) {
    const t = await call('tag:start', { runId, folders: [root] });
    emit({ e: 'tag-start', runId });
    const done = await finish(t.job, 'tagging');
    if (done.kind !== 'tag' || !done.result) throw new Error(`tagging ended ${done.status}: ${done.error ?? 'no result'}`);
    const r = done.result;
    emit({ e: 'tagged', runId, status: done.status, tagged: r.tagged, alreadyTagged: r.alreadyTagged, failed: r.failed });
  }
  await b.close();
  emit({ e: 'complete' });
}

main().then(
  () => process.exit(0),
  (err) => {
    process.stderr.write(`crash-driver: ${err instanceof Error ? err.stack : err}\n`);
    process.exit(1);
  },
);
