import type { Handlers } from '../gate';
import type { JobManager } from '../../jobs/job-manager';

export function jobHandlers(jobs: JobManager): Pick<Handlers, 'jobs:list' | 'jobs:cancel' | 'jobs:pause' | 'jobs:resume'> {
  return {
    'jobs:list': () => jobs.list(),
    'jobs:cancel': ({ id }) => jobs.cancel(id),
    'jobs:pause': ({ id }) => jobs.pause(id),
    'jobs:resume': ({ id }) => jobs.resume(id),
  };
}
