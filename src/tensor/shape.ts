// Shape helpers: sizes, strides, broadcasting (numpy/torch rules), and the typed checks ops share.
import { ShapeError } from '../errors.ts';

export type Shape = readonly number[];

export function sizeOf(shape: Shape): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

/** Row-major strides. */
export function stridesOf(shape: Shape): number[] {
  const s = new Array<number>(shape.length);
  let acc = 1;
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc;
    acc *= shape[i];
  }
  return s;
}

export function fmt(shape: Shape): string {
  return `[${shape.join(', ')}]`;
}

export function checkShape(op: string, shape: Shape): void {
  if (!Array.isArray(shape) || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new ShapeError(`${op}: shape must be an array of non-negative integers, got ${JSON.stringify(shape)}`);
  }
}

/** The broadcast shape of a and b (torch rules: align right, sizes equal or 1). */
export function broadcastShapes(op: string, a: Shape, b: Shape): number[] {
  const r = Math.max(a.length, b.length);
  const out = new Array<number>(r);
  for (let i = 0; i < r; i++) {
    const da = a[a.length - r + i] ?? 1;
    const db = b[b.length - r + i] ?? 1;
    if (da !== db && da !== 1 && db !== 1) {
      throw new ShapeError(`${op}: shapes ${fmt(a)} and ${fmt(b)} do not broadcast (dim ${i - r}: ${da} vs ${db})`);
    }
    out[i] = da === 1 ? db : da;
  }
  return out;
}

/** `shape` left-padded with 1s to rank r. */
export function padShape(shape: Shape, r: number): number[] {
  return [...new Array<number>(r - shape.length).fill(1), ...shape];
}

export function sameShape(a: Shape, b: Shape): boolean {
  return a.length === b.length && a.every((d, i) => d === b[i]);
}

/** Normalises a possibly negative dim for a tensor of rank r. */
export function normDim(op: string, dim: number, r: number): number {
  const d = dim < 0 ? dim + r : dim;
  if (!Number.isInteger(d) || d < 0 || d >= r) throw new ShapeError(`${op}: dim ${dim} out of range for a rank-${r} tensor`);
  return d;
}

/** A number or a tuple of `n` numbers, as torch accepts for kernel_size/stride/padding. */
export function tuple(op: string, name: string, v: number | readonly number[] | undefined, n: number, dflt: number): number[] {
  if (v === undefined) return new Array<number>(n).fill(dflt);
  const arr = typeof v === 'number' ? new Array<number>(n).fill(v) : [...v];
  if (arr.length !== n || arr.some((x) => !Number.isInteger(x))) {
    throw new ShapeError(`${op}: ${name} must be an integer or ${n} integers, got ${JSON.stringify(v)}`);
  }
  return arr;
}
