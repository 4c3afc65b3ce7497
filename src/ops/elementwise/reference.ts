// Plain float64 references for the elementwise ops (the oracle of the GPU tests).
import { broadcastShapes, padShape, sizeOf, stridesOf, type Shape } from '../../tensor/shape.ts';

/** Index of the operand element of `shape` read at linear index i of `full`. */
export function bIndex(i: number, shape: Shape, full: Shape): number {
  const s = padShape(shape, full.length);
  const fs = stridesOf(full);
  const ss = stridesOf(s);
  let r = 0;
  for (let d = 0; d < full.length; d++) if (s[d] !== 1) r += (Math.floor(i / fs[d]) % full[d]) * ss[d];
  return r;
}

type F = (a: number, b: number) => number;
const FWD: Record<string, F> = { add: (a, b) => a + b, sub: (a, b) => a - b, mul: (a, b) => a * b, div: (a, b) => a / b };
const DA: Record<string, (g: number, a: number, b: number) => number> = { add: (g) => g, sub: (g) => g, mul: (g, _a, b) => g * b, div: (g, _a, b) => g / b };
const DB: Record<string, (g: number, a: number, b: number) => number> = { add: (g) => g, sub: (g) => -g, mul: (g, a) => g * a, div: (g, a, b) => (-g * a) / (b * b) };

export function binaryRef(op: string, a: ArrayLike<number>, as: Shape, b: ArrayLike<number>, bs: Shape): { out: Float64Array; shape: number[] } {
  const shape = broadcastShapes(op, as, bs);
  const out = new Float64Array(sizeOf(shape));
  for (let i = 0; i < out.length; i++) out[i] = FWD[op](a[bIndex(i, as, shape)], b[bIndex(i, bs, shape)]);
  return { out, shape };
}

export function binaryBackwardRef(op: string, g: ArrayLike<number>, a: ArrayLike<number>, as: Shape, b: ArrayLike<number>, bs: Shape): { dA: Float64Array; dB: Float64Array } {
  const shape = broadcastShapes(op, as, bs);
  const dA = new Float64Array(sizeOf(as));
  const dB = new Float64Array(sizeOf(bs));
  for (let i = 0; i < g.length; i++) {
    const ia = bIndex(i, as, shape);
    const ib = bIndex(i, bs, shape);
    dA[ia] += DA[op](g[i], a[ia], b[ib]);
    dB[ib] += DB[op](g[i], a[ia], b[ib]);
  }
  return { dA, dB };
}

export const UNARY_REF: Record<string, { fwd: (x: number, s: number) => number; dX: (g: number, x: number, y: number, s: number) => number }> = {
  relu: { fwd: (x) => Math.max(x, 0), dX: (g, x) => (x > 0 ? g : 0) },
  sqrt: { fwd: (x) => Math.sqrt(x), dX: (g, _x, y) => (g * 0.5) / y },
  exp: { fwd: (x) => Math.exp(x), dX: (g, _x, y) => g * y },
  log: { fwd: (x) => Math.log(x), dX: (g, x) => g / x },
  neg: { fwd: (x) => -x, dX: (g) => -g },
  clampMin: { fwd: (x, s) => Math.max(x, s), dX: (g, x, _y, s) => (x >= s ? g : 0) },
};
