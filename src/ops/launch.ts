// Small helpers every op uses to launch the generic map/reduce kernels on tensors.
import { MAP_WG, mapSpec, reduceSpec, type MapOptions, type Operand, type ReduceOptions } from '../gpu/map.ts';
import { padShape, sizeOf, type Shape } from '../tensor/shape.ts';
import { Tensor } from '../tensor/tensor.ts';

/** Reductions longer than this per output run in two stages of CHUNK-long partial sums. */
export const SPLIT_REDUCE_ABOVE = 16384;
const CHUNK = 4096;

export interface TensorOperand {
  name: string;
  t: Tensor;
  /** The shape to broadcast by, when it differs from t.shape (same size, e.g. a keepdim view). */
  shape?: Shape;
}

const ops = (xs: TensorOperand[]): Operand[] => xs.map(({ name, t, shape }) => ({ name, shape: shape ?? t.shape }));

/** out (=|+=) expr over the operands broadcast to out's shape. */
export function runMap(name: string, out: Tensor, inputs: TensorOperand[], expr: string, opts: MapOptions = {}, uniforms: number[] = [], shape: Shape = out.shape): void {
  if (out.size === 0) return;
  // into a deferred zero (a fresh gradient accumulator) the map writes every element: = instead of +=
  if (opts.accumulate && sizeOf(shape) === out.size && !inputs.some((i) => i.t === out) && out.claimZero()) opts = { ...opts, accumulate: false };
  const spec = mapSpec(name, shape, ops(inputs), expr, opts);
  out.ctx.launch(spec, [...inputs.map((i) => i.t.arg), out.arg], Math.ceil(out.size / MAP_WG), uniforms);
}

/**
 * out (=|+=) scale * sum of expr over the dims of `full` where out (left-padded to its rank) has size 1.
 */
export function runReduce(name: string, out: Tensor, full: Shape, inputs: TensorOperand[], expr: string, scale = 1, opts: ReduceOptions = {}, uniforms: number[] = [], targetShape?: Shape): void {
  if (out.size === 0) return;
  const target = targetShape ?? padShape(out.shape, full.length);
  if (sizeOf(full) === 0) {
    if (!opts.accumulate) out.fill(0);
    return;
  }
  // every output is written once: into a deferred zero, = instead of +=
  if (opts.accumulate && sizeOf(target) === out.size && !inputs.some((i) => i.t === out) && out.claimZero()) opts = { ...opts, accumulate: false };
  const R = sizeOf(full) / out.size;
  if (R > SPLIT_REDUCE_ABOVE) {
    // two stages: short partial sums (one workgroup per CHUNK positions), then a sum of the partials
    const chunks = Math.ceil(R / CHUNK);
    const part = new Tensor(out.ctx, [out.size, chunks]);
    const spec1 = reduceSpec(`${name}.partial`, full, target, ops(inputs), expr, { ...opts, accumulate: false, chunks, chunkLen: CHUNK });
    out.ctx.launch(spec1, [...inputs.map((i) => i.t.arg), part.arg], out.size * chunks, [1, ...uniforms]);
    runReduce(`${name}.combine`, out, [out.size, chunks], [{ name: 'p', t: part }], 'p', scale, { accumulate: opts.accumulate }, [], [out.size, 1]);
    part.dispose();
    return;
  }
  const spec = reduceSpec(name, full, target, ops(inputs), expr, opts);
  out.ctx.launch(spec, [...inputs.map((i) => i.t.arg), out.arg], out.size, [scale, ...uniforms]);
}

/**
 * dX += the gradient expression, summed over the dims where x was broadcast to `full` (the shape of the
 * op's output). A map when nothing was broadcast, a reduction otherwise.
 */
export function accumulateGrad(name: string, dX: Tensor, full: Shape, inputs: TensorOperand[], expr: string): void {
  if (dX.size === sizeOf(full)) runMap(name, dX, inputs, expr, { accumulate: true }, [], full);
  else runReduce(name, dX, full, inputs, expr, 1, { accumulate: true });
}
