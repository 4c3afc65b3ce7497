// mseLoss, composed from elementwise ops and mean/sum (so its gradient is theirs).
import { InvalidArgumentError, ShapeError } from '../../errors.ts';
import { fmt, sameShape } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { mul, sub } from '../elementwise/elementwise.ts';
import { mean, sum } from '../reduce/reduce.ts';
import { internals } from '../../tensor/tape.ts';

export interface MseLossOptions {
  /** 'mean' (default) or 'sum', as torch. */
  reduction?: 'mean' | 'sum';
}

/**
 * Mean (or summed) squared error (torch.nn.functional.mse_loss). Shapes must match.
 *
 * @example
 * ```ts
 * const loss = F.mseLoss(pred, target); // one-element tensor
 * ```
 */
export function mseLoss(input: Tensor, target: Tensor, opts: MseLossOptions = {}): Tensor {
  if (!sameShape(input.shape, target.shape)) throw new ShapeError(`mseLoss: input ${fmt(input.shape)} and target ${fmt(target.shape)} must have the same shape`);
  const reduction = opts.reduction ?? 'mean';
  if (reduction !== 'mean' && reduction !== 'sum') throw new InvalidArgumentError(`mseLoss: reduction must be 'mean' or 'sum', got '${reduction}'`);
  const d = sub(input, target);
  const sq = mul(d, d);
  const out = reduction === 'mean' ? mean(sq) : sum(sq);
  internals(out, [d, sq]);
  return out;
}
