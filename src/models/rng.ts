// A counter-based random generator that TypeScript and Python (numpy, test/fixtures/gen/models_rng.py)
// evaluate to the SAME bits: value i of stream s under seed k is a pure function of (k, s, i) built from
// 32-bit integer multiplies, xors and shifts only, so fixture generators can rebuild our random-weight
// models and inputs in torch without shipping the weights.
//   mix(x)      = the 'lowbias32' integer hash (C. Wellons): x ^= x>>16; x *= 0x7feb352d; x ^= x>>15;
//                 x *= 0x846ca68b; x ^= x>>16 (all mod 2^32)
//   key(k, s)   = mix(mix(k ^ 0x243f6a88) ^ (s * 0x9e3779b9 mod 2^32))
//   bits(k,s,i) = mix(mix(i ^ key) ^ key)            (i < 2^32)
//   uniform     = (bits >>> 8) * 2^-24 * 2 - 1         in [-1, 1), a multiple of 2^-23: exact in f32 and f64
// Scaling happens in float64 and rounds once to float32, identically in both languages (IEEE * and sqrt
// are correctly rounded). Normals use Box-Muller (log/cos may differ by an ulp between libms).
import { InvalidArgumentError } from '../errors.ts';

export function mix32(x: number): number {
  x = (x ^ (x >>> 16)) >>> 0;
  x = Math.imul(x, 0x7feb352d) >>> 0;
  x = (x ^ (x >>> 15)) >>> 0;
  x = Math.imul(x, 0x846ca68b) >>> 0;
  return (x ^ (x >>> 16)) >>> 0;
}

function checkU32(v: number, what: string): void {
  if (!Number.isInteger(v) || v < 0 || v > 0xffffffff) throw new InvalidArgumentError(`${what} must be an integer in [0, 2^32), got ${v}`);
}

/** The per-(seed, stream) key. */
export function streamKey(seed: number, stream: number): number {
  checkU32(seed, 'seed');
  checkU32(stream, 'stream');
  return mix32((mix32((seed ^ 0x243f6a88) >>> 0) ^ Math.imul(stream, 0x9e3779b9)) >>> 0);
}

/** 32 random bits for element `i` of a stream. */
export function counterBits(key: number, i: number): number {
  return mix32((mix32((i ^ key) >>> 0) ^ key) >>> 0);
}

/** Uniform in [-1, 1) for element i (exactly representable in float32). */
export function counterUniform(key: number, i: number): number {
  return (counterBits(key, i) >>> 8) * 2 ** -23 - 1;
}

/**
 * `n` values `offset + scale * u`, u uniform in [-1, 1), computed in float64 and rounded once to float32.
 *
 * @example
 * ```ts
 * uniformArray(3, { seed: 1, stream: 0 });   // Float32Array [a, b, c] in [-1, 1), same as models_rng.uniform(3, 1, 0)
 * ```
 */
export function uniformArray(n: number, o: { seed: number; stream: number; scale?: number; offset?: number }): Float32Array {
  const key = streamKey(o.seed, o.stream);
  const scale = o.scale ?? 1;
  const offset = o.offset ?? 0;
  const out = new Float32Array(n);
  for (let i = 0; i < n; i++) out[i] = offset + scale * counterUniform(key, i);
  return out;
}

/** Same values as `uniformArray`, kept in float64 (the float64 references use these). */
export function uniformArray64(n: number, o: { seed: number; stream: number; scale?: number; offset?: number }): Float64Array {
  const key = streamKey(o.seed, o.stream);
  const scale = o.scale ?? 1;
  const offset = o.offset ?? 0;
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) out[i] = offset + scale * counterUniform(key, i);
  return out;
}

/**
 * Standard normals by Box-Muller: value i uses bits 2i (u1 in (0, 1]) and 2i+1 (u2 in [0, 1)):
 * z = sqrt(-2 ln u1) cos(2 pi u2). Float64.
 */
export function normalArray64(n: number, o: { seed: number; stream: number }): Float64Array {
  const key = streamKey(o.seed, o.stream);
  const out = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const u1 = ((counterBits(key, 2 * i) >>> 8) + 1) * 2 ** -24;
    const u2 = (counterBits(key, 2 * i + 1) >>> 8) * 2 ** -24;
    out[i] = Math.sqrt(-2 * Math.log(u1)) * Math.cos(2 * Math.PI * u2);
  }
  return out;
}

/** An integer in [0, n) for element i (multiply-shift on 32 bits: floor(bits * n / 2^32), exact for n < 2^21). */
export function counterIndex(key: number, i: number, n: number): number {
  return Math.floor((counterBits(key, i) * n) / 2 ** 32);
}
