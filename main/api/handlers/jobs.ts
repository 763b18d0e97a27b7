import type { Backend } from '../../backend';
import type { Handlers } from '../gate';

export function jobHandlers(b: Backend): Pick<Handlers, 'jobs:list' | 'jobs:cancel' | 'jobs:pause' | 'jobs:resume'> {
  return {
    'jobs:list': () => b.jobs.list(),
    'jobs:cancel': ({ id }) => b.jobs.cancel(id),
    'jobs:pause': ({ id }) => b.jobs.pause(id),
    'jobs:resume': ({ id }) => b.jobs.resume(id),
  };
}
