import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventBus } from '../../../main/core/event-bus';
import { JobManager } from '../../../main/jobs/job-manager';
import type { JobSnapshot } from '../../../contract';

function setup() {
  const bus = new EventBus();
  const events: JobSnapshot[] = [];
  bus.subscribe((name, payload) => name === 'job:update' && events.push(payload as JobSnapshot));
  return { jobs: new JobManager(bus), events };
}

test('a job reports progress and its result, and emits job:update events', async () => {
  const { jobs, events } = setup();
  const { done, snapshot } = jobs.start({
    kind: 'train',
    title: 'Count',
    run: async (ctx) => {
      for (let i = 1; i <= 5; i++) {
        await ctx.checkpoint();
        ctx.progress({ phase: 'Counting', done: i, failed: 0, total: 5 });
      }
      return 5;
    },
    summarize: (n) => ({ runId: n }),
  });
  assert.equal(await done, 5);
  const final = jobs.get(snapshot.id);
  assert.equal(final.status, 'done');
  assert.deepEqual(final.result, { runId: 5 });
  assert.ok(events.some((e) => e.status === 'running'));
  assert.equal(events.at(-1)?.status, 'done');
});

test('cancel stops a job at its next checkpoint; pause holds it until resume', async () => {
  const { jobs } = setup();
  let steps = 0;
  const { done, snapshot } = jobs.start({
    kind: 'embed',
    title: 'Loop',
    run: async (ctx) => {
      for (;;) {
        await ctx.checkpoint();
        steps++;
        await new Promise((r) => setTimeout(r, 5));
      }
    },
  });
  await new Promise((r) => setTimeout(r, 30));
  jobs.pause(snapshot.id);
  await new Promise((r) => setTimeout(r, 20));
  const held = steps;
  await new Promise((r) => setTimeout(r, 40));
  assert.ok(steps <= held + 1, 'paused job made progress');
  jobs.resume(snapshot.id);
  await new Promise((r) => setTimeout(r, 30));
  assert.ok(steps > held + 1, 'resumed job did not continue');
  jobs.cancel(snapshot.id);
  await assert.rejects(done, /Cancelled/);
  assert.equal(jobs.get(snapshot.id).status, 'cancelled');
});

test('jobs in the same lane run one after another; failures carry their message', async () => {
  const { jobs } = setup();
  const order: string[] = [];
  const a = jobs.start({
    kind: 'train',
    title: 'A',
    lane: 'train',
    run: async () => {
      order.push('a-start');
      await new Promise((r) => setTimeout(r, 20));
      order.push('a-end');
      throw new Error('3 posters could not be read');
    },
  });
  const b = jobs.start({
    kind: 'train',
    title: 'B',
    lane: 'train',
    run: async () => {
      order.push('b-start');
    },
  });
  assert.equal(jobs.get(b.snapshot.id).status, 'queued');
  await assert.rejects(a.done, /could not be read/);
  await b.done;
  assert.deepEqual(order, ['a-start', 'a-end', 'b-start']);
  assert.equal(jobs.get(a.snapshot.id).error, '3 posters could not be read');
});

test('findActive returns the queued or running job started with a key, with its meta, until it ends', async () => {
  const { jobs } = setup();
  let release!: () => void;
  const gate = new Promise<void>((r) => (release = r));
  const first = jobs.start({ kind: 'tag', title: 'A', lane: 'l', key: 'k1', meta: { runId: 7 }, run: () => gate });
  const second = jobs.start({ kind: 'tag', title: 'B', lane: 'l', key: 'k2', run: async () => undefined });
  assert.equal(jobs.findActive('k1')?.snapshot.id, first.snapshot.id);
  assert.deepEqual(jobs.findActive<{ runId: number }>('k1')?.meta, { runId: 7 });
  assert.equal(jobs.findActive('k2')?.snapshot.status, 'queued');
  assert.equal(jobs.findActive('other'), undefined);
  release();
  await first.done;
  await second.done;
  assert.equal(jobs.findActive('k1'), undefined, 'a finished job is not returned');
  assert.equal(jobs.findActive('k2'), undefined);
});

test('a paused job reports no rate or time left, even when work under way still reports progress', async () => {
  const { jobs, events } = setup();
  let paused!: () => void;
  const wasPaused = new Promise<void>((r) => (paused = r));
  let ran!: () => void;
  const hasRun = new Promise<void>((r) => (ran = r));
  const { snapshot, done } = jobs.start({
    kind: 'tag',
    title: 'Worker',
    run: async (ctx) => {
      for (let i = 1; i <= 10; i++) {
        ctx.progress({ phase: 'Predicting', done: i, failed: 0, total: 100 });
        await new Promise((r) => setTimeout(r, 70));
      }
      ran();
      await wasPaused;
      // A batch that was inside a worker when the user paused lands now.
      ctx.progress({ phase: 'Predicting', done: 20, failed: 0, total: 100 });
      await ctx.checkpoint();
    },
  });
  await hasRun;
  assert.ok(jobs.get(snapshot.id).rate, 'a running job has a rate');
  jobs.pause(snapshot.id);
  paused();
  await new Promise((r) => setTimeout(r, 300));
  const held = jobs.get(snapshot.id);
  assert.equal(held.status, 'paused');
  assert.equal(held.phase, 'Paused');
  assert.equal(held.done, 20);
  assert.equal(held.rate, undefined);
  assert.equal(held.etaSeconds, undefined);
  assert.ok(events.filter((e) => e.status === 'paused').every((e) => e.rate === undefined && e.etaSeconds === undefined));
  jobs.cancel(snapshot.id);
  await assert.rejects(done);
});
