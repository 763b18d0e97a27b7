/**
 * The fast path of similarity queries: every index row is also kept as int8 codes with a per-row scale
 * (a quarter of the float32 bytes), the scoring pass over all rows is one int8 matrix product
 * (int8-scores.ts), a bounded heap keeps the best few candidates, and those are rescored exactly on the
 * float32 rows. The answer is the exact top-k whenever the exact top-k is among the candidates, which the
 * int8 error (≈ 0.002 in cosine at 256 dims) leaves in all but near-ties (test/unit/loop/fast-nearest.test.ts).
 */
import { dot, type SimilarityIndex } from './similarity';
import { int8Scores } from './int8-scores';

export interface FastIndex extends SimilarityIndex {
  /** n × d int8 codes: vectors[i·d + k] ≈ codes[i·d + k] · scales[i]. */
  codes: Int8Array;
  scales: Float32Array;
}

/** Quantises rows [from, to) of `vectors` into `codes` and `scales` (symmetric, per row). */
export function quantiseRows(vectors: Float32Array, d: number, from: number, to: number, codes: Int8Array, scales: Float32Array): void {
  for (let i = from; i < to; i++) {
    const o = i * d;
    let max = 0;
    for (let k = 0; k < d; k++) max = Math.max(max, Math.abs(vectors[o + k]));
    const scale = max > 0 ? max / 127 : 1;
    scales[i] = scale;
    for (let k = 0; k < d; k++) codes[o + k] = Math.round(vectors[o + k] / scale);
  }
}

/** The int8 codes of a float index. */
export function quantised(index: SimilarityIndex): FastIndex {
  const codes = new Int8Array(index.n * index.d);
  const scales = new Float32Array(index.n);
  quantiseRows(index.vectors, index.d, 0, index.n, codes, scales);
  return { ...index, codes, scales };
}

/** A min-heap of (score, row) of bounded size: the best `size` seen so far. */
class TopHeap {
  readonly score: Float64Array;
  readonly row: Int32Array;
  length = 0;
  constructor(readonly size: number) {
    this.score = new Float64Array(size);
    this.row = new Int32Array(size);
  }
  /** The score a newcomer must beat once full. */
  get floor(): number {
    return this.length < this.size ? -Infinity : this.score[0];
  }
  push(s: number, r: number): void {
    if (this.length < this.size) {
      let i = this.length++;
      while (i > 0) {
        const p = (i - 1) >> 1;
        if (this.score[p] <= s) break;
        this.score[i] = this.score[p];
        this.row[i] = this.row[p];
        i = p;
      }
      this.score[i] = s;
      this.row[i] = r;
    } else if (s > this.score[0]) this.siftDown(s, r);
  }
  private siftDown(s: number, r: number): void {
    let i = 0;
    for (;;) {
      let c = 2 * i + 1;
      if (c >= this.length) break;
      if (c + 1 < this.length && this.score[c + 1] < this.score[c]) c++;
      if (this.score[c] >= s) break;
      this.score[i] = this.score[c];
      this.row[i] = this.row[c];
      i = c;
    }
    this.score[i] = s;
    this.row[i] = r;
  }
}

/**
 * The k rows most similar to row `row` (itself and `exclude` left out), most similar first, with exact
 * float32 cosines. `candidates` rows are rescored (default 4k + 64).
 */
export async function nearestFast(
  index: FastIndex,
  row: number,
  k: number,
  exclude?: (i: number) => boolean,
  candidates = 4 * k + 64,
): Promise<{ row: number; cosine: number }[]> {
  const { n, d, codes, scales, vectors } = index;
  if (n === 0 || k <= 0) return [];
  const approx = await int8Scores(codes, n, d, codes.subarray(row * d, (row + 1) * d), 1);
  const heap = new TopHeap(Math.min(candidates, n));
  for (let i = 0; i < n; i++) {
    const s = approx[i] * scales[i];
    if (s <= heap.floor || i === row || exclude?.(i)) continue;
    heap.push(s, i);
  }
  const out: { row: number; cosine: number }[] = [];
  for (let j = 0; j < heap.length; j++) out.push({ row: heap.row[j], cosine: dot(vectors, row * d, heap.row[j] * d, d) });
  return out.sort((a, b) => b.cosine - a.cosine || a.row - b.row).slice(0, k);
}

const PAIR_BLOCK = 256;
/** Slack on the int8 cosine before the exact check (its error is far below this). */
const PAIR_SLACK = 0.02;

/** Every pair of rows at least `threshold` alike, most alike first: int8 products by blocks of rows, exact cosines. */
export async function similarPairsFast(index: FastIndex, threshold: number, limit = 10_000): Promise<{ a: number; b: number; cosine: number }[]> {
  const { n, d, codes, scales, vectors } = index;
  const pairs: { a: number; b: number; cosine: number }[] = [];
  const block = new Int8Array(d * PAIR_BLOCK);
  for (let b0 = 0; b0 < n; b0 += PAIR_BLOCK) {
    const m = Math.min(PAIR_BLOCK, n - b0);
    for (let j = 0; j < m; j++) for (let k = 0; k < d; k++) block[k * m + j] = codes[(b0 + j) * d + k];
    // Rows before the block's end only: each pair once (a < b).
    const rows = b0 + m;
    const s = await int8Scores(codes, rows, d, block, m);
    for (let a = 0; a < rows; a++) {
      for (let j = 0; j < m; j++) {
        const b = b0 + j;
        if (b <= a || s[a * m + j] * scales[a] * scales[b] < threshold - PAIR_SLACK) continue;
        const c = dot(vectors, a * d, b * d, d);
        if (c >= threshold) pairs.push({ a, b, cosine: c });
      }
    }
  }
  return pairs.sort((p, q) => q.cosine - p.cosine).slice(0, limit);
}
