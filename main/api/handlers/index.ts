import type { Backend } from '../../backend';
import type { Handlers } from '../gate';
import { appHandlers } from './app';
import { backboneHandlers } from './backbones';
import { jobHandlers } from './jobs';
import { libraryHandlers } from './library';
import { trainingHandlers } from './training';
import { taggingHandlers } from './tagging';
import { fileHandlers } from './files';
import { loopHandlers } from './loop';

/** Every call of the contract, implemented; the type makes a missing handler a compile error. */
export function createHandlers(b: Backend): Handlers {
  return {
    ...appHandlers(b),
    ...jobHandlers(b.jobs),
    ...libraryHandlers({ library: b.services.library }),
    ...trainingHandlers(b.services),
    ...backboneHandlers(b.services),
    ...taggingHandlers(b.services),
    ...fileHandlers(b.paths),
    ...loopHandlers(b.services),
  };
}
