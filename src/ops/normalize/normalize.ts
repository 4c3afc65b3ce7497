// L2 normalisation along a dim (torch.nn.functional.normalize with p = 2):
//   y = x / max(||x||_2, eps) = x / sqrt(max(sum(x^2), eps^2)),
// composed from ops. Clamping the squared norm (instead of the norm) gives the same forward and keeps
// sqrt's derivative finite for all-zero rows (torch's norm backward also returns 0 there).
import { InvalidArgumentError } from '../../errors.ts';
import { normDim } from '../../tensor/shape.ts';
import type { Tensor } from '../../tensor/tensor.ts';
import { clampMin, div, mul, sqrt } from '../elementwise/elementwise.ts';
import { sum } from '../reduce/reduce.ts';
import { internals } from '../../tensor/tape.ts';

export interface NormalizeOptions {
  /** Only p = 2 is implemented. */
  p?: number;
  /** Default 1, as torch. */
  dim?: number;
  /** Default 1e-12, as torch. */
  eps?: number;
}

/**
 * x / max(||x||_2 along dim, eps).
 *
 * @example
 * ```ts
 * const z = F.normalize(embeddings, { dim: 1 }); // every row has unit L2 norm
 * ```
 */
export function normalize(x: Tensor, opts: NormalizeOptions = {}): Tensor {
  if ((opts.p ?? 2) !== 2) throw new InvalidArgumentError(`normalize: only p = 2 is implemented, got p = ${opts.p}`);
  const dim = normDim('normalize', opts.dim ?? 1, x.rank);
  const eps = opts.eps ?? 1e-12;
  const sq = mul(x, x);
  const ss = sum(sq, { dim, keepdim: true });
  const cl = clampMin(ss, Math.fround(eps * eps) || Number.MIN_VALUE);
  const n = sqrt(cl);
  const y = div(x, n);
  internals(y, [sq, ss, cl, n]);
  return y;
}
