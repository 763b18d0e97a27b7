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
    kind: 'index',
    title: 'Count',
    run: async (ctx) => {
      for (let i = 1; i <= 5; i++) {
        await ctx.checkpoint();
        ctx.progress({ phase: 'Counting', done: i, failed: 0, total: 5 });
      }
      return 5;
    },
    summarize: (n) => ({ counted: n }),
  });
  assert.equal(await done, 5);
  const final = jobs.get(snapshot.id);
  assert.equal(final.status, 'done');
  assert.deepEqual(final.result, { counted: 5 });
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
  const a = jobs.start({ kind: 'train', title: 'A', lane: 'train', run: async () => { order.push('a-start'); await new Promise((r) => setTimeout(r, 20)); order.push('a-end'); throw new Error('3 posters could not be read'); } });
  const b = jobs.start({ kind: 'train', title: 'B', lane: 'train', run: async () => { order.push('b-start'); } });
  assert.equal(jobs.get(b.snapshot.id).status, 'queued');
  await assert.rejects(a.done, /could not be read/);
  await b.done;
  assert.deepEqual(order, ['a-start', 'a-end', 'b-start']);
  assert.equal(jobs.get(a.snapshot.id).error, '3 posters could not be read');
});
