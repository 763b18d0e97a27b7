import fs from 'node:fs';
import path from 'node:path';
import type { Db } from '../db/database';
import { hashBuffer, hashFile } from '../core/content-hash';
import { standaloneJobContext, type JobContext } from '../jobs/types';
import type { BackboneCatalog } from '../ml/backbones/catalog';
import { loadHead, variantOf, type LoadedHead } from './model-io';
import { headTags, type TagOptions } from './head-tags';
import { scoreBothViews } from './both-views';
import { getRun } from './runs-repo';
import { mergeTagOptions, runTagOptions, type TagChoice } from './run-tagging-repo';
import { InvalidError, NotFoundError } from '../core/errors';

export interface FilePrediction {
  path: string;
  probabilities: Record<string, number>;
  /** Most confident first. */
  tags: string[];
  /** Genres the model is not trusted to tag automatically that passed their threshold. */
  suggestions?: string[];
  error?: string;
}

/** Refuses a model whose backbone is not installed here, or is a different build of it (sha256 differs). */
export function checkBackboneFor(head: Pick<LoadedHead, 'metadata'>, catalog: BackboneCatalog): void {
  const id = head.metadata.backbone.id;
  const entry = catalog.find(id);
  if (!entry) throw new InvalidError(`This model needs the backbone "${id}", which this version of Poster Tagger does not know.`);
  const avail = catalog.availability(id);
  if (!avail?.installed)
    throw new InvalidError(
      `This model needs the backbone "${id}", which is not installed here (${avail?.problem ?? 'missing'}). Run "npm run postinstall" to fetch it.`,
    );
  if (variantOf(head.metadata) === 'int8' && !avail.int8)
    throw new InvalidError(
      `This model was trained on the int8 build of "${id}", which cannot run here (${avail.int8Reason}). Run "npm run postinstall" to build it.`,
    );
  for (const [file, sha] of Object.entries(head.metadata.backbone.sha256)) {
    if (entry.sha256[file] !== sha)
      throw new InvalidError(`This model was trained on a different build of "${id}" (${file} differs); its predictions would be wrong here.`);
  }
}

/** Loads trained heads once and predicts genres for image files. */
export class Predictor {
  private heads = new Map<number, Promise<LoadedHead>>();

  constructor(
    private readonly db: Db,
    private readonly uploadsDir: string,
    /** The backbones of this back end: a model is only loaded when its backbone is installed. */
    readonly catalog: BackboneCatalog,
  ) {}

  head(runId: number): Promise<LoadedHead> {
    let p = this.heads.get(runId);
    if (!p) {
      p = this.loadRunHead(runId);
      this.heads.set(runId, p);
      p.catch(() => this.heads.delete(runId));
    }
    return p;
  }

  forget(runId: number) {
    const p = this.heads.get(runId);
    this.heads.delete(runId);
    void p?.then(
      (h) => h.model.dispose(),
      () => undefined,
    );
  }

  private async loadRunHead(runId: number): Promise<LoadedHead> {
    const run = getRun(this.db, runId);
    if (!run) throw new NotFoundError(`There is no run #${runId}.`);
    if (run.status !== 'done' || !run.modelPath || !fs.existsSync(run.modelPath))
      throw new InvalidError(`Run #${runId} has no saved model (it is ${run.status}).`);
    const head = await loadHead(run.modelPath);
    checkBackboneFor(head, this.catalog);
    return head;
  }

  /**
   * The options a run tags with: its saved settings (mode, at most N tags, saved thresholds) with the
   * caller's explicit choices on top.
   */
  tagOptions(runId: number, explicit?: TagChoice): TagOptions {
    return mergeTagOptions(runTagOptions(this.db, runId), explicit);
  }

  async predictFiles(
    runId: number,
    paths: readonly string[],
    opts: { threshold?: number; ctx?: JobContext; tagOptions?: TagChoice; fast?: boolean } = {},
  ): Promise<FilePrediction[]> {
    const head = await this.head(runId);
    const hashed = await Promise.all(
      paths.map(async (p) => {
        try {
          const stat = await fs.promises.stat(p);
          if (!stat.isFile()) return { path: p, error: 'not a file' };
          return { path: p, hash: await hashFile(p) };
        } catch (err) {
          return { path: p, error: (err as NodeJS.ErrnoException).code === 'ENOENT' ? 'file not found' : (err as Error).message };
        }
      }),
    );
    const readable = hashed.filter((h): h is { path: string; hash: string } => 'hash' in h && Boolean(h.hash));
    const {
      scored: ok,
      scores,
      failed: unreadable,
    } = await scoreBothViews(this.db, head, readable, opts.ctx ?? standaloneJobContext(), {
      fast: opts.fast,
      embed: { backbonesDir: this.catalog.userDir },
    });
    const failed = new Map(unreadable.map((f) => [f.path, f.reason]));
    const { tags, suggestions } = headTags(
      head,
      scores,
      ok.length,
      this.tagOptions(runId, { ...opts.tagOptions, threshold: opts.threshold ?? opts.tagOptions?.threshold }),
    );
    const g = head.genres.length;
    const byPath = new Map(ok.map((r, i) => [r.path, i]));
    return hashed.map((h) => {
      const i = byPath.get(h.path);
      if (i === undefined)
        return { path: h.path, probabilities: {}, tags: [], error: 'error' in h && h.error ? h.error : (failed.get(h.path) ?? 'could not be read') };
      const probabilities = Object.fromEntries(head.genres.map((genre, j) => [genre, scores[i * g + j]]));
      return { path: h.path, probabilities, tags: tags[i], suggestions: suggestions[i] };
    });
  }

  /** Dropped images arrive as bytes: kept under the data folder's cache by content, then predicted. */
  async predictBytes(
    runId: number,
    images: readonly { name: string; data: Buffer }[],
    opts: { threshold?: number; tagOptions?: TagChoice } = {},
  ): Promise<FilePrediction[]> {
    fs.mkdirSync(this.uploadsDir, { recursive: true });
    const files = images.map((img) => {
      const ext =
        path
          .extname(img.name)
          .toLowerCase()
          .replace(/[^.a-z]/g, '')
          .slice(0, 6) || '.img';
      const file = path.join(this.uploadsDir, `${hashBuffer(img.data)}${ext}`);
      if (!fs.existsSync(file)) fs.writeFileSync(file, img.data);
      return file;
    });
    const results = await this.predictFiles(runId, files, opts);
    return results.map((r, i) => ({ ...r, path: images[i].name }));
  }
}
