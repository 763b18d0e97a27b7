import path from 'node:path';
import { createBackend, type Backend } from '../../main/backend';
import type { CallInput, CallName, CallOutput, JobSnapshot } from '../../contract';
import { tempDir } from './temp';
import { makeTutorialLibrary } from './posters';

/** A back end on a throwaway data folder; calls go through the gate exactly as the renderer's do. */
export function testBackend(): Backend & { call<K extends CallName>(name: K, input: CallInput<K>): Promise<CallOutput<K>> } {
  const b = createBackend({ dataDir: path.join(tempDir(), 'data'), validateOutput: true });
  return Object.assign(b, {
    call: <K extends CallName>(name: K, input: CallInput<K>) => b.gate.invoke(name, input) as Promise<CallOutput<K>>,
  });
}

/** Resolves with the job's final snapshot; fails the test if it does not end in time. */
export async function waitForJob(b: Backend, id: string, timeoutMs = 120_000): Promise<JobSnapshot> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`Job ${id} did not finish in ${timeoutMs} ms (it is ${b.jobs.get(id).status})`)), timeoutMs);
  });
  try {
    return await Promise.race([b.jobs.finished(id), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Opens a folder as a library and waits until it is indexed. */
export async function openIndexed(b: ReturnType<typeof testBackend>, folder: string) {
  const { library, job } = await b.call('library:open', { path: folder });
  const done = await waitForJob(b, job.id);
  if (done.status !== 'done') throw new Error(`Indexing ${folder} ended ${done.status}: ${done.error}`);
  return library;
}

/** Generates a small labelled dataset under `root`, opens it and trains a MobileNetV2 model on it. */
export async function trainTinyModel(
  b: Backend,
  root: string,
  opts: { train?: number; val?: number; dataSeed?: number; epochs?: number; seed?: number; views?: 'original' | 'both' } = {},
): Promise<{ runId: number; libraryId: number }> {
  await makeTutorialLibrary(root, { train: opts.train ?? 40, val: opts.val ?? 12, seed: opts.dataSeed ?? 5 });
  const { library, job } = (await b.gate.invoke('library:open', { path: root })) as { library: { id: number }; job: JobSnapshot };
  const indexed = await waitForJob(b, job.id);
  if (indexed.status !== 'done') throw new Error(`Indexing ${root} ended ${indexed.status}: ${indexed.error}`);
  const started = (await b.gate.invoke('train:start', {
    libraryId: library.id,
    backbone: 'mobilenet_v2',
    epochs: opts.epochs ?? 8,
    seed: opts.seed ?? 3,
    patience: 0,
    ...(opts.views ? { views: opts.views } : {}),
  })) as { runId: number; job: JobSnapshot };
  const done = await waitForJob(b, started.job.id);
  if (done.status !== 'done') throw new Error(`Training ended ${done.status}: ${done.error}`);
  return { runId: started.runId, libraryId: library.id };
}

/** Trains a mobilenet_v2 run of 4 epochs on an opened library through the gate and waits for it to finish. */
export async function trainRun(b: Backend, libraryId: number, opts: { head?: 'default' | 'mlp'; seed?: number } = {}): Promise<number> {
  const r = (await b.gate.invoke('train:start', {
    libraryId,
    backbone: 'mobilenet_v2',
    head: opts.head ?? 'default',
    epochs: 4,
    ...(opts.seed === undefined ? {} : { seed: opts.seed }),
  })) as { runId: number; job: { id: string } };
  const done = await waitForJob(b, r.job.id);
  if (done.status !== 'done') throw new Error(`Training ended ${done.status}: ${done.error}`);
  return r.runId;
}
