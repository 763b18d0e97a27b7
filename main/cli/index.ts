import { runCli } from './run';

runCli(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    console.error(`poster-tagger: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  },
);
