/**
 * Keys of what a job does (JobSpec.key), so a second identical request (a double click, Train pressed
 * again) finds the queued or running job and returns it instead of queueing a copy.
 */

/** One tagging job: the run, the set of libraries (order and repeats do not matter) and whether it re-tags everything. */
export function tagJobKey(runId: number, libraryIds: readonly number[], force: boolean): string {
  const ids = [...new Set(libraryIds)].sort((a, b) => a - b);
  return `tag:run=${runId}:libraries=${ids.join(',')}:force=${force ? 1 : 0}`;
}

export interface TrainingSettings {
  libraryId: number;
  /** Libraries trained on together with libraryId (none: undefined or empty). */
  alsoLibraryIds?: readonly number[];
  genres: readonly string[];
  backbone: string;
  /** The resolved training config (head, epochs, learning rate, seed, batch size, patience, …). */
  config: Record<string, unknown>;
}

/** One training: same library, genres (as a set), backbone and resolved config (head included) is the same run. */
export function trainingJobKey(s: TrainingSettings): string {
  const genres = [...new Set(s.genres)].sort();
  const also = s.alsoLibraryIds?.length ? [...new Set(s.alsoLibraryIds)].sort((a, b) => a - b) : undefined;
  return `train:${stableJson({ libraryId: s.libraryId, also, genres, backbone: s.backbone, config: s.config })}`;
}

/** JSON with object keys sorted at every level, so equal settings give equal text. */
export function stableJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(stableJson).join(',')}]`;
  if (v && typeof v === 'object') {
    const o = v as Record<string, unknown>;
    return `{${Object.keys(o)
      .filter((k) => o[k] !== undefined)
      .sort()
      .map((k) => `${JSON.stringify(k)}:${stableJson(o[k])}`)
      .join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
