/**
 * Posters are scored as the metrics were measured: the original and the mirrored poster, scores averaged
 * (test-time flip). These are the shared steps — embed both views (cached by content), load both from the
 * cache, score with the head — for predicting, training and tagging alike.
 */
import type { Db } from '../db/database';
import type { JobContext } from '../jobs/types';
import { embedImages, type EmbedOptions, type EmbedSummary } from '../ml/features/pipeline';
import { loadEmbeddings } from '../ml/features/embedding-store';
import { headScores } from './head-tags';
import { variantOf, viewsOf, type LoadedHead } from './model-io';
import type { BackboneVariant } from '../ml/backbones/types';

export interface PosterFile {
  path: string;
  hash: string;
}

/** Embeds the posters' original and flipped views into the cache (what is cached is skipped). */
export function embedBothViews(
  db: Db,
  posters: readonly PosterFile[],
  backbone: string,
  ctx: JobContext,
  opts: Omit<EmbedOptions, 'views'> = {},
): Promise<EmbedSummary> {
  return embedImages(db, posters, backbone, ctx, { ...opts, views: ['original', 'flipped'] });
}

/** Whether scoring with this head embeds the original view alone: its model's setting, or *fast*. */
export function originalOnly(head: Pick<LoadedHead, 'metadata'>, fast?: boolean): boolean {
  return Boolean(fast) || viewsOf(head.metadata) === 'original';
}

export interface BothViews {
  /** n × dim original embeddings (zeros where missing). */
  x: Float32Array;
  /** The flipped ones, only when every poster has one. */
  xFlip?: Float32Array;
  /** Posters without an original embedding. */
  missing: number;
}

/** The cached original and flipped embeddings of these contents, in their order. */
export function loadBothViews(db: Db, hashes: readonly string[], backbone: string, variant: BackboneVariant = 'float32', originalOnly = false): BothViews {
  const original = loadEmbeddings(db, hashes, backbone, 'original', variant);
  if (originalOnly) return { x: original.vectors, missing: original.missingCount };
  const flipped = loadEmbeddings(db, hashes, backbone, 'flipped', variant);
  return { x: original.vectors, xFlip: flipped.missingCount === 0 ? flipped.vectors : undefined, missing: original.missingCount };
}

export interface BothViewsScores<P extends PosterFile> {
  /** The posters that embedded, in the given order: row i of `scores` is scored[i]. */
  scored: P[];
  /** scored.length × head.genres.length probabilities. */
  scores: Float32Array;
  /** Posters the backbone could not read, with why. */
  failed: { path: string; reason: string }[];
}

/** Embed both views → load original and flipped → the head's scores with test-time flip. */
export async function scoreBothViews<P extends PosterFile>(
  db: Db,
  head: LoadedHead,
  posters: readonly P[],
  ctx: JobContext,
  opts: { embed?: Omit<EmbedOptions, 'views'>; signal?: AbortSignal; fast?: boolean } = {},
): Promise<BothViewsScores<P>> {
  const backbone = head.metadata.backbone.id;
  const variant = variantOf(head.metadata);
  // The original view alone: half the backbone passes (README "Quality" says what the flip adds).
  const fast = originalOnly(head, opts.fast);
  const summary = fast
    ? await embedImages(db, posters, backbone, ctx, { ...opts.embed, variant, views: ['original'] })
    : await embedBothViews(db, posters, backbone, ctx, { ...opts.embed, variant });
  const failedPaths = new Set(summary.failed.map((f) => f.path));
  const scored = posters.filter((p) => !failedPaths.has(p.path));
  const views = loadBothViews(
    db,
    scored.map((p) => p.hash),
    backbone,
    variant,
    fast,
  );
  const scores = await headScores(head, views.x, scored.length, { xFlip: fast ? undefined : views.xFlip, signal: opts.signal });
  return { scored, scores, failed: summary.failed };
}
