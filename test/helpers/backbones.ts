import { availableBackbones } from '../../main/ml/backbones/registry';

/** `{ skip }` for tests that need the real mobilenet_v2 backbone: undefined when it is installed, else why not. */
export const skipWithoutMobilenet = availableBackbones().some((b) => b.id === 'mobilenet_v2' && b.installed)
  ? undefined
  : 'mobilenet_v2 is not installed (run npm run postinstall)';
