import path from 'node:path';
import { openOnnxBackbone } from './engines/onnx';
import { openTfjsBackbone } from './engines/tfjs';
import { ONNX_FILE, backboneDir, getBackbone, modelsDir, onnxFileOf, onnxStatus, specOf, verifyFiles, type BackboneEntry } from './registry';
import type { Backbone, BackboneVariant } from './types';

export type EngineChoice = 'auto' | 'onnxruntime' | 'tfjs';

export interface OpenBackboneOptions {
  engine?: EngineChoice;
  /** Default: modelsDir() (env POSTER_TAGGER_MODELS_DIR or resources/models). */
  modelsDir?: string;
  /** ONNX Runtime intra-op threads. */
  threads?: number;
  /** Where to look the id up: a catalogue's entries (BackboneCatalog.entries()); default the bundled ones. */
  entries?: readonly BackboneEntry[];
  /** Default float32. int8 runs only the checked int8 ONNX graph: never silently another variant. */
  variant?: BackboneVariant;
}

export interface OpenedBackbone extends Backbone {
  /** Why this engine is the one running (shown in the UI and logs). */
  readonly engineReason: string;
}

/**
 * Opens an installed backbone. `auto` picks ONNX Runtime when a converted model exists and passed
 * its check against the reference path, else TF.js; the reason is on the result.
 */
export async function openBackbone(id: string, opts: OpenBackboneOptions = {}): Promise<OpenedBackbone> {
  const entry = getBackbone(id, opts.entries);
  const dir = entry.dir ?? backboneDir(entry.id, opts.modelsDir ?? modelsDir());
  const problem = verifyFiles(entry, dir);
  if (problem && entry.dir)
    throw new Error(
      `Backbone ${entry.id} in ${dir} cannot be used (${problem})${entry.missing ? '; download it first' : '; remove it and download or import it again'}`,
    );
  if (problem) {
    throw new Error(`Backbone ${entry.id} is not installed in ${dir} (${problem}); run: node --import tsx scripts/fetch-models.ts`);
  }
  const engine = opts.engine ?? 'auto';
  if (opts.variant === 'int8') return openInt8(entry, dir, engine, opts.threads);
  const onnx = onnxStatus(dir);

  if (engine === 'onnxruntime' || (engine === 'auto' && onnx.usable)) {
    if (!onnx.usable) throw new Error(`Backbone ${entry.id}: ONNX Runtime engine unavailable: ${onnx.reason}`);
    try {
      const b = await openOnnxBackbone(specOf(entry), path.join(dir, ONNX_FILE), { threads: opts.threads });
      return withReason(b, engine === 'auto' ? `ONNX Runtime: ${onnx.reason}` : 'ONNX Runtime, as requested');
    } catch (err) {
      if (engine === 'onnxruntime') throw new Error(`Backbone ${entry.id}: ONNX Runtime failed to load the model: ${(err as Error).message}`, { cause: err });
      const b = await openTfjsBackbone(entry, dir);
      return withReason(b, `TF.js: ONNX Runtime failed to load the model (${firstLine(err)})`);
    }
  }
  const b = await openTfjsBackbone(entry, dir);
  return withReason(b, engine === 'tfjs' ? 'TF.js, as requested' : `TF.js: ${onnx.reason}`);
}

async function openInt8(entry: BackboneEntry, dir: string, engine: EngineChoice, threads: number | undefined): Promise<OpenedBackbone> {
  // Embeddings of another variant would not match what the run was trained on: refuse rather than mix.
  if (engine === 'tfjs') throw new Error(`Backbone ${entry.id}: the int8 variant runs on ONNX Runtime only`);
  const int8 = onnxStatus(dir, 'int8', entry.format);
  if (!int8.usable) throw new Error(`Backbone ${entry.id}: the int8 model is not usable (${int8.reason}); run: node --import tsx scripts/fetch-models.ts`);
  const b = await openOnnxBackbone(specOf(entry), path.join(dir, onnxFileOf('int8')), { threads });
  return withReason(b, `ONNX Runtime, int8: ${int8.reason}`, 'int8');
}

function withReason(b: Backbone, engineReason: string, variant: BackboneVariant = 'float32'): OpenedBackbone {
  return { spec: b.spec, engine: b.engine, variant, engineReason, embed: (p, c) => b.embed(p, c), dispose: () => b.dispose() };
}

function firstLine(err: unknown): string {
  return String(err instanceof Error ? err.message : err).split('\n')[0];
}
