/**
 * What a run tags with, read from its model folder's metadata.json only (genres, thresholds, decision
 * rule; no weights): for re-deriving stored tags and for showing the thresholds in use. Cached by file and
 * modification time, so listing runs does not re-read unchanged files.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { HeadRules } from './head-tags';
import { readHeadMetadata } from './model-io';
import type { Run } from './runs-repo';

const cache = new Map<string, { mtimeMs: number; rules: HeadRules }>();

/** The run's tagging rules; null when it has no readable model. */
export function runHeadRules(run: Pick<Run, 'status' | 'modelPath'>): HeadRules | null {
  if (run.status !== 'done' || !run.modelPath) return null;
  const file = path.join(run.modelPath, 'metadata.json');
  const stat = fs.statSync(file, { throwIfNoEntry: false });
  if (!stat) return null;
  const hit = cache.get(file);
  if (hit && hit.mtimeMs === stat.mtimeMs) return hit.rules;
  try {
    const metadata = readHeadMetadata(run.modelPath);
    const rules: HeadRules = { genres: metadata.genres, thresholds: metadata.thresholds, metadata: { decision: metadata.decision } };
    cache.set(file, { mtimeMs: stat.mtimeMs, rules });
    return rules;
  } catch {
    return null; // damaged: loading the model says why
  }
}
