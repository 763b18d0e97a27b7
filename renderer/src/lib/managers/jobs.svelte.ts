import type { JobSnapshot } from '../../../../contract';
import { call, on } from '../api/client';

/** Live view of background jobs: seeded by jobs:list, kept current by job:update events. */
class JobsManager {
  #jobs = $state.raw<JobSnapshot[]>([]);

  constructor() {
    on('job:update', (snap) => this.#upsert(snap));
    void call('jobs:list').then((list) => (this.#jobs = list));
  }

  get all() {
    return this.#jobs;
  }
  get active() {
    return this.#jobs.filter((j) => j.status === 'running' || j.status === 'queued' || j.status === 'paused');
  }
  latest(kind: JobSnapshot['kind']) {
    return this.#jobs.find((j) => j.kind === kind);
  }
  get(id: string | undefined) {
    return id ? this.#jobs.find((j) => j.id === id) : undefined;
  }

  #upsert(snap: JobSnapshot) {
    const rest = this.#jobs.filter((j) => j.id !== snap.id);
    this.#jobs = [snap, ...rest];
  }
}

export const jobs = new JobsManager();
