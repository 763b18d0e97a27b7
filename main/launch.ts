import { spawn } from 'node:child_process';
import { projectRoot } from './core/project-root';
import { serveFromCommandLine } from './serve';

/** `npm start`: the desktop app when an Electron binary is installed, else the same app in the browser. */
function electronBinary(): { path?: string; reason?: string } {
  try {
    // The electron package exports the binary's path, and throws when its download failed.
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
    const p = require('electron') as unknown;
    return typeof p === 'string' ? { path: p } : { reason: 'the electron package did not return a binary path' };
  } catch (err) {
    return { reason: (err instanceof Error ? err.message : String(err)).split('\n')[0] };
  }
}

const argv = process.argv.slice(2);
const electron = electronBinary();
if (electron.path) {
  const child = spawn(electron.path, [projectRoot(), ...argv], { stdio: 'inherit' });
  child.on('exit', (code) => process.exit(code ?? 0));
} else {
  serveFromCommandLine(argv, `Electron is not available here (${electron.reason}); serving Poster Tagger in your browser instead.`).catch((err) => {
    console.error(`poster-tagger: ${err instanceof Error ? err.message : err}`);
    process.exit(1);
  });
}
