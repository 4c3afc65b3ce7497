// Generic elementwise ("map") and reduction kernel specs over broadcast operands. Most ops are one of
// these two with an expression: add/mul/relu/... forward and same-shape backward are maps; sum/mean,
// the broadcast-reducing backward of binary ops, batch-norm statistics and bias gradients are reductions.
import { padShape, sizeOf, stridesOf, type Shape } from '../tensor/shape.ts';
import { memoSpec, type ElemType, type KernelSpec } from './kernel.ts';

/** An input of a map/reduce kernel, broadcast (torch rules) against the iteration shape. */
export interface Operand {
  /** The name the expression uses for this operand's value. */
  name: string;
  shape: Shape;
  type?: ElemType;
}

export const MAP_WG = 64;
export const REDUCE_WG = 64;

/**
 * WGSL fn `idx_<name>(i: u32) -> u32`: the operand element read at linear index i of `full` (row-major).
 * Broadcast dims contribute nothing; a same-shape operand returns i.
 */
export function broadcastIndexFn(name: string, shape: Shape, full: Shape): string {
  const s = padShape(shape, full.length);
  if (s.every((d, i) => d === full[i])) return `fn idx_${name}(i: u32) -> u32 { return i; }`;
  if (sizeOf(s) === 1) return `fn idx_${name}(i: u32) -> u32 { return 0u; }`;
  const fs = stridesOf(full);
  const ss = stridesOf(s);
  const terms: string[] = [];
  for (let d = 0; d < full.length; d++) {
    if (s[d] === 1 || full[d] === 1) continue;
    const coord = d === 0 ? `(i / ${fs[d]}u)` : `((i / ${fs[d]}u) % ${full[d]}u)`;
    terms.push(ss[d] === 1 ? coord : `${coord} * ${ss[d]}u`);
  }
  return `fn idx_${name}(i: u32) -> u32 { return ${terms.join(' + ') || '0u'}; }`;
}

export interface MapOptions {
  /** out += expr instead of out = expr (backward kernels accumulate). */
  accumulate?: boolean;
  uniforms?: Array<[string, ElemType]>;
  decls?: string;
  /** Extra statements before the output write (may define lets used by expr). */
  pre?: string;
}

/**
 * out[i] = expr over operands broadcast to `outShape`. Bindings: the operands in order (as `<name>_in`),
 * then `out`. Launch with grid = ceil(size / MAP_WG).
 */
export function mapSpec(name: string, outShape: Shape, operands: Operand[], expr: string, opts: MapOptions = {}): KernelSpec {
  const key = `map\u0000${name}\u0000${outShape}\u0000${operandsKey(operands)}\u0000${expr}\u0000${opts.accumulate ? 1 : 0}\u0000${opts.uniforms ?? ''}\u0000${opts.decls ?? ''}\u0000${opts.pre ?? ''}`;
  return memoSpec(key, () => buildMapSpec(name, outShape, operands, expr, opts));
}

const operandsKey = (operands: Operand[]): string => operands.map((o) => `${o.name}:${o.shape}:${o.type ?? ''}`).join(';');

function buildMapSpec(name: string, outShape: Shape, operands: Operand[], expr: string, opts: MapOptions): KernelSpec {
  const n = sizeOf(outShape);
  const loads = operands.map((o) => `  let ${o.name} = ${o.name}_in(idx_${o.name}(i));`).join('\n');
  const write = opts.accumulate ? `out_set(i, out(i) + (${expr}));` : `out_set(i, ${expr});`;
  return {
    name,
    bindings: [...operands.map((o) => ({ name: `${o.name}_in`, type: o.type })), { name: 'out', write: true }],
    uniforms: opts.uniforms,
    workgroupSize: MAP_WG,
    decls: [...operands.map((o) => broadcastIndexFn(o.name, o.shape, outShape)), opts.decls ?? ''].join('\n'),
    body: `  if (gidx >= ${n}u) { return; }\n  let i = gidx;\n${loads}\n${opts.pre ?? ''}\n  ${write}`,
  };
}

export interface ReduceOptions {
  accumulate?: boolean;
  /**
   * Split each output's reduction into `chunks` ranges of `chunkLen` positions, one workgroup each,
   * writing unscaled partials (nOut * chunks, chunk fastest); a second reduction sums them. Keeps every
   * partial short (accurate) and gives big reductions many workgroups.
   */
  chunks?: number;
  chunkLen?: number;
  uniforms?: Array<[string, ElemType]>;
  decls?: string;
}

/**
 * out[t] = u.scale * sum over the reduced positions of expr, where `target` has the rank of `full` with
 * 1 in every reduced dim. One workgroup per output element; each thread keeps a Kahan-compensated sum
 * over a strided slice, then a tree reduction in workgroup memory: error stays O(eps log n) on
 * 16x112x112x64-sized reductions. Bindings: operands (`<name>_in`), then `out`. Uniforms: `scale`, then
 * opts.uniforms. Launch with grid = size(target).
 */
export function reduceSpec(name: string, full: Shape, target: Shape, operands: Operand[], expr: string, opts: ReduceOptions = {}): KernelSpec {
  const key = `reduce\u0000${name}\u0000${full}\u0000${target}\u0000${operandsKey(operands)}\u0000${expr}\u0000${opts.accumulate ? 1 : 0}\u0000${opts.chunks ?? ''}\u0000${opts.chunkLen ?? ''}\u0000${opts.uniforms ?? ''}\u0000${opts.decls ?? ''}`;
  return memoSpec(key, () => buildReduceSpec(name, full, target, operands, expr, opts));
}

function buildReduceSpec(name: string, full: Shape, target: Shape, operands: Operand[], expr: string, opts: ReduceOptions): KernelSpec {
  const r = full.length;
  const fs = stridesOf(full);
  const kept: number[] = [];
  const red: number[] = [];
  for (let d = 0; d < r; d++) (target[d] === 1 && full[d] !== 1 ? red : kept).push(d);
  const keptShape = kept.map((d) => full[d]);
  const redShape = red.map((d) => full[d]);
  const ks = stridesOf(keptShape);
  const rs = stridesOf(redShape);
  const nOut = sizeOf(target);
  const R = sizeOf(redShape);
  const term = (v: string, k: number, d: number, shape: number[], strides: number[]) =>
    `((${v} / ${strides[k]}u) % ${shape[k]}u) * ${fs[d]}u`;
  const baseExpr = kept.map((d, k) => term('t', k, d, keptShape, ks)).join(' + ') || '0u';
  const offExpr = red.map((d, k) => term('r', k, d, redShape, rs)).join(' + ') || '0u';
  const loads = operands.map((o) => `      let ${o.name} = ${o.name}_in(idx_${o.name}(f));`).join('\n');
  const S = opts.chunks ?? 1;
  const CH = opts.chunkLen ?? R;
  const write = S > 1 ? 'out_set(wlin, total);' : opts.accumulate ? 'out_set(t, out(t) + u.scale * total);' : 'out_set(t, u.scale * total);';
  return {
    name,
    bindings: [...operands.map((o) => ({ name: `${o.name}_in`, type: o.type })), { name: 'out', write: true }],
    uniforms: [['scale', 'f32'], ...(opts.uniforms ?? [])],
    workgroupSize: REDUCE_WG,
    decls: [
      ...operands.map((o) => broadcastIndexFn(o.name, o.shape, full)),
      `var<workgroup> partial: array<f32, ${REDUCE_WG}>;`,
      opts.decls ?? '',
    ].join('\n'),
    body: `  let t = wlin / ${S}u;
  let rBeg = (wlin % ${S}u) * ${CH}u;
  let rEnd = min(${R}u, rBeg + ${CH}u);
  var accS = 0.0;
  var accC = 0.0;
  if (t < ${nOut}u) {
    let base = ${baseExpr};
    for (var r = rBeg + lidx; r < rEnd; r += WG) {
      let f = base + ${offExpr};
${loads}
      let accY = (${expr}) - accC;
      let accN = accS + accY;
      accC = (accN - accS) - accY;
      accS = accN;
    }
  }
  partial[lidx] = accS;
  workgroupBarrier();
  for (var w = WG / 2u; w > 0u; w = w / 2u) {
    if (lidx < w) { partial[lidx] = partial[lidx] + partial[lidx + w]; }
    workgroupBarrier();
  }
  if (lidx == 0u && t < ${nOut}u) {
    let total = partial[0];
    ${write}
  }`,
  };
}
