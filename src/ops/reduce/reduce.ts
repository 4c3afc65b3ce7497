// sum and mean over all elements or over some dims (torch.sum / torch.mean with dim and keepdim).
// Forward: the compensated workgroup reduction of gpu/map.ts. Backward: dX += g (/ count), broadcast.
import { normDim } from '../../tensor/shape.ts';
import { opOutput, type Tensor } from '../../tensor/tensor.ts';
import { runMap, runReduce } from '../launch.ts';

export interface ReduceDimOptions {
  /** Dim or dims to reduce (negative counts from the end); all dims when omitted. */
  dim?: number | number[];
  /** Keep reduced dims as size 1. Default false. */
  keepdim?: boolean;
}

function reduceOp(op: 'sum' | 'mean', x: Tensor, opts: ReduceDimOptions): Tensor {
  const r = x.rank;
  const dims = opts.dim === undefined ? [...Array(r).keys()] : (Array.isArray(opts.dim) ? opts.dim : [opts.dim]).map((d) => normDim(op, d, r));
  const keepShape = x.shape.map((d, i) => (dims.includes(i) ? 1 : d));
  const outShape = opts.keepdim ? keepShape : x.shape.filter((_, i) => !dims.includes(i));
  const count = dims.reduce((n, d) => n * x.shape[d], 1);
  const scale = op === 'mean' ? 1 / count : 1;
  const out = opOutput(x.ctx, outShape, [x], () => ({
    op,
    backward(g, [dX]) {
      if (dX) runMap(`${op}.dX`, dX, [{ name: 'g', t: g, shape: keepShape }], 'g * u.scale', { accumulate: true, uniforms: [['scale', 'f32']] }, [scale]);
    },
  }));
  // mean of an empty reduction is NaN in torch; we follow (0 * 1/0).
  runReduce(op, out, x.shape, [{ name: 'x', t: x }], 'x', count === 0 ? NaN : scale, {}, [], keepShape);
  return out;
}

/**
 * Sum of all elements, or over `dim` (torch.sum).
 *
 * @example
 * ```ts
 * const s = F.sum(Tensor.fromArray(device, [1, 2, 3, 4], [2, 2]), { dim: 1 }); // [3, 7]
 * ```
 */
export const sum = (x: Tensor, opts: ReduceDimOptions = {}): Tensor => reduceOp('sum', x, opts);
/** Mean of all elements, or over `dim` (torch.mean). */
export const mean = (x: Tensor, opts: ReduceDimOptions = {}): Tensor => reduceOp('mean', x, opts);
