import { runCli } from './run';

/** Exits once stdout has drained: piped output is asynchronous on some platforms and would be cut off. */
function exitAfterFlush(code: number) {
  process.stdout.write('', () => process.exit(code));
}

runCli(process.argv.slice(2)).then(exitAfterFlush, (err) => {
  console.error(`poster-tagger: ${err instanceof Error ? err.message : err}`);
  exitAfterFlush(1);
});
