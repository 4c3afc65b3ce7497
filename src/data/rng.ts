// A small seeded PRNG that gives the same stream in every runtime: xoshiro128** (Blackman & Vigna 2018,
// https://prng.di.unimi.it/xoshiro128starstar.c) on 32-bit integer ops (`Math.imul`, shifts), seeded
// through splitmix32 so nearby seeds give unrelated streams. Float helpers use only exactly-specified
// arithmetic (see detmath.ts), so `normal()` is bit-identical in V8, SpiderMonkey and JavaScriptCore too.
import { InvalidArgumentError } from '../errors.ts';
import { detCos, detLog, TWO_PI } from './detmath.ts';

/** Mixes any number of integers (seed, split, index, ...) into one 32-bit seed. */
export function mixSeed(...parts: number[]): number {
  let h = 0x9e3779b9;
  for (const p of parts) {
    if (!Number.isFinite(p)) throw new InvalidArgumentError(`mixSeed: parts must be finite numbers, got ${p}`);
    // Fold the high and low 32 bits of an integer up to 2^53 (non-integers are truncated).
    const lo = Math.trunc(p) >>> 0;
    const hi = Math.trunc(p / 4294967296) >>> 0;
    h = fmix32((h ^ lo) >>> 0);
    h = fmix32((h ^ hi ^ 0x85ebca6b) >>> 0);
  }
  return h >>> 0;
}

/** murmur3's 32-bit finaliser: a bijection with good avalanche. */
function fmix32(h: number): number {
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/**
 * xoshiro128** generator.
 *
 * @example
 * ```ts
 * const rng = new Rng(42);
 * rng.uniform();     // a float in [0, 1) with 32 random bits
 * rng.int(10);       // an integer in [0, 10)
 * rng.normal(0, 1);  // a standard normal draw (Box-Muller)
 * ```
 */
export class Rng {
  private s0: number;
  private s1: number;
  private s2: number;
  private s3: number;

  constructor(seed: number) {
    if (!Number.isFinite(seed)) throw new InvalidArgumentError(`Rng: seed must be a finite number, got ${seed}`);
    // splitmix32 fills the 128-bit state; it never yields the all-zero state from four consecutive outputs.
    let x = mixSeed(seed);
    const next = (): number => {
      x = (x + 0x9e3779b9) >>> 0;
      return fmix32(x);
    };
    this.s0 = next();
    this.s1 = next();
    this.s2 = next();
    this.s3 = next();
  }

  /** The next raw 32-bit output as an unsigned integer. */
  nextU32(): number {
    const result = Math.imul(rotl(Math.imul(this.s1, 5), 7), 9) >>> 0;
    const t = this.s1 << 9;
    this.s2 ^= this.s0;
    this.s3 ^= this.s1;
    this.s1 ^= this.s2;
    this.s0 ^= this.s3;
    this.s2 ^= t;
    this.s3 = rotl(this.s3, 11);
    return result;
  }

  /** Uniform float in [0, 1) (32 random bits; exactly representable, so identical everywhere). */
  uniform(): number {
    return this.nextU32() / 4294967296;
  }

  /** Uniform float in [lo, hi). */
  range(lo: number, hi: number): number {
    return lo + (hi - lo) * this.uniform();
  }

  /** Uniform integer in [0, n), without modulo bias (rejection sampling). */
  int(n: number): number {
    if (!(Number.isInteger(n) && n > 0 && n <= 4294967296)) throw new InvalidArgumentError(`Rng.int: n must be an integer in [1, 2^32], got ${n}`);
    const limit = 4294967296 - (4294967296 % n);
    for (;;) {
      const u = this.nextU32();
      if (u < limit) return u % n;
    }
  }

  /** True with probability p. */
  bernoulli(p: number): boolean {
    return this.uniform() < p;
  }

  /** Normal draw (Box-Muller with deterministic log/cos). */
  normal(mean = 0, std = 1): number {
    const u1 = 1 - this.uniform(); // (0, 1]
    const u2 = this.uniform();
    return mean + std * Math.sqrt(-2 * detLog(u1)) * detCos(TWO_PI * u2);
  }

  /** An element of `items`, uniformly. */
  pick<T>(items: readonly T[]): T {
    return items[this.int(items.length)];
  }

  /** Fisher-Yates shuffle in place; returns `items`. */
  shuffle<T>(items: T[]): T[] {
    for (let i = items.length - 1; i > 0; i--) {
      const j = this.int(i + 1);
      const tmp = items[i];
      items[i] = items[j];
      items[j] = tmp;
    }
    return items;
  }

  /** A child generator seeded from this one's next outputs (independent stream for a sub-task). */
  fork(): Rng {
    return new Rng(mixSeed(this.nextU32(), this.nextU32()));
  }
}

function rotl(x: number, k: number): number {
  return ((x << k) | (x >>> (32 - k))) >>> 0;
}

/** FNV-1a over the bytes of typed arrays, as 8 hex digits: the dataset determinism check uses it. */
export function fnv1a(...arrays: ArrayBufferView[]): string {
  let h = 0x811c9dc5;
  for (const a of arrays) {
    const b = new Uint8Array(a.buffer, a.byteOffset, a.byteLength);
    for (let i = 0; i < b.length; i++) {
      h ^= b[i];
      h = Math.imul(h, 0x01000193);
    }
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
