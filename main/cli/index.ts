import { runCli } from './run';
import { shutdownEmbeddingWorkers } from '../ml/features/worker-pool';

/**
 * Exits once embedding threads have stopped (exiting while ONNX Runtime runs in one aborts the process)
 * and stdout has drained (piped output is asynchronous on some platforms and would be cut off).
 */
async function exitCleanly(code: number) {
  await shutdownEmbeddingWorkers();
  process.stdout.write('', () => process.exit(code));
}

runCli(process.argv.slice(2)).then(exitCleanly, (err) => {
  console.error(`poster-tagger: ${err instanceof Error ? err.message : err}`);
  void exitCleanly(1);
});
