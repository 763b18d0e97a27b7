import type { Backend } from '../../../main/backend';
import type { JobSnapshot } from '../../../contract';

/** The job's final snapshot; `onUpdate` sees every progress update until then (for timings). */
export async function finishJob(b: Backend, id: string, onUpdate?: (s: JobSnapshot) => void): Promise<JobSnapshot> {
  const off = b.bus.subscribe((event, payload) => {
    if (event === 'job:update' && (payload as JobSnapshot).id === id) onUpdate?.(payload as JobSnapshot);
  });
  try {
    return await b.jobs.finished(id);
  } finally {
    off();
  }
}
