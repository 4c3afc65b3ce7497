// Diagnosis helpers for the tiny S3D train-mode gradient gap (docs/models.md, "float32 mask flips"):
//  - the B = 16 'distinct clips' input of test/fixtures/gen/models_f32_conditioning.py,
//  - a float64 walk of a model spec that delegates every layer to src/models/reference.ts::refNode except
//    ReLU and max-pool, whose decisions (ReLU mask x > 0, max-pool argmax, first strict max as torch and our
//    pool kernel) can be taken from another run (our float32 GPU forward) instead of its own float64 values.
// If the float64 backward with the GPU's decisions reproduces the GPU gradients while the float64 backward with
// its own decisions does not, the gap is the flipped decisions and not an op's arithmetic.
import type { Node } from '../../src/models/graph.ts';
import { forEachPoolWindow, maxPoolWith, poolArgmax, poolOut, refNode, reluWith, type RefRun, type RefTensor } from '../../src/models/reference.ts';
import { uniformArray64 } from '../../src/models/rng.ts';

/** models_f32_conditioning.py 'distinct': clip b = o_b + s_b u, o_b = 0.5 U(stream+10), s_b = 1 + 0.75 U(stream+11); float32. */
export function distinctClips(shape: number[], seed: number, stream: number): Float32Array {
  const B = shape[0], n = shape.slice(1).reduce((a, b) => a * b, 1);
  const u = uniformArray64(B * n, { seed, stream });
  const o = uniformArray64(B, { seed, stream: stream + 10, scale: 0.5 });
  const s = uniformArray64(B, { seed, stream: stream + 11, scale: 0.75, offset: 1 });
  const out = new Float32Array(B * n);
  for (let b = 0; b < B; b++) for (let i = 0; i < n; i++) out[b * n + i] = o[b] + s[b] * u[b * n + i];
  return out;
}

/** What a masked walk saw at each ReLU / max-pool, in visiting order. */
export interface Decisions {
  /** Input of each ReLU (float64 values of this walk). */
  reluIn: Float64Array[];
  /** Argmax of each max-pool (of this walk's own values). */
  poolArg: Int32Array[];
  /** Input of each max-pool. */
  poolIn: Float64Array[];
  /** Output of each BN by layer name. */
  bnOut: Map<string, Float64Array>;
}

/**
 * float64 walk of `node` on `x` (3-D layout), recording into `seen`. With `use`, ReLU i keeps exactly the
 * elements where use.reluIn[i] > 0 and max-pool i reads use.poolArg[i] (decisions of another run). The
 * reference interpreter does the wiring: this walk is its `run.walk`, handling only ReLU, max-pool and BN.
 */
export function maskedWalk(run: RefRun, node: Node, x: RefTensor, seen: Decisions, use?: { reluIn: ArrayLike<number>[]; poolArg: Int32Array[] }, round = false): RefTensor {
  const walk = (r: RefRun, n: Node, t: RefTensor): RefTensor => {
    const y = layer(r, n, t, seen, use);
    // round: every layer's output stored as float32 (exact float64 arithmetic otherwise): how much float32
    // storage alone moves the result, i.e. the conditioning of the network on this input.
    if (round && n.op !== 'seq' && n.op !== 'concat') for (let i = 0; i < y.data.length; i++) y.data[i] = Math.fround(y.data[i]);
    return y;
  };
  const before = run.walk;
  run.walk = walk;
  try {
    return walk(run, node, x);
  } finally {
    run.walk = before;
  }
}

function layer(run: RefRun, node: Node, x: RefTensor, seen: Decisions, use: { reluIn: ArrayLike<number>[]; poolArg: Int32Array[] } | undefined): RefTensor {
  switch (node.op) {
    case 'relu': {
      const i = seen.reluIn.length;
      seen.reluIn.push(x.data);
      return reluWith(run, x, use ? use.reluIn[i] : x.data);
    }
    case 'maxpool': {
      const i = seen.poolArg.length;
      const own = poolArgmax(x.data, x.shape, node);
      seen.poolArg.push(own);
      seen.poolIn.push(x.data);
      return maxPoolWith(run, node, x, use ? use.poolArg[i] : own);
    }
    case 'bn': {
      const y = refNode(run, node, x);
      seen.bnOut.set(node.name, y.data);
      return y;
    }
    default:
      return refNode(run, node, x);
  }
}

/**
 * Per max-pool window: the gap between the window's max and its largest strictly smaller value (the distance to
 * the kink where another element would win; values tied exactly with the max are copies of one upstream value and
 * are decided by position in any run). Infinity where the max is <= 0 (an all-ReLU-zero window: no gradient flows
 * whichever element wins) or nothing is smaller. Same windows as reference.ts::poolArgmax (forEachPoolWindow).
 */
export function poolGaps(x: ArrayLike<number>, shape: readonly number[], node: Extract<Node, { op: 'maxpool' }>): Float64Array {
  if (shape.length !== 5 || node.kernel.length !== 3 || node.stride.length !== 3 || node.padding.length !== 3) throw new Error('poolGaps: 3-D max-pools only');
  const gaps = new Float64Array(shape[0] * shape[1] * poolOut(shape, node).reduce((p, q) => p * q, 1));
  forEachPoolWindow(shape, node, (yi, idx, n) => {
    let top = -Infinity, next = -Infinity;
    for (let j = 0; j < n; j++) top = Math.max(top, x[idx[j]]);
    for (let j = 0; j < n; j++) if (x[idx[j]] < top && x[idx[j]] > next) next = x[idx[j]];
    gaps[yi] = top > 0 && next > -Infinity ? top - next : Infinity;
  });
  return gaps;
}
