import type { Backend } from '../../backend';
import type { Handlers } from '../gate';
import { appVersion } from '../../core/project-root';
import { UnsupportedError } from '../../core/errors';
import { PRODUCT_NAME } from '../../core/data-dir';
import { int8Support } from '../../ml/backbones/cpu-features';

/** Needs the data folder, the shell (absent in browser mode) and the TF.js loader. */
export function appHandlers(b: Pick<Backend, 'paths' | 'shell' | 'tf'>): Pick<Handlers, 'app:info' | 'dialog:pickFolder'> {
  return {
    'app:info': async () => {
      const tf = await b.tf();
      return {
        name: PRODUCT_NAME,
        version: appVersion(),
        shell: b.shell ? 'electron' : 'browser',
        dataDir: b.paths.root,
        tfBackend: tf.backend,
        tfNote: tf.fallbackReason,
        platform: `${process.platform}-${process.arch}`,
        nodeVersion: process.versions.node,
        electronVersion: b.shell?.electronVersion,
        canPickFolders: Boolean(b.shell),
        int8: int8Support(),
      };
    },
    'dialog:pickFolder': async ({ title }) => {
      if (!b.shell) throw new UnsupportedError('Folder picking needs the desktop app; type the folder path instead.');
      return { path: await b.shell.pickFolder(title) };
    },
  };
}
