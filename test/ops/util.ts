// Shared helpers of the engine tests: a seeded RNG, uploads, and float64 central differences.
import { Tensor, getDevice } from '../../src/index.ts';

export function rng(seed: number): () => number {
  let s = seed >>> 0 || 1;
  return () => {
    s ^= s << 13;
    s ^= s >>> 17;
    s ^= s << 5;
    return (s >>> 0) / 4294967296;
  };
}

/** Seeded values in [-1, 1) rounded to float32. */
export function rand(n: number, seed: number, scale = 1): Float32Array {
  const r = rng(seed);
  return Float32Array.from({ length: n }, () => (r() * 2 - 1) * scale);
}

export async function dev() {
  return getDevice();
}

export function t(device: Awaited<ReturnType<typeof getDevice>>, data: Float32Array, shape: number[], requiresGrad = false): Tensor {
  return Tensor.fromArray(device, data, shape, { requiresGrad });
}

/**
 * Central differences of L(x) = sum(g * f(x)) with respect to x (float64): the CPU backward's oracle.
 */
export function numericGrad(f: (x: Float64Array) => ArrayLike<number>, x: ArrayLike<number>, g: ArrayLike<number>, h = 1e-6): Float64Array {
  const xx = Float64Array.from(x);
  const out = new Float64Array(xx.length);
  const L = () => {
    const y = f(xx);
    let s = 0;
    for (let i = 0; i < y.length; i++) s += g[i] * y[i];
    return s;
  };
  for (let i = 0; i < xx.length; i++) {
    const v = xx[i];
    xx[i] = v + h;
    const lp = L();
    xx[i] = v - h;
    const lm = L();
    xx[i] = v;
    out[i] = (lp - lm) / (2 * h);
  }
  return out;
}
