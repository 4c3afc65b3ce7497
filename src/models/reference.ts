// Plain-TypeScript float64 interpreter of a model spec (./graph.ts): forward in eval or train mode and a
// reverse pass, no GPU. It is the oracle the engine-based encoders are tested against (STYLE #2, #9) and the
// proof, today, that the specs are the same networks as torchvision's (test/models/reference.test.ts
// against test/fixtures/models/*_tiny.bin). Slow on purpose: naive loops, one activation per node kept.
// 2-D layers run as 3-D with T = 1. Layout (B, C, T, H, W), C order.
import { ModelSpecError } from '../errors.ts';
import type { Node } from './graph.ts';

export interface RefTensor {
  /** (B, C, T, H, W) for activations (T = 1 for 2-D models), (B, F) after pooling. */
  shape: number[];
  data: Float64Array;
  grad?: Float64Array;
}
export type RefState = Map<string, ArrayLike<number> | BigInt64Array>;

export interface RefRun {
  mode: 'eval' | 'train';
  state: RefState;
  /** Gradients of trainable parameters by state_dict name (filled by backward). */
  grads: Map<string, Float64Array>;
  /** New BN buffers after a train-mode forward (running_mean, running_var, num_batches_tracked). */
  updated: Map<string, Float64Array | BigInt64Array>;
  tape: (() => void)[];
  /**
   * Runs the children of seq / concat / residual nodes (default refNode). A caller that sets it sees every
   * layer on the way down and may handle some itself (test/models/s3d_masks.ts swaps in ReLU / max-pool
   * decisions of another run) while refNode keeps the wiring.
   */
  walk?: (run: RefRun, node: Node, x: RefTensor) => RefTensor;
}

const numel = (s: readonly number[]): number => s.reduce((a, b) => a * b, 1);
const tensor = (shape: number[]): RefTensor => ({ shape, data: new Float64Array(numel(shape)) });
const gradOf = (t: RefTensor): Float64Array => (t.grad ??= new Float64Array(t.data.length));

function param(run: RefRun, name: string, n: number): Float64Array {
  const v = run.state.get(name);
  if (!v) throw new ModelSpecError(`reference forward: state has no '${name}'`);
  if (v.length !== n) throw new ModelSpecError(`reference forward: '${name}' has ${v.length} values, the spec needs ${n}`);
  return Float64Array.from(v as ArrayLike<number>);
}
function accumulate(run: RefRun, name: string, g: Float64Array): void {
  const cur = run.grads.get(name);
  if (!cur) run.grads.set(name, g);
  else for (let i = 0; i < g.length; i++) cur[i] += g[i];
}

/** As 3-D: kernel/stride/padding of length 2 get a leading temporal 1/1/0. */
const as3 = (a: number[], fill: number): number[] => (a.length === 3 ? a : [fill, ...a]);

function conv(run: RefRun, node: Extract<Node, { op: 'conv' }>, x: RefTensor): RefTensor {
  const [B, C, T, H, W] = x.shape;
  const [kT, kH, kW] = as3(node.kernel, 1);
  const [sT, sH, sW] = as3(node.stride, 1);
  const [pT, pH, pW] = as3(node.padding, 0);
  const O = node.outC;
  const oT = Math.floor((T + 2 * pT - kT) / sT) + 1, oH = Math.floor((H + 2 * pH - kH) / sH) + 1, oW = Math.floor((W + 2 * pW - kW) / sW) + 1;
  const w = param(run, `${node.name}.weight`, O * C * kT * kH * kW);
  const bias = node.bias ? param(run, `${node.name}.bias`, O) : null;
  const y = tensor([B, O, oT, oH, oW]);
  // Every (b, o, c, kernel tap): out[ot, oh, ow] += w * x[ot*s + kt - p, ...] where in range. One loop
  // nest for the three products (mode 0: y += w x, 1: dX += w dY, 2: dW += x dY); the innermost loop is
  // inlined per mode because a callback there costs 10x.
  const xd = x.data;
  const pass = (mode: 0 | 1 | 2, yv: Float64Array, xv: Float64Array, wv: Float64Array): void => {
    for (let b = 0; b < B; b++)
      for (let o = 0; o < O; o++)
        for (let c = 0; c < C; c++)
          for (let kt = 0; kt < kT; kt++)
            for (let kh = 0; kh < kH; kh++)
              for (let kw = 0; kw < kW; kw++) {
                const wi = ((((o * C + c) * kT + kt) * kH + kh) * kW) + kw;
                const owLo = Math.max(0, Math.ceil((pW - kw) / sW)), owHi = Math.min(oW, Math.floor((W - 1 + pW - kw) / sW) + 1);
                let acc = 0;
                const wv0 = wv[wi];
                for (let ot = 0; ot < oT; ot++) {
                  const it = ot * sT + kt - pT;
                  if (it < 0 || it >= T) continue;
                  for (let oh = 0; oh < oH; oh++) {
                    const ih = oh * sH + kh - pH;
                    if (ih < 0 || ih >= H) continue;
                    const xRow = (((b * C + c) * T + it) * H + ih) * W + kw - pW;
                    const yRow = (((b * O + o) * oT + ot) * oH + oh) * oW;
                    if (mode === 0) for (let ow = owLo; ow < owHi; ow++) yv[yRow + ow] += wv0 * xv[xRow + ow * sW];
                    else if (mode === 1) for (let ow = owLo; ow < owHi; ow++) xv[xRow + ow * sW] += wv0 * yv[yRow + ow];
                    else for (let ow = owLo; ow < owHi; ow++) acc += xv[xRow + ow * sW] * yv[yRow + ow];
                  }
                }
                if (mode === 2) wv[wi] += acc;
              }
  };
  const yd = y.data;
  pass(0, yd, xd, w);
  const S = oT * oH * oW;
  if (bias) for (let b = 0; b < B; b++) for (let o = 0; o < O; o++) for (let s = 0; s < S; s++) yd[(b * O + o) * S + s] += bias[o];
  run.tape.push(() => {
    const dY = y.grad;
    if (!dY) return;
    const dX = gradOf(x);
    const dW = new Float64Array(w.length);
    pass(1, dY, dX, w);
    pass(2, dY, xd, dW);
    accumulate(run, `${node.name}.weight`, dW);
    if (bias) {
      const dB = new Float64Array(O);
      for (let b = 0; b < B; b++) for (let o = 0; o < O; o++) for (let s = 0; s < S; s++) dB[o] += dY[(b * O + o) * S + s];
      accumulate(run, `${node.name}.bias`, dB);
    }
  });
  return y;
}

function batchNorm(run: RefRun, node: Extract<Node, { op: 'bn' }>, x: RefTensor): RefTensor {
  const [B, C] = x.shape;
  const S = numel(x.shape.slice(2));
  const g = param(run, `${node.name}.weight`, C), beta = param(run, `${node.name}.bias`, C);
  const rm = param(run, `${node.name}.running_mean`, C), rv = param(run, `${node.name}.running_var`, C);
  const y = tensor([...x.shape]);
  const xhat = new Float64Array(x.data.length);
  const invStd = new Float64Array(C);
  const N = B * S;
  for (let c = 0; c < C; c++) {
    let mean = rm[c], v = rv[c];
    if (run.mode === 'train') {
      // torch: normalise with the biased batch variance, update running_var with the unbiased one.
      let s = 0;
      for (let b = 0; b < B; b++) for (let i = 0; i < S; i++) s += x.data[(b * C + c) * S + i];
      mean = s / N;
      let q = 0;
      for (let b = 0; b < B; b++) for (let i = 0; i < S; i++) q += (x.data[(b * C + c) * S + i] - mean) ** 2;
      v = q / N;
      const m = node.momentum;
      if (N < 2) throw new ModelSpecError(`bn '${node.name}': train mode needs more than 1 value per channel, got input [${x.shape}]`);
      rm[c] = (1 - m) * rm[c] + m * mean;
      rv[c] = (1 - m) * rv[c] + m * (q / (N - 1));
    }
    invStd[c] = 1 / Math.sqrt(v + node.eps);
    for (let b = 0; b < B; b++)
      for (let i = 0; i < S; i++) {
        const k = (b * C + c) * S + i;
        xhat[k] = (x.data[k] - mean) * invStd[c];
        y.data[k] = g[c] * xhat[k] + beta[c];
      }
  }
  if (run.mode === 'train') {
    const nbt = run.state.get(`${node.name}.num_batches_tracked`) as BigInt64Array | undefined;
    run.updated.set(`${node.name}.running_mean`, rm);
    run.updated.set(`${node.name}.running_var`, rv);
    run.updated.set(`${node.name}.num_batches_tracked`, BigInt64Array.of((nbt?.[0] ?? 0n) + 1n));
  }
  run.tape.push(() => {
    const dY = y.grad;
    if (!dY) return;
    const dX = gradOf(x);
    const dG = new Float64Array(C), dB = new Float64Array(C);
    for (let c = 0; c < C; c++) {
      let sdy = 0, sdyx = 0;
      for (let b = 0; b < B; b++)
        for (let i = 0; i < S; i++) {
          const k = (b * C + c) * S + i;
          sdy += dY[k];
          sdyx += dY[k] * xhat[k];
        }
      dG[c] = sdyx;
      dB[c] = sdy;
      for (let b = 0; b < B; b++)
        for (let i = 0; i < S; i++) {
          const k = (b * C + c) * S + i;
          // train: dx = g*invStd/N * (N dy - sum dy - xhat sum(dy xhat)); eval: running stats are constants.
          dX[k] += run.mode === 'train' ? (g[c] * invStd[c] / N) * (N * dY[k] - sdy - xhat[k] * sdyx) : g[c] * invStd[c] * dY[k];
        }
    }
    accumulate(run, `${node.name}.weight`, dG);
    accumulate(run, `${node.name}.bias`, dB);
  });
  return y;
}

/**
 * Calls `visit(yi, idx, n)` for every max-pool output yi (row-major over (B, C, oT, oH, oW)) with the flat input
 * indices (into (B, C, T, H, W)) of its window's first n in-bounds elements, in window order (t, h, w); padding
 * is skipped. `idx` is reused between calls.
 */
export function forEachPoolWindow(shape: readonly number[], node: Extract<Node, { op: 'maxpool' }>, visit: (yi: number, idx: Int32Array, n: number) => void): void {
  const [B, C, T, H, W] = shape;
  const [kT, kH, kW] = as3(node.kernel, 1), [sT, sH, sW] = as3(node.stride, 1), [pT, pH, pW] = as3(node.padding, 0);
  const [oT, oH, oW] = poolOut(shape, node);
  const idx = new Int32Array(kT * kH * kW);
  let yi = 0;
  for (let bc = 0; bc < B * C; bc++)
    for (let ot = 0; ot < oT; ot++)
      for (let oh = 0; oh < oH; oh++)
        for (let ow = 0; ow < oW; ow++, yi++) {
          let n = 0;
          for (let kt = 0; kt < kT; kt++) {
            const it = ot * sT + kt - pT;
            if (it < 0 || it >= T) continue;
            for (let kh = 0; kh < kH; kh++) {
              const ih = oh * sH + kh - pH;
              if (ih < 0 || ih >= H) continue;
              for (let kw = 0; kw < kW; kw++) {
                const iw = ow * sW + kw - pW;
                if (iw >= 0 && iw < W) idx[n++] = ((bc * T + it) * H + ih) * W + iw;
              }
            }
          }
          visit(yi, idx, n);
        }
}

/** Argmax (flat index into x, (B, C, T, H, W)) per max-pool output: the first strict maximum, as torch and
 * our pool kernel pick it; padding never wins. */
export function poolArgmax(x: ArrayLike<number>, shape: readonly number[], node: Extract<Node, { op: 'maxpool' }>): Int32Array {
  const arg = new Int32Array(shape[0] * shape[1] * poolOut(shape, node).reduce((p, q) => p * q, 1));
  forEachPoolWindow(shape, node, (yi, idx, n) => {
    let bi = n ? idx[0] : -1;
    for (let j = 1; j < n; j++) if (x[idx[j]] > x[bi]) bi = idx[j];
    arg[yi] = bi;
  });
  return arg;
}

/** (oT, oH, oW) of a max-pool on a (B, C, T, H, W) input. */
export function poolOut(shape: readonly number[], node: Extract<Node, { op: 'maxpool' }>): number[] {
  const k = as3(node.kernel, 1), st = as3(node.stride, 1), p = as3(node.padding, 0);
  return [2, 3, 4].map((d, i) => Math.floor((shape[d] + 2 * p[i] - k[i]) / st[i]) + 1);
}

/** Max-pool with the given argmax (poolArgmax of x for the reference; another run's for a diagnosis). */
export function maxPoolWith(run: RefRun, node: Extract<Node, { op: 'maxpool' }>, x: RefTensor, arg: Int32Array): RefTensor {
  const y: RefTensor = { shape: [x.shape[0], x.shape[1], ...poolOut(x.shape, node)], data: Float64Array.from(arg, (a) => x.data[a]) };
  run.tape.push(() => {
    if (!y.grad) return;
    const dX = gradOf(x);
    for (let i = 0; i < arg.length; i++) dX[arg[i]] += y.grad[i];
  });
  return y;
}

/** ReLU that passes the elements where mask > 0 (mask = x for the reference; another run's input for a diagnosis). */
export function reluWith(run: RefRun, x: RefTensor, mask: ArrayLike<number>): RefTensor {
  return unary(run, x, [...x.shape], (y) => x.data.forEach((v, i) => (y.data[i] = mask[i] > 0 ? v : 0)), (dY, dX) => dY.forEach((d, i) => (dX[i] += mask[i] > 0 ? d : 0)));
}

function linear(run: RefRun, node: Extract<Node, { op: 'linear' }>, x: RefTensor): RefTensor {
  const [B, I] = x.shape;
  const O = node.outF;
  const w = param(run, `${node.name}.weight`, O * I);
  const bias = node.bias ? param(run, `${node.name}.bias`, O) : null;
  const y = tensor([B, O]);
  for (let b = 0; b < B; b++)
    for (let o = 0; o < O; o++) {
      let s = bias ? bias[o] : 0;
      for (let i = 0; i < I; i++) s += w[o * I + i] * x.data[b * I + i];
      y.data[b * O + o] = s;
    }
  run.tape.push(() => {
    const dY = y.grad;
    if (!dY) return;
    const dX = gradOf(x), dW = new Float64Array(O * I), dB = new Float64Array(O);
    for (let b = 0; b < B; b++)
      for (let o = 0; o < O; o++) {
        const d = dY[b * O + o];
        dB[o] += d;
        for (let i = 0; i < I; i++) (dX[b * I + i] += w[o * I + i] * d), (dW[o * I + i] += x.data[b * I + i] * d);
      }
    accumulate(run, `${node.name}.weight`, dW);
    if (bias) accumulate(run, `${node.name}.bias`, dB);
  });
  return y;
}

function unary(run: RefRun, x: RefTensor, shape: number[], f: (y: RefTensor) => void, b: (dY: Float64Array, dX: Float64Array, y: RefTensor) => void): RefTensor {
  const y = tensor(shape);
  f(y);
  run.tape.push(() => y.grad && b(y.grad, gradOf(x), y));
  return y;
}

const child = (run: RefRun, node: Node, x: RefTensor): RefTensor => (run.walk ?? refNode)(run, node, x);

/** Run one node. */
export function refNode(run: RefRun, node: Node, x: RefTensor): RefTensor {
  switch (node.op) {
    case 'conv': return conv(run, node, x);
    case 'bn': return batchNorm(run, node, x);
    case 'maxpool': return maxPoolWith(run, node, x, poolArgmax(x.data, x.shape, node));
    case 'linear': return linear(run, node, x);
    case 'relu':
      return reluWith(run, x, x.data);
    case 'seq':
      return node.children.reduce((t, c) => child(run, c, t), x);
    case 'concat': {
      const outs = node.branches.map((b) => child(run, b, x));
      const [B] = x.shape;
      const S = numel(outs[0].shape.slice(2));
      const C = outs.reduce((s, o) => s + o.shape[1], 0);
      const y = tensor([B, C, ...outs[0].shape.slice(2)]);
      const copy = (back: boolean): void => {
        let c0 = 0;
        for (const o of outs) {
          const Co = o.shape[1];
          for (let b = 0; b < B; b++)
            for (let i = 0; i < Co * S; i++) {
              const yi = (b * C + c0) * S + i, oi = b * Co * S + i;
              if (back) gradOf(o)[oi] += y.grad![yi];
              else y.data[yi] = o.data[oi];
            }
          c0 += Co;
        }
      };
      copy(false);
      run.tape.push(() => y.grad && copy(true));
      return y;
    }
    case 'residual': {
      const a = child(run, node.body, x);
      const s = node.shortcut ? child(run, node.shortcut, x) : x;
      const y = tensor([...a.shape]);
      for (let i = 0; i < y.data.length; i++) y.data[i] = a.data[i] + s.data[i];
      run.tape.push(() => {
        if (!y.grad) return;
        const ga = gradOf(a), gs = gradOf(s);
        for (let i = 0; i < y.grad.length; i++) (ga[i] += y.grad[i]), (gs[i] += y.grad[i]);
      });
      return y;
    }
    case 'globalAvgPool': {
      const [B, C] = x.shape;
      const S = numel(x.shape.slice(2));
      return unary(run, x, [B, C], (y) => {
        for (let k = 0; k < B * C; k++) {
          let s = 0;
          for (let i = 0; i < S; i++) s += x.data[k * S + i];
          y.data[k] = s / S;
        }
      }, (dY, dX) => {
        for (let k = 0; k < B * C; k++) for (let i = 0; i < S; i++) dX[k * S + i] += dY[k] / S;
      });
    }
    case 'l2normalize': {
      const [B, F] = x.shape;
      const norms = new Float64Array(B);
      return unary(run, x, [B, F], (y) => {
        for (let b = 0; b < B; b++) {
          let s = 0;
          for (let i = 0; i < F; i++) s += x.data[b * F + i] ** 2;
          norms[b] = Math.max(Math.sqrt(s), node.eps);
          for (let i = 0; i < F; i++) y.data[b * F + i] = x.data[b * F + i] / norms[b];
        }
      }, (dY, dX, y) => {
        // y = x / max(|x|, eps): dx = (dy - y (y . dy)) / |x| when |x| > eps, dy / eps otherwise.
        for (let b = 0; b < B; b++) {
          let dot = 0;
          for (let i = 0; i < F; i++) dot += y.data[b * F + i] * dY[b * F + i];
          const clamped = norms[b] === node.eps;
          for (let i = 0; i < F; i++) dX[b * F + i] += (dY[b * F + i] - (clamped ? 0 : y.data[b * F + i] * dot)) / norms[b];
        }
      });
    }
  }
}

export function newRun(state: RefState, mode: 'eval' | 'train'): RefRun {
  return { mode, state, grads: new Map(), updated: new Map(), tape: [] };
}

/** Reverse pass: seed `out.grad` with dLoss/dOut, then every recorded op in reverse order. */
export function refBackward(run: RefRun, out: RefTensor, dOut: ArrayLike<number>): void {
  out.grad = Float64Array.from(dOut);
  for (let i = run.tape.length - 1; i >= 0; i--) run.tape[i]();
}

/** (B, C, T, H, W) input as a RefTensor (2-D models: pass (B, C, H, W); a T = 1 axis is inserted). */
export function refInput(data: ArrayLike<number>, shape: readonly number[]): RefTensor {
  const s = shape.length === 4 ? [shape[0], shape[1], 1, shape[2], shape[3]] : [...shape];
  if (numel(s) !== data.length) throw new ModelSpecError(`reference input: ${data.length} values for shape [${shape}]`);
  return { shape: s, data: Float64Array.from(data) };
}
