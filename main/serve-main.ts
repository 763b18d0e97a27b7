// `npm run serve`: the app in the browser through the local bridge.
import { serveFromCommandLine } from './serve';

serveFromCommandLine(process.argv.slice(2)).catch((err) => {
  console.error(`poster-tagger: ${err instanceof Error ? err.message : err}`);
  process.exit(1);
});
