/**
 * The learning loop's use cases: which posters to label next (loop:next), posters like this one
 * (loop:similar) and near-duplicates (loop:duplicates). Everything runs on the embedding cache: posters
 * without a cached embedding of the model's backbone are counted, not embedded here (tagging a folder
 * embeds it). Retraining is train:start (it reuses the cache); promoting is runs:prefer.
 */
import type { z } from 'zod';
import type * as Lp from '../../contract/schemas/loop';
import type { ServiceDeps } from '../services';
import type { Db } from '../db/database';
import type { Predictor } from '../runs/predictor';
import { loadBothViews, originalOnly } from '../runs/both-views';
import { variantOf } from '../runs/model-io';
import type { BackboneVariant } from '../ml/backbones/types';
import { withOriginalEmbeddings } from '../ml/features/embedding-store';
import { pickRows } from '../ml/rows';
import { chooseRun, defaultRun } from '../runs/run-choice';
import { headScores, headTags, headThresholds } from '../runs/head-tags';
import { runTagOptions } from '../runs/run-tagging-repo';
import { listRuns } from '../runs/runs-repo';
import { NotFoundError } from '../core/errors';
import { buildSimilarityIndex } from './similarity';
import { nearestFast, similarPairsFast } from './fast-nearest';
import { SimilarityCache } from './similarity-cache';
import { createSplitLeaks } from './split-leaks-service';
import { rankLabelNext, rarityWeights, thresholdUncertainty, uncertaintyPool } from './label-next';

interface Poster {
  imageId: number;
  libraryId: number;
  libraryName: string;
  posterId: string;
  hash: string;
  split: string | null;
  labelled: boolean;
}

const POSTER_SELECT = `SELECT i.id AS imageId, i.library_id AS libraryId, l.name AS libraryName, i.poster_id AS posterId, i.hash, i.split,
         i.labels_source IS NOT NULL AS labelled
  FROM images i JOIN libraries l ON l.id = i.library_id`;
const toPoster = (r: unknown): Poster => ({ ...(r as Poster), labelled: Boolean((r as { labelled: number }).labelled) });

/** Readable primary posters of these libraries (of every library when omitted). */
function posters(db: Db, libraryIds?: readonly number[]): Poster[] {
  const where = libraryIds ? `AND i.library_id IN (${libraryIds.map(() => '?').join(',')})` : '';
  return db
    .prepare(`${POSTER_SELECT} WHERE i.hash IS NOT NULL AND i.error IS NULL AND i.duplicate_of IS NULL ${where} ORDER BY i.library_id, i.rel_path`)
    .all(...(libraryIds ?? []))
    .map(toPoster);
}

/** The backbone whose embeddings similarity uses: the tagging model's, else the most recent run's. */
function similarityBackbone(db: Db): { backbone: string; variant: BackboneVariant } | null {
  const run = defaultRun(db)?.run ?? listRuns(db)[0];
  return run ? { backbone: run.backbone, variant: run.config.backboneVariant ?? 'float32' } : null;
}

const describe = ({ imageId, libraryId, libraryName, posterId }: Poster) => ({ imageId, libraryId, libraryName, posterId });

/** The label-next queue of these libraries by a model (label-next.ts), with its suggested genres. */
async function labelNextQueue(db: Db, predictor: Predictor, req: z.output<typeof Lp.LabelNextRequest>): Promise<z.infer<typeof Lp.LabelNextQueue>> {
  const choice = chooseRun(db, req.runId);
  const head = await predictor.head(choice.run.id);
  const backbone = head.metadata.backbone.id;
  const variant = variantOf(head.metadata);
  const all = posters(db, req.libraryIds);
  const todo = all.filter((p) => !p.labelled);
  const cands = withOriginalEmbeddings(db, todo, backbone, variant);
  const n = cands.items.length;
  const genres = head.genres;
  const g = genres.length;
  const base = { runId: choice.run.id, backbone, reason: choice.reason, genres, unlabelled: todo.length, notEmbedded: cands.missing };
  if (n === 0) return { ...base, items: [] };
  const views = loadBothViews(
    db,
    cands.items.map((p) => p.hash),
    backbone,
    variant,
    originalOnly(head),
  );
  const scores = await headScores(head, views.x, n, { xFlip: views.xFlip });
  const opts = runTagOptions(db, choice.run.id);
  // Rare genres of the labelled posters weigh more (label-next.ts).
  const labelled = all.filter((p) => p.labelled).map((p) => p.imageId);
  const thresholds = headThresholds(head, opts);
  const genreWeights = rarityWeights(genreCounts(db, labelled, genres));
  // Only the most uncertain can make the queue: the cosine index is built for those alone.
  const pool = uncertaintyPool(thresholdUncertainty(scores, n, g, thresholds, genreWeights).u, req.limit);
  const index = await buildSimilarityIndex(pickRows(cands.x, pool, cands.dim), pool.length, cands.dim);
  const queue = rankLabelNext({ scores, n, g, thresholds, index, indexRows: pool, limit: req.limit, genreWeights });
  const rows = queue.map((q) => q.row);
  const picked = new Float32Array(rows.length * g);
  rows.forEach((r, k) => picked.set(scores.subarray(r * g, (r + 1) * g), k * g));
  const { tags } = headTags(head, picked, rows.length, opts);
  const items = queue.map((q, k) => {
    const p = cands.items[q.row];
    const probabilities = Object.fromEntries(genres.map((name, j) => [name, Math.round(scores[q.row * g + j] * 1e4) / 1e4]));
    return {
      imageId: p.imageId,
      libraryId: p.libraryId,
      posterId: p.posterId,
      suggested: tags[k],
      probabilities,
      uncertainty: q.uncertainty,
      unsureGenre: genres[q.nearestGenre],
    };
  });
  return { ...base, items };
}

/** Poster ids and names of some image ids, in their order (missing ones left out). */
function describeIds(db: Db, imageIds: readonly number[]) {
  const q = db.prepare<[number]>(`${POSTER_SELECT} WHERE i.id = ?`);
  return imageIds.flatMap((id) => {
    const r = q.get(id);
    return r === undefined ? [] : [toPoster(r)];
  });
}

export function createLoopService({ db, predictor, paths }: Pick<ServiceDeps, 'db' | 'predictor' | 'paths'>) {
  // Kept between calls and brought up to date from what changed (similarity-cache.ts).
  const cache = new SimilarityCache(db, (libraryIds) => posters(db, libraryIds).map(({ imageId, hash }) => ({ imageId, hash })));
  return {
    next: (req: z.output<typeof Lp.LabelNextRequest>) => labelNextQueue(db, predictor, req),
    ...createSplitLeaks(db, paths, cache, () => similarityBackbone(db)),

    async similar(req: z.output<typeof Lp.SimilarRequest>): Promise<z.infer<typeof Lp.SimilarResult>> {
      const source = similarityBackbone(db);
      const backbone = source?.backbone ?? null;
      if (!source) return { backbone: null, items: [], note: 'Train or tag with a model first: similarity uses its cached embeddings.' };
      const { index, rows, rowOf } = await cache.get(source.backbone, source.variant);
      const row = rowOf.get(req.imageId);
      if (row === undefined) {
        if (!db.prepare('SELECT 1 FROM images WHERE id = ?').get(req.imageId)) throw new NotFoundError(`No poster with id ${req.imageId}`);
        return { backbone, items: [], note: 'This poster has no cached embedding yet: tag or train on its folder first.' };
      }
      const hits = await nearestFast(index, row, req.limit, (i) => rows[i].hash === rows[row].hash);
      const cosines = new Map(hits.map((h) => [rows[h.row].imageId, Math.round(h.cosine * 1e4) / 1e4]));
      const items = describeIds(
        db,
        hits.map((h) => rows[h.row].imageId),
      ).map((p) => ({ ...describe(p), cosine: cosines.get(p.imageId)! }));
      return { backbone, items };
    },

    async duplicates(req: z.output<typeof Lp.DuplicatesRequest>): Promise<z.infer<typeof Lp.DuplicatesResult>> {
      const source = similarityBackbone(db);
      const backbone = source?.backbone ?? null;
      if (!source) return { backbone: null, pairs: [], compared: 0, notEmbedded: 0 };
      // Centred and scaled over these libraries' posters: a reference of other, unlike posters (another
      // library) makes everything here look alike.
      const { index, rows, notEmbedded } = await cache.get(source.backbone, source.variant, req.libraryIds);
      const byId = new Map(posters(db, req.libraryIds).map((p) => [p.imageId, p]));
      const pairs = (await similarPairsFast(index, req.threshold, req.limit))
        .map((p) => ({ a: byId.get(rows[p.a].imageId), b: byId.get(rows[p.b].imageId), cosine: p.cosine }))
        .filter((p): p is { a: Poster; b: Poster; cosine: number } => !!p.a && !!p.b && p.a.hash !== p.b.hash) // exact copies are known by hash already
        .map(({ a, b, cosine }) => {
          const crossesSplits = (a.split === 'train' && b.split === 'val') || (a.split === 'val' && b.split === 'train');
          return { a: { ...describe(a), split: a.split }, b: { ...describe(b), split: b.split }, cosine: Math.round(cosine * 1e4) / 1e4, crossesSplits };
        });
      return { backbone, pairs, compared: index.n, notEmbedded };
    },

    /** The cache's counters (how often it was built, rows added and removed since): tests and the bench. */
    similarityStats: () => ({ ...cache.stats }),
  };
}

/** Labelled posters per genre (case-insensitive), in the model's genre order. */
function genreCounts(db: Db, imageIds: readonly number[], genres: readonly string[]): number[] {
  const counts = new Map<string, number>();
  const q = db.prepare('SELECT lower(g.name) FROM labels l JOIN genres g ON g.id = l.genre_id WHERE l.image_id = ?').pluck();
  for (const id of imageIds) for (const name of q.all(id) as string[]) counts.set(name, (counts.get(name) ?? 0) + 1);
  return genres.map((g) => counts.get(g.toLowerCase()) ?? 0);
}

export type LoopService = ReturnType<typeof createLoopService>;
