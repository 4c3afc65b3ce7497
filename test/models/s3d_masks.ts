// Diagnosis helpers for the tiny S3D train-mode gradient gap (docs/models.md, "float32 mask flips"):
//  - the B = 16 'distinct clips' input of test/fixtures/gen/models_f32_conditioning.py,
//  - a float64 walk of a model spec that delegates every layer to src/models/reference.ts::refNode except
//    ReLU and max-pool, whose decisions (ReLU mask x > 0, max-pool argmax, first strict max as torch and our
//    pool kernel) can be taken from another run (our float32 GPU forward) instead of its own float64 values.
// If the float64 backward with the GPU's decisions reproduces the GPU gradients while the float64 backward with
// its own decisions does not, the gap is the flipped decisions and not an op's arithmetic.
import type { Node } from '../../src/models/graph.ts';
import { refNode, type RefRun, type RefTensor } from '../../src/models/reference.ts';
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

/** Argmax (flat index into x) per max-pool output; first strict maximum, padding never wins. */
export function poolArgmax(x: ArrayLike<number>, shape: number[], node: Extract<Node, { op: 'maxpool' }>): Int32Array {
  const [B, C, T, H, W] = shape;
  const [kT, kH, kW] = node.kernel, [sT, sH, sW] = node.stride, [pT, pH, pW] = node.padding;
  const oT = Math.floor((T + 2 * pT - kT) / sT) + 1, oH = Math.floor((H + 2 * pH - kH) / sH) + 1, oW = Math.floor((W + 2 * pW - kW) / sW) + 1;
  const arg = new Int32Array(B * C * oT * oH * oW);
  let yi = 0;
  for (let bc = 0; bc < B * C; bc++)
    for (let ot = 0; ot < oT; ot++)
      for (let oh = 0; oh < oH; oh++)
        for (let ow = 0; ow < oW; ow++, yi++) {
          let best = -Infinity, bi = -1;
          for (let kt = 0; kt < kT; kt++) {
            const it = ot * sT + kt - pT;
            if (it < 0 || it >= T) continue;
            for (let kh = 0; kh < kH; kh++) {
              const ih = oh * sH + kh - pH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < kW; kw++) {
                const iw = ow * sW + kw - pW;
                if (iw < 0 || iw >= W) continue;
                const xi = ((bc * T + it) * H + ih) * W + iw;
                if (x[xi] > best || bi < 0) (best = x[xi]), (bi = xi);
              }
            }
          }
          arg[yi] = bi;
        }
  return arg;
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
 * elements where use.reluIn[i] > 0 and max-pool i reads use.poolArg[i] (decisions of another run).
 */
export function maskedWalk(run: RefRun, node: Node, x: RefTensor, seen: Decisions, use?: { reluIn: ArrayLike<number>[]; poolArg: Int32Array[] }, round = false): RefTensor {
  const y = walkNode(run, node, x, seen, use, round);
  // round: every layer's output stored as float32 (exact float64 arithmetic otherwise): how much float32
  // storage alone moves the result, i.e. the conditioning of the network on this input.
  if (round && node.op !== 'seq' && node.op !== 'concat') for (let i = 0; i < y.data.length; i++) y.data[i] = Math.fround(y.data[i]);
  return y;
}

function walkNode(run: RefRun, node: Node, x: RefTensor, seen: Decisions, use: { reluIn: ArrayLike<number>[]; poolArg: Int32Array[] } | undefined, round: boolean): RefTensor {
  const gradOf = (t: RefTensor): Float64Array => (t.grad ??= new Float64Array(t.data.length));
  switch (node.op) {
    case 'seq':
      return node.children.reduce((t, c) => maskedWalk(run, c, t, seen, use, round), x);
    case 'relu': {
      const i = seen.reluIn.length;
      seen.reluIn.push(x.data);
      const m = use ? use.reluIn[i] : x.data;
      const y: RefTensor = { shape: [...x.shape], data: x.data.map((v, k) => (m[k] > 0 ? v : 0)) };
      run.tape.push(() => {
        if (!y.grad) return;
        const dX = gradOf(x);
        for (let k = 0; k < dX.length; k++) if (m[k] > 0) dX[k] += y.grad[k];
      });
      return y;
    }
    case 'maxpool': {
      const i = seen.poolArg.length;
      const own = poolArgmax(x.data, x.shape, node);
      seen.poolArg.push(own);
      seen.poolIn.push(x.data);
      const arg = use ? use.poolArg[i] : own;
      const [B, C, T, H, W] = x.shape;
      const o = [0, 1, 2].map((d) => Math.floor(([T, H, W][d] + 2 * node.padding[d] - node.kernel[d]) / node.stride[d]) + 1);
      const y: RefTensor = { shape: [B, C, ...o], data: Float64Array.from(arg, (a) => x.data[a]) };
      run.tape.push(() => {
        if (!y.grad) return;
        const dX = gradOf(x);
        for (let k = 0; k < arg.length; k++) dX[arg[k]] += y.grad[k];
      });
      return y;
    }
    case 'concat': {
      const outs = node.branches.map((b) => maskedWalk(run, b, x, seen, use, round));
      const B = x.shape[0];
      const sp = outs[0].shape.slice(2), S = sp.reduce((a, b) => a * b, 1);
      const C = outs.reduce((s, t) => s + t.shape[1], 0);
      const y: RefTensor = { shape: [B, C, ...sp], data: new Float64Array(B * C * S) };
      const copy = (back: boolean): void => {
        let c0 = 0;
        for (const t of outs) {
          const Co = t.shape[1];
          for (let b = 0; b < B; b++)
            for (let k = 0; k < Co * S; k++) {
              const yi = (b * C + c0) * S + k, ti = b * Co * S + k;
              if (back) gradOf(t)[ti] += y.grad![yi];
              else y.data[yi] = t.data[ti];
            }
          c0 += Co;
        }
      };
      copy(false);
      run.tape.push(() => y.grad && copy(true));
      return y;
    }
    case 'residual':
      throw new Error('maskedWalk: residual not needed for S3D');
    case 'bn': {
      const y = refNode(run, node, x);
      seen.bnOut.set(node.name, y.data);
      return y;
    }
    default:
      return refNode(run, node, x);
  }
}
