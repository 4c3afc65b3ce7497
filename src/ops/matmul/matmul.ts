// matmul and linear (torch.matmul for 2-D/batched 3-D, torch.nn.functional.linear), forward and
// backward, all through the tiled GEMM of gemm.wgsl.ts.
import { InvalidArgumentError, ShapeError } from '../../errors.ts';
import { fmt } from '../../tensor/shape.ts';
import { opOutput, type Tensor } from '../../tensor/tensor.ts';
import { runReduce } from '../launch.ts';
import { runGemm } from './run.ts';

/**
 * Matrix product. a: (M, K) or (B, M, K) or (..., M, K) with b: (K, N); or a: (B, M, K) with b: (B, K, N).
 * Returns (..., M, N).
 *
 * @example
 * ```ts
 * const c = F.matmul(Tensor.fromArray(device, [1, 2, 3, 4], [2, 2]), Tensor.fromArray(device, [1, 0, 0, 1], [2, 2]));
 * await c.toArray(); // [1, 2, 3, 4]
 * ```
 */
export function matmul(a: Tensor, b: Tensor): Tensor {
  if (a.ctx !== b.ctx) throw new InvalidArgumentError('matmul: tensors live on different devices');
  const bad = () => new ShapeError(`matmul: cannot multiply ${fmt(a.shape)} by ${fmt(b.shape)} (supported: (..., M, K) @ (K, N) and (B, M, K) @ (B, K, N))`);
  if (a.rank < 2 || b.rank < 2 || b.rank > 3) throw bad();
  const K = a.shape[a.rank - 1];
  if (b.shape[b.rank - 2] !== K) throw bad();
  const N = b.shape[b.rank - 1];
  let M: number;
  let batch: number;
  if (b.rank === 2) {
    M = a.shape.slice(0, -1).reduce((x, y) => x * y, 1);
    batch = 1;
  } else {
    if (a.rank !== 3 || a.shape[0] !== b.shape[0]) throw bad();
    batch = a.shape[0];
    M = a.shape[1];
  }
  const outShape = [...a.shape.slice(0, -1), N];
  const bStride = b.rank === 3 ? K * N : 0;
  const mp = { pM: M, pK: K, pN: N, pBS: bStride };
  const out = opOutput(a.ctx, outShape, [a, b], () => ({
    op: 'matmul',
    backward(g, [dA, dB]) {
      // dA(b, M, K) += g(b, M, N) @ B(b, K, N)^T
      if (dA) {
        runGemm(a.ctx, {
          name: 'matmul.dA', M, N: K, K: N, batch, inputs: [{ name: 'G', t: g }, { name: 'B', t: b }], out: dA, accumulate: true, params: mp,
          loadA: 'G((b * u.pM + m) * u.pN + k)', loadB: 'B(b * u.pBS + n * u.pN + k)',
        });
      }
      // dB(b, K, N) += A(b, M, K)^T @ g(b, M, N)   (summed over the batch when b was broadcast)
      if (dB) {
        const flatM = batch * M;
        if (b.rank === 3) {
          runGemm(a.ctx, {
            name: 'matmul.dB', M: K, N, K: M, batch, inputs: [{ name: 'A', t: a }, { name: 'G', t: g }], out: dB, accumulate: true, params: mp,
            loadA: 'A((b * u.pM + k) * u.pK + m)', loadB: 'G((b * u.pM + k) * u.pN + n)',
          });
        } else {
          runGemm(a.ctx, {
            name: 'matmul.dB2', M: K, N, K: flatM, inputs: [{ name: 'A', t: a }, { name: 'G', t: g }], out: dB, accumulate: true, allowSplitK: true, params: mp,
            loadA: 'A(k * u.pK + m)', loadB: 'G(k * u.pN + n)',
          });
        }
      }
    },
  }));
  runGemm(a.ctx, {
    name: 'matmul', M, N, K, batch, inputs: [{ name: 'A', t: a }, { name: 'B', t: b }], out, params: mp,
    // batch 1 drops the b terms: simpler addresses measurably help the GPU compiler (H100 1024^3)
    loadA: batch === 1 ? 'A(m * u.pK + k)' : 'A((b * u.pM + m) * u.pK + k)',
    loadB: batch === 1 ? 'B(k * u.pN + n)' : 'B(b * u.pBS + k * u.pN + n)',
    outIndex: batch === 1 ? 'm * u.N + n' : undefined,
  });
  return out;
}

/**
 * y = x @ W^T + bias (torch.nn.functional.linear). x: (..., in), weight: (out, in), bias: (out).
 *
 * @example
 * ```ts
 * const y = F.linear(x, w, b); // x (4, 16), w (10, 16), b (10) -> y (4, 10)
 * ```
 */
export function linear(x: Tensor, weight: Tensor, bias?: Tensor | null): Tensor {
  const inF = x.shape[x.rank - 1];
  if (x.rank < 1 || weight.rank !== 2 || weight.shape[1] !== inF || (bias && (bias.rank !== 1 || bias.shape[0] !== weight.shape[0]))) {
    throw new ShapeError(`linear: input ${fmt(x.shape)}, weight ${fmt(weight.shape)}${bias ? `, bias ${fmt(bias.shape)}` : ''}: expected input (..., in), weight (out, in), bias (out)`);
  }
  if (x.ctx !== weight.ctx || (bias && bias.ctx !== x.ctx)) throw new InvalidArgumentError('linear: tensors live on different devices');
  const outF = weight.shape[0];
  const R = x.size / Math.max(1, inF);
  const lp = { pI: inF, pO: outF };
  const inputs = bias ? [x, weight, bias] : [x, weight];
  const out = opOutput(x.ctx, [...x.shape.slice(0, -1), outF], inputs, () => ({
    op: 'linear',
    backward(g, [dX, dW, dB]) {
      // dX(R, in) += g(R, out) @ W(out, in)
      if (dX) {
        runGemm(x.ctx, {
          name: 'linear.dX', M: R, N: inF, K: outF, inputs: [{ name: 'G', t: g }, { name: 'W', t: weight }], out: dX, accumulate: true, params: lp,
          loadA: 'G(m * u.pO + k)', loadB: 'W(k * u.pI + n)',
        });
      }
      // dW(out, in) += g^T(out, R) @ x(R, in)
      if (dW) {
        runGemm(x.ctx, {
          name: 'linear.dW', M: outF, N: inF, K: R, inputs: [{ name: 'G', t: g }, { name: 'X', t: x }], out: dW, accumulate: true, allowSplitK: true, params: lp,
          loadA: 'G(k * u.pO + m)', loadB: 'X(k * u.pI + n)',
        });
      }
      // dB(out) += sum over rows of g
      if (dB) runReduce('linear.dB', dB, [R, outF], [{ name: 'g', t: g, shape: [R, outF] }], 'g', 1, { accumulate: true }, [], [1, outF]);
    },
  }));
  const ins = [{ name: 'X', t: x }, { name: 'W', t: weight }];
  if (bias) ins.push({ name: 'Bias', t: bias });
  runGemm(x.ctx, {
    name: 'linear', M: R, N: outF, K: inF, inputs: ins, out, params: lp,
    loadA: 'X(m * u.pI + k)', loadB: 'W(n * u.pI + k)', epilogue: bias ? 'Bias(n)' : undefined,
  });
  return out;
}
