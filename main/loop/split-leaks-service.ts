/**
 * The import report's leak check (loop:splitLeaks) and "keep on one side" (loop:keepOnTrain); see
 * split-leaks.ts. Part of the loop service: it shares its similarity cache.
 */
import type { z } from 'zod';
import type * as Lp from '../../contract/schemas/loop';
import type { Db } from '../db/database';
import type { DataPaths } from '../core/data-dir';
import type { BackboneVariant } from '../ml/backbones/types';
import { getLibrary } from '../library/library-repo';
import { InvalidError } from '../core/errors';
import { similarPairsFast } from './fast-nearest';
import type { SimilarityCache } from './similarity-cache';
import { backfillPhashes, phashPairs, sidePosters, type SidePoster } from './split-leaks';

type Pair = z.infer<typeof Lp.LeakPair>;
type Source = { backbone: string; variant: BackboneVariant } | null;

/** Embedding pairs (train, val) at or above `minCosine` among the library's posters. */
async function embeddingPairs(cache: SimilarityCache, source: NonNullable<Source>, libraryId: number, byId: Map<number, SidePoster>, minCosine: number) {
  const { index, rows, notEmbedded } = await cache.get(source.backbone, source.variant, [libraryId]);
  const pairs: { train: SidePoster; val: SidePoster; cosine: number }[] = [];
  for (const p of await similarPairsFast(index, minCosine, 50_000)) {
    const a = byId.get(rows[p.a].imageId);
    const b = byId.get(rows[p.b].imageId);
    if (!a || !b || a.hash === b.hash) continue;
    if (a.side === 'train' && b.side === 'val') pairs.push({ train: a, val: b, cosine: p.cosine });
    else if (a.side === 'val' && b.side === 'train') pairs.push({ train: b, val: a, cosine: p.cosine });
  }
  return { pairs, notEmbedded };
}

export function createSplitLeaks(db: Db, paths: Pick<DataPaths, 'thumbnails'>, cache: SimilarityCache, similarityBackbone: () => Source) {
  return {
    async splitLeaks(req: z.output<typeof Lp.SplitLeaksRequest>): Promise<z.infer<typeof Lp.SplitLeaks>> {
      getLibrary(db, req.libraryId); // NotFoundError for an unknown library
      await backfillPhashes(db, req.libraryId, paths.thumbnails);
      const all = sidePosters(db, req.libraryId);
      const byId = new Map(all.map((p) => [p.imageId, p]));
      const train = all.filter((p) => p.side === 'train');
      const val = all.filter((p) => p.side === 'val');
      const found = new Map<string, Pair>();
      const pairOf = (t: SidePoster, v: SidePoster): Pair => {
        const key = `${t.imageId}-${v.imageId}`;
        let p = found.get(key);
        if (!p) {
          p = {
            train: { imageId: t.imageId, posterId: t.posterId },
            val: { imageId: v.imageId, posterId: v.posterId },
            by: [],
            hamming: null,
            cosine: null,
            keptOnTrain: v.overridden,
          };
          found.set(key, p);
        }
        return p;
      };
      for (const { t, v, bits } of phashPairs(train, val, req.maxHamming)) Object.assign(pairOf(train[t], val[v]), { hamming: bits }).by.push('phash');
      const source = similarityBackbone();
      let notEmbedded = all.length;
      if (source) {
        const e = await embeddingPairs(cache, source, req.libraryId, byId, req.minCosine);
        notEmbedded = e.notEmbedded;
        for (const { train: t, val: v, cosine } of e.pairs) Object.assign(pairOf(t, v), { cosine: Math.round(cosine * 1e4) / 1e4 }).by.push('embedding');
      }
      // Open leaks first, the surest first (both methods, then fewest bits, then highest cosine).
      const pairs = [...found.values()].sort(
        (a, b) =>
          Number(a.keptOnTrain) - Number(b.keptOnTrain) ||
          b.by.length - a.by.length ||
          (a.hamming ?? 99) - (b.hamming ?? 99) ||
          (b.cosine ?? 0) - (a.cosine ?? 0),
      );
      const open = pairs.filter((p) => !p.keptOnTrain);
      const note = source ? undefined : 'Compared by perceptual hash only: train or tag with a model to compare the embeddings too (they also catch crops).';
      return {
        pairs: pairs.slice(0, req.limit),
        straddling: open.length,
        kept: pairs.length - open.length,
        valToMove: new Set(open.map((p) => p.val.imageId)).size,
        sides: { train: train.length, val: val.length, unassigned: all.length - train.length - val.length },
        backbone: source?.backbone ?? null,
        notEmbedded,
        note,
      };
    },

    /** Records (or, with undo, removes) split overrides for val posters of the library. */
    keepOnTrain(req: z.output<typeof Lp.KeepOnTrainRequest>): z.infer<typeof Lp.KeepOnTrainResult> {
      getLibrary(db, req.libraryId);
      const byId = new Map(sidePosters(db, req.libraryId).map((p) => [p.imageId, p]));
      const chosen = [...new Set(req.imageIds)].map((id) => {
        const p = byId.get(id);
        if (!p) throw new InvalidError(`Poster ${id} is not a readable poster of this library.`);
        if (p.side !== 'val') throw new InvalidError(`Poster "${p.posterId}" is not on the val side, so there is nothing to keep on train.`);
        return p;
      });
      const put = db.prepare("INSERT OR IGNORE INTO split_overrides (hash, split, reason) VALUES (?, 'train', 'near-duplicate of a train poster')");
      const drop = db.prepare('DELETE FROM split_overrides WHERE hash = ?');
      let moved = 0;
      db.transaction(() => {
        for (const p of chosen) moved += (req.undo ? drop.run(p.hash) : put.run(p.hash)).changes;
      })();
      return { moved, unchanged: chosen.length - moved };
    },
  };
}
