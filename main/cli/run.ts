import { serveFromCommandLine } from '../serve';
import { createBackend } from '../backend';
import { resolveDataDir } from '../core/data-dir';
import { parseArgs } from 'node:util';

const USAGE = `Usage: poster-tagger <command> [options]

Commands:
  serve [--port N]        Run the app in your browser through the local bridge
  info                    Show version, data folder and the active TensorFlow.js backend

Options for every command:
  --data-dir DIR          Use DIR instead of the default data folder (or set POSTER_TAGGER_DATA_DIR)
`;

/** Returns the process exit code; bad input gives a one-line reason and a non-zero code. */
export async function runCli(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  switch (command) {
    case 'serve':
      await serveFromCommandLine(rest);
      return new Promise<number>(() => undefined); // runs until Ctrl+C
    case 'info': {
      const { values } = parseArgs({ args: rest, options: { 'data-dir': { type: 'string' }, json: { type: 'boolean' } } });
      const backend = createBackend({ dataDir: resolveDataDir({ flag: values['data-dir'] }) });
      try {
        const info = await backend.gate.invoke('app:info', {});
        console.log(values.json ? JSON.stringify(info, null, 2) : Object.entries(info as object).map(([k, v]) => `${k}: ${v}`).join('\n'));
      } finally {
        await backend.close();
      }
      return 0;
    }
    case undefined:
    case 'help':
    case '--help':
    case '-h':
      console.log(USAGE);
      return command ? 0 : 2;
    default:
      console.error(`poster-tagger: unknown command "${command}". Run "poster-tagger help" for the list.`);
      return 2;
  }
}
