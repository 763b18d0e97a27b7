import fs from 'node:fs';
import path from 'node:path';
import type { DataPaths } from '../../core/data-dir';
import type { JobManager } from '../../jobs/job-manager';
import type { Handlers } from '../gate';
import { ConflictError, InvalidError, NotFoundError } from '../../core/errors';
import { BACKBONES, DEFAULT_BACKBONE, type BackboneAvailability } from '../../ml/backbones/registry';
import type { BackboneCatalog } from '../../ml/backbones/catalog';
import { downloadBackbone, findDownloadable } from '../../ml/backbones/downloadable';
import { importBackboneFolder } from '../../ml/backbones/user-backbones';

type BackboneCalls = 'backbones:download' | 'backbones:import';

const SPEED_NOTE: Record<string, string> = {
  inception_v3: ', most accurate',
  mobilenet_v2: ', fastest',
};

/** How the UI lists a backbone: availability, engine, size and a speed hint. */
export function backboneOption(a: BackboneAvailability) {
  return {
    id: a.id,
    label: a.label,
    available: a.installed,
    reason: a.problem,
    engine: a.installed ? (a.onnx ? 'onnxruntime' : 'tfjs') : undefined,
    inputSize: a.spec.inputSize,
    embeddingSize: a.spec.embeddingSize,
    licence: a.spec.licence,
    source: a.spec.source,
    isDefault: a.id === DEFAULT_BACKBONE,
    note: `${a.spec.inputSize}px, ${a.spec.embeddingSize}-d${SPEED_NOTE[a.id] ?? ''}${a.installed && !a.onnx ? ' (slower TF.js engine)' : a.variant === 'int8' ? ', int8' : ''}`,
    variant: a.variant,
    variantReason: a.variantReason,
  };
}

export function backboneHandlers(b: { jobs: JobManager; paths: Pick<DataPaths, 'backbones'>; catalog: BackboneCatalog }): Pick<Handlers, BackboneCalls> {
  return {
    'backbones:download': ({ id }) => {
      const d = findDownloadable(id);
      if (!d) throw new NotFoundError(`"${id}" is not a backbone that can be downloaded.`);
      const { snapshot } = b.jobs.start({
        kind: 'download',
        title: `Downloading backbone ${d.label}`,
        lane: 'download',
        run: async (ctx) => {
          const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
          const entry = await downloadBackbone(id, {
            backbonesDir: b.paths.backbones,
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

    'backbones:import': async ({ folder, label, inputSize }) => {
      const src = path.resolve(folder);
      if (!fs.existsSync(src) || !fs.statSync(src).isDirectory()) throw new NotFoundError(`${src} is not a folder.`);
      const id =
        path
          .basename(src)
          .toLowerCase()
          .replace(/[^a-z0-9_-]+/g, '_')
          .replace(/^[^a-z0-9]+/, '') || 'imported';
      if (BACKBONES.some((x) => x.id === id) || findDownloadable(id))
        throw new ConflictError(`A built-in backbone is called "${id}"; rename the folder first.`);
      let entryId: string;
      try {
        entryId = (await importBackboneFolder(src, { id, label, inputSize, backbonesDir: b.paths.backbones })).id;
      } catch (err) {
        throw new InvalidError((err as Error).message);
      }
      const a = b.catalog.available().find((x) => x.id === entryId);
      if (!a) throw new InvalidError(`The backbone "${entryId}" was imported but cannot be listed (is the data folder's backbones dir writable?).`);
      return backboneOption(a);
    },
  };
}
