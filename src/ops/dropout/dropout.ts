// dropout (torch.nn.functional.dropout semantics: zero with probability p, scale kept values by
// 1 / (1 - p)) with a seeded counter-based mask: keep(i) = hash(seed, i) >= p, so forward and backward
// recompute the same mask without storing it, and a seed reproduces a run. The stream differs from
// torch's RNG (no JS engine can reproduce CUDA/CPU torch masks); the statistics are the same.
import { InvalidArgumentError } from '../../errors.ts';
import { opOutput, type Tensor } from '../../tensor/tensor.ts';
import { runMap } from '../launch.ts';

/** PCG-style 32-bit hash (the WGSL twin is below); exported for the reference. */
export function hash32(x: number): number {
  let s = (Math.imul(x >>> 0, 747796405) + 2891336453) >>> 0;
  const w = Math.imul(((s >>> ((s >>> 28) + 4)) ^ s) >>> 0, 277803737) >>> 0;
  s = ((w >>> 22) ^ w) >>> 0;
  return s;
}

/** Uniform in [0, 1) of element i under seed (24 bits, exact in f32). */
export function dropoutUniform(seed: number, i: number): number {
  return (hash32((hash32(seed >>> 0) ^ (i >>> 0)) >>> 0) >>> 8) / 16777216;
}

const DECLS = /* wgsl */ `
fn hash32(x: u32) -> u32 {
  let s = x * 747796405u + 2891336453u;
  let w = ((s >> ((s >> 28u) + 4u)) ^ s) * 277803737u;
  return (w >> 22u) ^ w;
}
fn keep(i: u32) -> bool {
  return f32(hash32(hash32(u.seed) ^ i) >> 8u) / 16777216.0 >= u.p;
}`;
const UNI: Array<[string, 'u32' | 'f32']> = [['seed', 'u32'], ['p', 'f32'], ['scale', 'f32']];

let autoSeed = 0x5eed;

export interface DropoutOptions {
  /** Default 0.5. */
  p?: number;
  /** Default true (torch's functional default). When false, returns x unchanged (same tensor). */
  training?: boolean;
  /** 32-bit seed; by default a counter advanced per call (deterministic within a process). */
  seed?: number;
}

/**
 * @example
 * ```ts
 * const y = F.dropout(x, { p: 0.2, seed: 42 });
 * ```
 */
export function dropout(x: Tensor, opts: DropoutOptions = {}): Tensor {
  const p = opts.p ?? 0.5;
  if (!(p >= 0 && p <= 1)) throw new InvalidArgumentError(`dropout: p must be in [0, 1], got ${p}`);
  if (opts.training === false || p === 0) return x;
  const seed = (opts.seed ?? (autoSeed = (autoSeed + 0x9e3779b9) >>> 0)) >>> 0;
  const scale = p === 1 ? 0 : 1 / (1 - p);
  const u = [seed, p, scale];
  const out = opOutput(x.ctx, x.shape, [x], () => ({
    op: 'dropout',
    backward(g, [dX]) {
      if (dX) runMap('dropout.dX', dX, [{ name: 'g', t: g }], 'select(0.0, g * u.scale, keep(i))', { accumulate: true, uniforms: UNI, decls: DECLS }, u);
    },
  }));
  runMap('dropout', out, [{ name: 'x', t: x }], 'select(0.0, x * u.scale, keep(i))', { uniforms: UNI, decls: DECLS }, u);
  return out;
}
