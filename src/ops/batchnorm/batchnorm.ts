// batchNorm (torch.nn.functional.batch_norm) over (N, C, *): training mode normalises with the batch
// statistics (two-pass: mean, then mean of squared deviations, each a compensated reduction, so the
// variance never suffers E[x^2] - E[x]^2 cancellation) and updates running stats with torch's momentum
// convention (running = (1 - momentum) * running + momentum * batch, unbiased variance); eval mode uses
// the running stats.
import { InvalidArgumentError, ShapeError } from '../../errors.ts';
import { fmt } from '../../tensor/shape.ts';
import { opOutput, Tensor } from '../../tensor/tensor.ts';
import { runMap, runReduce, type TensorOperand } from '../launch.ts';

export interface BatchNormOptions {
  /** Use batch statistics (and update running stats). Default false, as torch's functional form. */
  training?: boolean;
  /** Default 0.1. */
  momentum?: number;
  /** Default 1e-5. */
  eps?: number;
}

/**
 * y = (x - mean) / sqrt(var + eps) * weight + bias, per channel (dim 1).
 *
 * @example
 * ```ts
 * const y = F.batchNorm(x, runningMean, runningVar, gamma, beta, { training: true }); // x (N, C, T, H, W)
 * ```
 */
export function batchNorm(
  x: Tensor,
  runningMean: Tensor | null,
  runningVar: Tensor | null,
  weight: Tensor | null = null,
  bias: Tensor | null = null,
  opts: BatchNormOptions = {},
): Tensor {
  if (x.rank < 2) throw new ShapeError(`batchNorm: input must be (N, C, ...), got ${fmt(x.shape)}`);
  const C = x.shape[1];
  for (const [name, t] of [['runningMean', runningMean], ['runningVar', runningVar], ['weight', weight], ['bias', bias]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== C)) throw new ShapeError(`batchNorm: ${name} ${fmt(t.shape)} must be (${C}) for input ${fmt(x.shape)}`);
  }
  const training = opts.training ?? false;
  const momentum = opts.momentum ?? 0.1;
  const eps = opts.eps ?? 1e-5;
  const R = x.size / Math.max(1, C);
  if (!training && (!runningMean || !runningVar)) throw new InvalidArgumentError('batchNorm: eval mode (training: false) needs runningMean and runningVar');
  if (training && R <= 1) throw new InvalidArgumentError(`batchNorm: expected more than 1 value per channel when training, got input ${fmt(x.shape)}`);
  const ctx = x.ctx;
  const cShape = x.shape.map((d, i) => (i === 1 ? d : 1)); // (1, C, 1, ...)
  const ch = (name: string, t: Tensor): TensorOperand => ({ name, t, shape: cShape });

  // Per-channel mean and 1/sqrt(var + eps) of this forward.
  let mean: Tensor;
  const invstd = new Tensor(ctx, [C]);
  if (training) {
    mean = new Tensor(ctx, [C]);
    const variance = new Tensor(ctx, [C]);
    runReduce('batchNorm.mean', mean, x.shape, [{ name: 'x', t: x }], 'x', 1 / R, {}, [], cShape);
    runReduce('batchNorm.var', variance, x.shape, [{ name: 'x', t: x }, ch('m', mean)], '(x - m) * (x - m)', 1 / R, {}, [], cShape);
    runMap('batchNorm.invstd', invstd, [{ name: 'v', t: variance }], 'inverseSqrt(v + u.eps)', { uniforms: [['eps', 'f32']] }, [eps]);
    const upd = { uniforms: [['mom', 'f32'], ['corr', 'f32']] as Array<[string, 'f32']> };
    if (runningMean) runMap('batchNorm.runMean', runningMean, [{ name: 'm', t: mean }], '(1.0 - u.mom) * out(i) + u.mom * m', upd, [momentum, 1]);
    if (runningVar) runMap('batchNorm.runVar', runningVar, [{ name: 'v', t: variance }], '(1.0 - u.mom) * out(i) + u.mom * v * u.corr', upd, [momentum, R / (R - 1)]);
    variance.dispose();
  } else {
    mean = runningMean!;
    runMap('batchNorm.invstd', invstd, [{ name: 'v', t: runningVar! }], 'inverseSqrt(v + u.eps)', { uniforms: [['eps', 'f32']] }, [eps]);
  }

  const affineIns = [...(weight ? [ch('w', weight)] : []), ...(bias ? [ch('b', bias)] : [])];
  const wExpr = weight ? 'w' : '1.0';
  const inputs = [x, ...(weight ? [weight] : []), ...(bias ? [bias] : [])];
  const out = opOutput(ctx, x.shape, inputs, () => ({
    op: 'batchNorm',
    backward(g, dIns) {
      const dX = dIns[0];
      const dW = weight ? dIns[1] : null;
      const dB = bias ? dIns[weight ? 2 : 1] : null;
      const xhat = '(x - m) * s';
      const base = [{ name: 'g', t: g }, { name: 'x', t: x }, ch('m', mean), ch('s', invstd)];
      // s1 = sum(g), s2 = sum(g * xhat) per channel.
      const s1 = new Tensor(ctx, [C]);
      const s2 = new Tensor(ctx, [C]);
      runReduce('batchNorm.sumG', s1, x.shape, [{ name: 'g', t: g }], 'g', 1, {}, [], cShape);
      runReduce('batchNorm.sumGX', s2, x.shape, base, `g * ${xhat}`, 1, {}, [], cShape);
      if (dX) {
        const w = weight ? [ch('w', weight)] : [];
        const expr = training
          ? `s * ${wExpr} * (g - s1 * u.invR - ${xhat} * s2 * u.invR)`
          : `s * ${wExpr} * g`;
        runMap('batchNorm.dX', dX, [...base, ...w, ch('s1', s1), ch('s2', s2)], expr, { accumulate: true, uniforms: [['invR', 'f32']] }, [1 / R], x.shape);
      }
      if (dW) runMap('batchNorm.dW', dW, [{ name: 's2', t: s2 }], 's2', { accumulate: true });
      if (dB) runMap('batchNorm.dB', dB, [{ name: 's1', t: s1 }], 's1', { accumulate: true });
      s1.dispose();
      s2.dispose();
    },
    release() {
      if (training) mean.dispose();
      invstd.dispose();
    },
  }));
  runMap('batchNorm', out, [{ name: 'x', t: x }, ch('m', mean), ch('s', invstd), ...affineIns], `(x - m) * s * ${wExpr} + ${bias ? 'b' : '0.0'}`);
  if (!out.node) {
    if (training) mean.dispose();
    invstd.dispose();
  }
  return out;
}
