/**
 * Backbones fetched on first use: the official ImageNet MobileNet feature-vector models in TF.js graph
 * format (TF Hub, now served by Kaggle). Files go to a temp folder in the backbones dir, are checked
 * (sizes against model.json, a test run) and renamed into place, with their sha256 in manifest.json.
 */
import fs from 'node:fs';
import path from 'node:path';
import { CancelledError } from '../../core/errors';
import type { BackboneEntry } from './registry';
import type { Preprocessing } from './types';
import { expectedGroupBytes, finishInstall, makeTempInstallDir, parseModelJson, readManifest } from './user-backbones';

export interface DownloadableBackbone {
  id: string;
  label: string;
  licence: string;
  /** Path under the base URL (TF Hub handle + version). */
  hubPath: string;
  inputSize: number;
  preprocessing: Preprocessing;
  embeddingSize: number;
}

export const DEFAULT_DOWNLOAD_BASE = 'https://tfhub.dev/google/tfjs-model';

export const DOWNLOADABLE: readonly DownloadableBackbone[] = [
  {
    id: 'mobilenet_v2_imagenet',
    label: 'MobileNetV2 ImageNet (download, ~9 MB)',
    licence: 'Apache-2.0 (Google, TF Hub imagenet/mobilenet_v2_100_224/feature_vector)',
    hubPath: 'imagenet/mobilenet_v2_100_224/feature_vector/3/default/1',
    inputSize: 224,
    preprocessing: { kind: 'scale', mean: 0, std: 255 }, // TF Hub image models take 0..1
    embeddingSize: 1280,
  },
  {
    id: 'mobilenet_v3_large_imagenet',
    label: 'MobileNetV3-Large ImageNet (download, ~17 MB)',
    licence: 'Apache-2.0 (Google, TF Hub imagenet/mobilenet_v3_large_100_224/feature_vector)',
    hubPath: 'imagenet/mobilenet_v3_large_100_224/feature_vector/5/default/1',
    inputSize: 224,
    preprocessing: { kind: 'scale', mean: 0, std: 255 },
    embeddingSize: 1280,
  },
];

export function findDownloadable(id: string): DownloadableBackbone | undefined {
  return DOWNLOADABLE.find((d) => d.id === id);
}

/** `POSTER_TAGGER_BACKBONE_BASE_URL` (tests, mirrors), else TF Hub. */
export function downloadBaseUrl(env: NodeJS.ProcessEnv = process.env): string {
  return (env.POSTER_TAGGER_BACKBONE_BASE_URL || DEFAULT_DOWNLOAD_BASE).replace(/\/+$/, '');
}

/** URL of one model file; TF Hub serves the raw files only with ?tfjs-format=file. */
export function fileUrl(d: DownloadableBackbone, file: string, base = downloadBaseUrl()): string {
  const suffix = base === DEFAULT_DOWNLOAD_BASE ? '?tfjs-format=file' : '';
  return `${base}/${d.hubPath}/${file}${suffix}`;
}

/** Registry entries for downloadable backbones not yet installed in `dir` (listed as unavailable). */
export function pendingDownloadEntries(dir: string | undefined): BackboneEntry[] {
  if (!dir) return [];
  return DOWNLOADABLE.filter((d) => !readManifest(path.join(dir, d.id))).map((d) => ({
    id: d.id,
    label: d.label,
    source: fileUrl(d, 'model.json', DEFAULT_DOWNLOAD_BASE),
    licence: d.licence,
    inputSize: d.inputSize,
    preprocessing: d.preprocessing,
    embeddingNode: '',
    embeddingSize: d.embeddingSize,
    sha256: {},
    package: { name: '', version: '' },
    files: {},
    format: 'tfjs-graph',
    modelFile: 'model.json',
    inputNode: '',
    dir: path.join(dir, d.id),
    missing: 'not downloaded yet',
  }));
}

export interface DownloadProgress {
  file: string;
  bytesDone: number;
  /** Sum of the weight bytes model.json announces (0 until it is read). */
  bytesTotal: number;
}

export interface DownloadOptions {
  /** The data folder's backbones dir (BackboneCatalog.userDir). */
  backbonesDir: string;
  /** Default: downloadBaseUrl(). */
  baseUrl?: string;
  signal?: AbortSignal;
  onProgress?(p: DownloadProgress): void;
}

function aborted(signal?: AbortSignal): boolean {
  return Boolean(signal?.aborted);
}

async function get(url: string, signal?: AbortSignal): Promise<Response> {
  let res: Response;
  try {
    res = await fetch(url, { signal, redirect: 'follow' });
  } catch (err) {
    if (aborted(signal)) throw new CancelledError();
    const cause = (err as { cause?: { code?: string; message?: string } }).cause;
    throw new Error(`could not download ${url}: ${cause?.code ?? cause?.message ?? (err as Error).message}; check your network`, { cause: err });
  }
  if (!res.ok) throw new Error(`could not download ${url}: HTTP ${res.status}${res.status === 404 ? ' (not found)' : ` ${res.statusText}`}`);
  return res;
}

/**
 * Downloads a downloadable backbone into the backbones dir (or returns the installed one). Cancelling
 * (signal) or any failure removes the temp folder, so nothing half-written is ever in place.
 */
export async function downloadBackbone(id: string, opts: DownloadOptions): Promise<BackboneEntry> {
  const d = findDownloadable(id);
  if (!d) throw new Error(`"${id}" is not a downloadable backbone (known: ${DOWNLOADABLE.map((x) => x.id).join(', ')})`);
  const { backbonesDir } = opts;
  const base = (opts.baseUrl ?? downloadBaseUrl()).replace(/\/+$/, '');
  const tmp = makeTempInstallDir(backbonesDir, id);
  try {
    const jsonUrl = fileUrl(d, 'model.json', base);
    const text = await (await get(jsonUrl, opts.signal)).text().catch((err: Error) => {
      if (aborted(opts.signal)) throw new CancelledError();
      throw new Error(`could not download ${jsonUrl}: ${err.message}; check your network`);
    });
    const json = parseModelJson(text, `model.json from ${jsonUrl}`);
    fs.writeFileSync(path.join(tmp, 'model.json'), text);
    const total = json.weightsManifest.reduce((n, g) => n + expectedGroupBytes(g.weights), 0);
    let done = 0;
    opts.onProgress?.({ file: 'model.json', bytesDone: 0, bytesTotal: total });
    for (const shard of json.weightsManifest.flatMap((g) => g.paths)) {
      if (aborted(opts.signal)) throw new CancelledError();
      const url = fileUrl(d, shard, base);
      const res = await get(url, opts.signal);
      const fd = fs.openSync(path.join(tmp, shard), 'w');
      try {
        if (!res.body) throw new Error(`could not download ${url}: empty response`);
        for await (const chunk of res.body as unknown as AsyncIterable<Uint8Array>) {
          fs.writeSync(fd, chunk);
          done += chunk.byteLength;
          opts.onProgress?.({ file: shard, bytesDone: done, bytesTotal: total });
        }
      } catch (err) {
        if (aborted(opts.signal)) throw new CancelledError();
        if ((err as Error).message.startsWith('could not download')) throw err;
        throw new Error(`could not download ${url}: ${(err as Error).message} (connection lost?); check your network`, { cause: err });
      } finally {
        fs.closeSync(fd);
      }
    }
    if (aborted(opts.signal)) throw new CancelledError();
    return await finishInstall(tmp, backbonesDir, {
      kind: 'downloaded',
      id: d.id,
      label: d.label.replace(/ \(download.*\)$/, ''),
      source: fileUrl(d, 'model.json', base),
      licence: d.licence,
      inputSize: d.inputSize,
      preprocessing: d.preprocessing,
    });
  } catch (err) {
    fs.rmSync(tmp, { recursive: true, force: true });
    if (err instanceof CancelledError || aborted(opts.signal)) throw err instanceof CancelledError ? err : new CancelledError();
    const msg = (err as Error).message;
    throw new Error(msg.startsWith('could not download') ? msg : `Backbone ${id} failed its check after downloading: ${msg}`, { cause: err });
  }
}
