// Backbones beyond the bundled ones: downloading a known one (a job) and importing a TF.js graph model folder.
import fs from 'node:fs';
import path from 'node:path';
import type { ServiceDeps } from '../services';
import { ConflictError, InvalidError, NotFoundError } from '../core/errors';
import { BACKBONES, type BackboneAvailability } from '../ml/backbones/registry';
import { downloadBackbone, findDownloadable } from '../ml/backbones/downloadable';
import { importBackboneFolder } from '../ml/backbones/user-backbones';

const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;

/** The id an imported folder gets: its name, lower-cased to [a-z0-9_-]. */
function importedId(folder: string): string {
  return (
    path
      .basename(folder)
      .toLowerCase()
      .replace(/[^a-z0-9_-]+/g, '_')
      .replace(/^[^a-z0-9]+/, '') || 'imported'
  );
}

export function createBackbonesService({ jobs, catalog }: Pick<ServiceDeps, 'jobs' | 'catalog'>) {
  const userDir = () => {
    if (!catalog.userDir) throw new InvalidError('This back end has no backbones folder to install into.');
    return catalog.userDir;
  };
  return {
    /** Starts the download job of a downloadable backbone; its progress is the job's. */
    download(id: string) {
      const d = findDownloadable(id);
      if (!d) throw new NotFoundError(`"${id}" is not a backbone that can be downloaded.`);
      const backbonesDir = userDir();
      const { snapshot } = jobs.start({
        kind: 'download',
        title: `Downloading backbone ${d.label}`,
        lane: 'download',
        run: async (ctx) => {
          const entry = await downloadBackbone(id, {
            backbonesDir,
            signal: ctx.signal,
            onProgress: (p) =>
              ctx.progress({
                phase: 'Downloading backbone',
                done: p.bytesDone,
                failed: 0,
                total: p.bytesTotal,
                message: `${p.file}: ${mb(p.bytesDone)} of ${mb(p.bytesTotal)}`,
              }),
          });
          return entry.id;
        },
        summarize: (backbone) => ({ backbone }),
      });
      return snapshot;
    },

    /** Copies a graph model folder in after checking it runs; the installed backbone as the catalogue lists it. */
    async import(req: { folder: string; label?: string; inputSize: number }): Promise<BackboneAvailability> {
      const src = path.resolve(req.folder);
      if (!fs.existsSync(src) || !fs.statSync(src).isDirectory()) throw new NotFoundError(`${src} is not a folder.`);
      const id = importedId(src);
      if (BACKBONES.some((x) => x.id === id) || findDownloadable(id))
        throw new ConflictError(`A built-in backbone is called "${id}"; rename the folder first.`);
      let entryId: string;
      try {
        entryId = (await importBackboneFolder(src, { id, label: req.label, inputSize: req.inputSize, backbonesDir: userDir() })).id;
      } catch (err) {
        throw new InvalidError((err as Error).message);
      }
      const a = catalog.availability(entryId);
      if (!a) throw new InvalidError(`The backbone "${entryId}" was imported but cannot be listed (is the data folder's backbones dir writable?).`);
      return a;
    },
  };
}

export type BackbonesService = ReturnType<typeof createBackbonesService>;
