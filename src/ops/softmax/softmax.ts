// logSoftmax (torch.nn.functional.log_softmax), nllLoss and crossEntropy (mean reduction, class-index
// targets), forward and backward.
import { DTypeError, InvalidArgumentError, ShapeError } from '../../errors.ts';
import { fmt, normDim } from '../../tensor/shape.ts';
import { opOutput, Tensor } from '../../tensor/tensor.ts';
import { internals } from '../../tensor/tape.ts';
import { logSoftmaxBackward, logSoftmaxForward, nllBackward, nllForward } from './softmax.wgsl.ts';

/**
 * log(softmax(x)) along `dim` (default -1), computed stably (max subtracted first).
 *
 * @example
 * ```ts
 * const y = F.logSoftmax(Tensor.fromArray(device, [0, 0], [1, 2]), 1); // [[-0.6931, -0.6931]]
 * ```
 */
export function logSoftmax(x: Tensor, dim = -1): Tensor {
  if (x.rank === 0) throw new ShapeError('logSoftmax: input must have at least one dim');
  const d = normDim('logSoftmax', dim, x.rank);
  const C = x.shape[d];
  const inner = x.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const rows = x.size / Math.max(1, C);
  const out = opOutput(x.ctx, x.shape, [x], (y) => ({
    op: 'logSoftmax',
    backward(g, [dX]) {
      if (dX && rows > 0) x.ctx.launch(logSoftmaxBackward(rows, C, inner), [g.arg, y.arg, dX.arg], rows);
    },
  }));
  if (rows > 0 && C > 0) x.ctx.launch(logSoftmaxForward(rows, C, inner), [x.arg, out.arg], rows);
  return out;
}

function targetsOf(op: string, target: Int32Array | Uint32Array | readonly number[], N: number, C: number): Uint32Array {
  if (!(target instanceof Int32Array || target instanceof Uint32Array || Array.isArray(target))) {
    throw new DTypeError(`${op}: target must be class indices as Int32Array, Uint32Array or number[], got ${(target as object)?.constructor?.name}`);
  }
  if (target.length !== N) throw new ShapeError(`${op}: input has ${N} rows but target has ${target.length} entries`);
  const t = new Uint32Array(N);
  for (let i = 0; i < N; i++) {
    const v = target[i];
    if (!Number.isInteger(v) || v < 0 || v >= C) throw new InvalidArgumentError(`${op}: target[${i}] = ${v} is not a class index in [0, ${C})`);
    t[i] = v;
  }
  return t;
}

/** Mean negative log-likelihood of log-probabilities logp (N, C) at the target classes (torch nll_loss). */
export function nllLoss(logp: Tensor, target: Int32Array | Uint32Array | readonly number[]): Tensor {
  if (logp.rank !== 2) throw new ShapeError(`nllLoss: input must be (N, C), got ${fmt(logp.shape)}`);
  const [N, C] = logp.shape;
  if (N === 0) throw new ShapeError('nllLoss: empty batch (N = 0) has no mean');
  const tgt = new Tensor(logp.ctx, [N]);
  logp.ctx.upload(tgt.buffer, targetsOf('nllLoss', target, N, C));
  const out = opOutput(logp.ctx, [], [logp], () => ({
    op: 'nllLoss',
    backward(g, [dX]) {
      if (dX) logp.ctx.launch(nllBackward(N, C), [g.arg, tgt.arg, dX.arg], Math.ceil(N / 64));
    },
    release: () => tgt.dispose(),
  }));
  logp.ctx.launch(nllForward(N, C), [logp.arg, tgt.arg, out.arg], 1);
  if (!out.node) tgt.dispose();
  return out;
}

/**
 * Cross-entropy of logits (N, C) against class indices (torch.nn.functional.cross_entropy, mean
 * reduction): nllLoss(logSoftmax(logits, 1), target).
 *
 * @example
 * ```ts
 * const loss = F.crossEntropy(logits, [3, 0, 1]); // logits (3, C)
 * loss.backward();
 * ```
 */
export function crossEntropy(logits: Tensor, target: Int32Array | Uint32Array | readonly number[]): Tensor {
  if (logits.rank !== 2) throw new ShapeError(`crossEntropy: logits must be (N, C), got ${fmt(logits.shape)}`);
  const lp = logSoftmax(logits, 1);
  const loss = nllLoss(lp, target);
  internals(loss, [lp]);
  return loss;
}
