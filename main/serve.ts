import path from 'node:path';
import { parseArgs } from 'node:util';
import { createBackend } from './backend';
import { startBridge } from './bridge/server';
import { resolveDataDir } from './core/data-dir';
import { projectRoot } from './core/project-root';

/** Starts the back end and the local bridge; used by `npm run serve`, `npm start` without Electron, and tests. */
export async function serve(opts: { dataDir?: string; port?: number; quiet?: boolean } = {}) {
  const backend = createBackend({ dataDir: resolveDataDir({ flag: opts.dataDir }) });
  const bridge = await startBridge({ backend, rendererDir: path.join(projectRoot(), 'dist', 'renderer'), port: opts.port });
  const stop = async () => {
    await bridge.close();
    await backend.close();
  };
  return { backend, bridge, stop };
}

export async function serveFromCommandLine(argv: string[], banner?: string) {
  const { values } = parseArgs({
    args: argv,
    options: { 'data-dir': { type: 'string' }, port: { type: 'string' } },
    allowPositionals: false,
  });
  const port = values.port ? Number(values.port) : 0;
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`--port must be a port number, not "${values.port}"`);
  const { bridge, backend, stop } = await serve({ dataDir: values['data-dir'], port });
  if (banner) console.log(banner);
  console.log(`Poster Tagger is running at ${bridge.loginUrl}`);
  console.log(`Data folder: ${backend.paths.root}   (Ctrl+C to stop)`);
  let stopping = false;
  const shutdown = () => {
    if (stopping) return;
    stopping = true;
    stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);
}
