// cat (torch.cat) along any dim (channel dim 1 by default): a strided copy per input, and dXj += the
// matching slice of dOut in backward. One pipeline for every shape (sizes are uniforms).
import { InvalidArgumentError, ShapeError } from '../../errors.ts';
import type { KernelSpec } from '../../gpu/kernel.ts';
import { fmt, normDim } from '../../tensor/shape.ts';
import { opOutput, type Tensor } from '../../tensor/tensor.ts';

const U: Array<[string, 'u32']> = [['total', 'u32'], ['chunk', 'u32'], ['outChunk', 'u32'], ['offset', 'u32']];
// Input viewed as (outer, chunk) with chunk = C_j * inner; output row is outChunk = C_total * inner wide.
const outIndex = 'let o = (i / u.chunk) * u.outChunk + u.offset + i % u.chunk;';

/** out[slice j] = x_j. Bindings x, out. */
const catForward: KernelSpec = {
  name: 'cat', bindings: [{ name: 'x' }, { name: 'out', write: true }], uniforms: U, workgroupSize: 64,
  body: `  let i = gidx;\n  if (i >= u.total) { return; }\n  ${outIndex}\n  out_set(o, x(i));`,
};
/** dX_j += g[slice j]. Bindings g, dX. */
const catBackward: KernelSpec = {
  name: 'cat.dX', bindings: [{ name: 'g' }, { name: 'dX', write: true }], uniforms: U, workgroupSize: 64,
  body: `  let i = gidx;\n  if (i >= u.total) { return; }\n  ${outIndex}\n  dX_set(i, dX(i) + g(o));`,
};

/**
 * Concatenates tensors along `dim` (default 1, the channel dim of NC... layouts).
 *
 * @example
 * ```ts
 * const y = F.cat([a, b], 1); // (N, Ca, T, H, W) + (N, Cb, T, H, W) -> (N, Ca + Cb, T, H, W)
 * ```
 */
export function cat(tensors: Tensor[], dim = 1): Tensor {
  if (!Array.isArray(tensors) || tensors.length === 0) throw new InvalidArgumentError('cat: expected a non-empty array of tensors');
  const first = tensors[0];
  const d = normDim('cat', dim, first.rank);
  for (const t of tensors) {
    if (t.ctx !== first.ctx) throw new InvalidArgumentError('cat: tensors live on different devices');
    if (t.rank !== first.rank || t.shape.some((v, i) => i !== d && v !== first.shape[i])) {
      throw new ShapeError(`cat: shapes ${tensors.map((x) => fmt(x.shape)).join(', ')} differ outside dim ${d}`);
    }
  }
  const inner = first.shape.slice(d + 1).reduce((a, b) => a * b, 1);
  const Ctot = tensors.reduce((s, t) => s + t.shape[d], 0);
  const outShape = first.shape.map((v, i) => (i === d ? Ctot : v));
  const offsets: number[] = [];
  let acc = 0;
  for (const t of tensors) {
    offsets.push(acc);
    acc += t.shape[d];
  }
  const uni = (j: number) => [tensors[j].size, tensors[j].shape[d] * inner, Ctot * inner, offsets[j] * inner];
  const out = opOutput(first.ctx, outShape, tensors, () => ({
    op: 'cat',
    backward(g, dXs) {
      dXs.forEach((dX, j) => {
        if (dX && dX.size) first.ctx.launch(catBackward, [g.arg, dX.arg], Math.ceil(dX.size / 64), uni(j));
      });
    },
  }));
  tensors.forEach((t, j) => {
    if (t.size) first.ctx.launch(catForward, [t.arg, out.arg], Math.ceil(t.size / 64), uni(j));
  });
  return out;
}
