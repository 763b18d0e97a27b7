// Worker thread entry (scripts/workers.mjs: embed): loads one backbone and embeds the batches it is sent.
import { parentPort, workerData } from 'node:worker_threads';
import type { Backbone, BackboneVariant, EngineName } from '../backbones/types';
import type { EmbedWorkerData, FromEmbedWorker, ToEmbedWorker } from './backbone-worker';
import { BackboneCatalog } from '../backbones/catalog';
import type { BackboneEntry } from '../backbones/registry';

type OpenBackbone = (
  id: string,
  opts: { engine?: EngineName | 'auto'; threads?: number; variant?: BackboneVariant; entries?: BackboneEntry[] },
) => Promise<Backbone>;

const port = parentPort!;
const data = workerData as EmbedWorkerData;

function send(msg: FromEmbedWorker, transfer: ArrayBuffer[] = []): void {
  port.postMessage(msg, transfer);
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

async function main(): Promise<void> {
  let backbone: Backbone;
  try {
    // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily or optionally (CommonJS at run time)
    const mod = (data.backboneModule ? require(data.backboneModule) : require('../backbones/open')) as { openBackbone: OpenBackbone };
    const entries = new BackboneCatalog({ userDir: data.backbonesDir }).entries();
    backbone = await mod.openBackbone(data.backboneId, {
      engine: data.engine,
      threads: data.threads,
      entries,
      ...(data.variant ? { variant: data.variant } : {}),
    });
  } catch (err) {
    send({ type: 'error', message: message(err) });
    return;
  }
  // One batch at a time, in arrival order: the caller keeps at most one in flight anyway.
  let queue = Promise.resolve();
  port.on('message', (m: ToEmbedWorker) => {
    queue = queue.then(async () => {
      if (m.type === 'close') {
        await backbone.dispose().catch(() => undefined);
        send({ type: 'closed' });
        port.close();
        return;
      }
      try {
        const vectors = await backbone.embed(m.pixels, m.count);
        const expected = m.count * backbone.spec.embeddingSize;
        if (vectors.length !== expected) throw new Error(`Backbone returned ${vectors.length} values for ${m.count} images, expected ${expected}`);
        // Transfer only when the result owns its whole buffer; otherwise let it be copied.
        const own = vectors.byteOffset === 0 && vectors.byteLength === vectors.buffer.byteLength;
        send({ type: 'result', id: m.id, vectors }, own ? [vectors.buffer as ArrayBuffer] : []);
      } catch (err) {
        send({ type: 'error', id: m.id, message: message(err) });
      }
    });
  });
  send({ type: 'ready', spec: backbone.spec, engine: backbone.engine });
}

void main();
