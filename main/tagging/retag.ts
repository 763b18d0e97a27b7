/**
 * Re-derives a run's stored tags from its stored probabilities when its tagging settings change (mode,
 * "at most N tags", saved thresholds), so the gallery, its filters and exports agree with what Tag, Try it
 * and predict now give. No embedding or model weights are needed: only the decision rule.
 */
import type { Db } from '../db/database';
import { headTags, type HeadRules, type TagOptions } from '../runs/head-tags';
import { decodeScoresInto } from './predictions-repo';

const PAGE = 1000;

export interface RetagResult {
  /** Stored predictions of the run. */
  predictions: number;
  /** Predictions whose tags changed. */
  changed: number;
}

/**
 * Applies `opts` to every stored prediction of the run, in one transaction (a gallery never sees half the
 * run re-tagged). Updates predictions.tags and prediction_scores.tagged only where they change.
 */
export function rederiveRunTags(db: Db, runId: number, head: HeadRules, opts: TagOptions): RetagResult {
  const g = head.genres.length;
  const page = db.prepare('SELECT id, genre_count AS count, probabilities, tags FROM predictions WHERE run_id = ? AND id > ? ORDER BY id LIMIT ?');
  const setTags = db.prepare('UPDATE predictions SET tags = ? WHERE id = ?');
  const setTagged = db.prepare('UPDATE prediction_scores SET tagged = ? WHERE prediction_id = ? AND genre = ?');
  const result: RetagResult = { predictions: 0, changed: 0 };
  db.transaction(() => {
    let after = 0;
    for (;;) {
      const raw = page.all(runId, after, PAGE) as { id: number; count: number; probabilities: Buffer; tags: string }[];
      if (raw.length === 0) break;
      after = raw[raw.length - 1].id;
      // A row written for another genre list (cannot happen through the app) is left alone.
      const rows = raw.filter((r) => r.count === g && r.probabilities.length === 4 * g);
      if (rows.length === 0) continue;
      const scores = new Float32Array(rows.length * g);
      rows.forEach((r, i) => decodeScoresInto(r.probabilities, scores, i * g));
      const { tags } = headTags(head, scores, rows.length, opts);
      rows.forEach((r, i) => {
        result.predictions++;
        const next = JSON.stringify(tags[i]);
        if (next === r.tags) return;
        result.changed++;
        const before = new Set(JSON.parse(r.tags) as string[]);
        const now = new Set(tags[i]);
        setTags.run(next, r.id);
        head.genres.forEach((genre, j) => {
          if (before.has(genre) !== now.has(genre)) setTagged.run(now.has(genre) ? 1 : 0, r.id, j);
        });
      });
    }
  })();
  return result;
}
