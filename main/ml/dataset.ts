/** In-memory embedding sets: what training and evaluation work on. */

export interface EmbeddingSet {
  /** n × dim embeddings, row-major. */
  x: Float32Array;
  /** n × genres targets, 0/1. */
  y: Uint8Array | Float32Array;
  n: number;
  /** Optional n × dim embeddings of the horizontally flipped posters, same row order as x. */
  xFlip?: Float32Array;
}

/** Checks the set's sizes against the genre count and returns the embedding size. */
export function checkEmbeddingSet(set: EmbeddingSet, g: number, name: string): number {
  if (!Number.isInteger(set.n) || set.n <= 0) throw new Error(`The ${name} set is empty`);
  if (set.x.length % set.n !== 0 || set.x.length === 0)
    throw new Error(`The ${name} set has ${set.x.length} embedding values, not a multiple of its ${set.n} posters`);
  const dim = set.x.length / set.n;
  if (set.y.length !== set.n * g) throw new Error(`The ${name} set has ${set.y.length} target values, expected ${set.n} posters × ${g} genres`);
  if (set.xFlip && set.xFlip.length !== set.x.length)
    throw new Error(`The ${name} set's flipped embeddings do not match its embeddings (${set.xFlip.length} vs ${set.x.length} values)`);
  for (const arr of set.xFlip ? [set.x, set.xFlip] : [set.x]) {
    for (let i = 0; i < arr.length; i++) {
      if (!Number.isFinite(arr[i])) throw new Error(`The ${name} set has a non-finite embedding value at poster ${Math.floor(i / dim)}`);
    }
  }
  return dim;
}

/** The rows `idx` of a set, copied. */
export function subsetEmbeddingSet(set: EmbeddingSet, idx: ArrayLike<number>, g: number): EmbeddingSet {
  const dim = set.x.length / set.n;
  const n = idx.length;
  const x = new Float32Array(n * dim);
  const xFlip = set.xFlip ? new Float32Array(n * dim) : undefined;
  const y = set.y instanceof Uint8Array ? new Uint8Array(n * g) : new Float32Array(n * g);
  for (let r = 0; r < n; r++) {
    const i = idx[r];
    x.set(set.x.subarray(i * dim, (i + 1) * dim), r * dim);
    xFlip?.set(set.xFlip!.subarray(i * dim, (i + 1) * dim), r * dim);
    y.set(set.y.subarray(i * g, (i + 1) * g), r * g);
  }
  return xFlip ? { x, y, n, xFlip } : { x, y, n };
}
