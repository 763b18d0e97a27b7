import { serveFromCommandLine } from '../serve';
import { createBackend } from '../backend';
import { resolveDataDir } from '../core/data-dir';
import { parseArgs } from 'node:util';
import { processIo, type CliIo } from './cli-io';
import { tagCommand } from './tag-command';
import { trainCommand } from './train-command';
import { evalCommand } from './eval-command';
import { predictCommand } from './predict-command';
import { runsCommand } from './runs-command';
import { exportCommand } from './export-command';
import { importCommand } from './import-command';
import { datasetCommand } from './dataset-command';
import { removeXmpCommand } from './remove-xmp-command';

/** Commands with their own module: each has a name and run(argv, io) → exit code. */
const COMMANDS = [tagCommand, trainCommand, evalCommand, predictCommand, runsCommand, exportCommand, importCommand, datasetCommand, removeXmpCommand];

const USAGE = `Usage: poster-tagger <command> [options]

Commands:
  serve [--port N]        Run the app in your browser through the local bridge
  info                    Show version, data folder and the active TensorFlow.js backend
  tag <run> <folder>...   Tag folders of posters with a trained model (--help for options)
  train <dataset-folder>  Index a folder and train a model on its train/ and val/ posters
  eval <run> <folder>     Evaluate a run on a labelled folder (metadata.csv or --labels FILE)
  predict <run> <paths>   Genre probabilities and tags of image files or folders (CSV or JSON)
  runs                    List the training runs
  export <run> <file>     Save a run's model as one file (.ptmodel, or a standalone .onnx)
  import <file>           Add an exported model as a new run
  dataset export|import   A library's labels as genre folders or Label Studio tasks; Label Studio labels back
  remove-xmp <folder>...  Take Poster Tagger's genre keywords out of the folders' XMP sidecars
  (<command> --help shows each command's options)

Options for every command:
  --data-dir DIR          Use DIR instead of the default data folder (or set POSTER_TAGGER_DATA_DIR)
`;

/** Returns the process exit code; bad input gives a one-line reason and a non-zero code. */
export async function runCli(argv: string[], io: CliIo = processIo()): Promise<number> {
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
        console.log(
          values.json
            ? JSON.stringify(info, null, 2)
            : Object.entries(info as object)
                .map(([k, v]) => `${k}: ${v}`)
                .join('\n'),
        );
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
    default: {
      const found = COMMANDS.find((c) => c.name === command);
      if (found) return found.run(rest, io);
      console.error(`poster-tagger: unknown command "${command}". Run "poster-tagger help" for the list.`);
      return 2;
    }
  }
}
