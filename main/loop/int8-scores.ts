/**
 * Dot products of int8 rows with int8 query columns through ONNX Runtime's MatMulInteger (MLAS's int8
 * kernels): the scoring pass of a nearest-neighbour query reads n × d bytes instead of
 * n × d floats. 100,000 × 256 takes 6–17 ms on this machine under load, against 50–170 ms for the plain JavaScript
 * float loop (scripts/bench/loop.ts). One session for the process, made on first use.
 */
import type { InferenceSession } from 'onnxruntime-node';
import type { Ort } from '../ml/ort-matmul';
import { OnnxGraphBuilder, OnnxType } from '../ml/onnx/onnx-writer';

let session: Promise<InferenceSession> | undefined;

function ort(): Ort {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- loaded lazily (CommonJS at run time), as linear-cv does
  return require('onnxruntime-node') as Ort;
}

function int8Session(): Promise<InferenceSession> {
  if (!session) {
    const g = new OnnxGraphBuilder('int8_scores');
    g.input('a', ['n', 'd'], OnnxType.INT8);
    g.input('b', ['d', 'm'], OnnxType.INT8);
    g.node('MatMulInteger', ['a', 'b'], 'y');
    g.output('y', ['n', 'm'], OnnxType.INT32);
    session = ort().InferenceSession.create(g.toBytes(), {
      executionProviders: ['cpu'],
      // One thread: under load a two-thread product waits for its slower half (medians 12–49 ms against
      // 11–17 ms with one at a load of 10), and a query should leave the other core to the app.
      intraOpNumThreads: 1,
      interOpNumThreads: 1,
      extra: { session: { intra_op: { allow_spinning: '0' } } },
    });
    session.catch(() => (session = undefined));
  }
  return session;
}

/** rows (n × d int8) times columns (d × m int8): n × m int32, row-major. */
export async function int8Scores(rows: Int8Array, n: number, d: number, columns: Int8Array, m: number): Promise<Int32Array> {
  if (n === 0 || m === 0) return new Int32Array(n * m);
  const s = await int8Session();
  const { Tensor } = ort();
  const out = await s.run({ a: new Tensor('int8', rows.subarray(0, n * d), [n, d]), b: new Tensor('int8', columns.subarray(0, d * m), [d, m]) });
  return out.y.data as Int32Array;
}
