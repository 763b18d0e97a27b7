// Worker entry points bundled by scripts/build.mjs as dist/worker-<name>.js (see main/core/spawn-worker.ts).
export const workers = {
  embed: 'main/ml/features/embed-worker.ts',
  head: 'main/training/head-worker.ts',
};
