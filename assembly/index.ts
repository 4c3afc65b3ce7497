// sscl-sdk DSP module. Pure functions over caller-owned linear-memory buffers; no JS imports.
// Built twice (asconfig.json): `simd` with the WebAssembly SIMD proposal and `scalar` without it.
// `ASC_FEATURE_SIMD` is a compile-time constant, so the branch not taken is never compiled.
import { fftPlanCreate as planCreate, fftRun } from './dsp/fft';
import { stftRun, stftWorkBytes as workBytes } from './dsp/stft';
export { padEdges, firstNonFinite } from './dsp/stft';
export { resampleRun } from './dsp/resample';

/** Reserve `bytes` of linear memory (16-byte aligned) and return its address. */
export function alloc(bytes: usize): usize {
  return heap.alloc(bytes);
}

/** Release an address from `alloc`. */
export function free(ptr: usize): void {
  heap.free(ptr);
}

/** 1 when this build uses WebAssembly SIMD, else 0. */
export function simdEnabled(): i32 {
  return ASC_FEATURE_SIMD ? 1 : 0;
}

/** Frames processed side by side by the STFT kernels (4 with SIMD, else 1). */
export function stftLanes(): i32 {
  return ASC_FEATURE_SIMD ? 4 : 1;
}

/** Plan for a complex FFT of size n (any n >= 1). */
export function fftPlanCreate(n: i32): usize {
  return planCreate(n);
}

/** Bytes of STFT work memory for complex size m. */
export function stftWorkBytes(m: i32): i32 {
  return workBytes(m, ASC_FEATURE_SIMD ? 16 : 4);
}

/**
 * Complex FFT in place on split re/im arrays of one lane-group (testing hook: with SIMD each element is 4
 * lanes, i.e. re holds n*4 f32). work: 2 * n * lane-bytes scratch + radix scratch. Returns 0.
 */
export function fftComplex(plan: usize, re: usize, im: usize, work: usize): i32 {
  const n = load<i32>(plan);
  const S: usize = ASC_FEATURE_SIMD ? 16 : 4;
  const a = work, b = work + <usize>(2 * n) * S, tmp = b + <usize>(2 * n) * S;
  memory.copy(a, re, <usize>n * S);
  memory.copy(a + <usize>n * S, im, <usize>n * S);
  const z = ASC_FEATURE_SIMD ? fftRun<v128>(plan, a, b, <usize>n * S, tmp) : fftRun<f32>(plan, a, b, <usize>n * S, tmp);
  memory.copy(re, z, <usize>n * S);
  memory.copy(im, z + <usize>n * S, <usize>n * S);
  return 0;
}

/** STFT (+ mel, + log) of one clip; see assembly/dsp/stft.ts. Returns the number of frames. */
export function stft(cfg: usize, sig: usize, nSig: i32, out: usize): i32 {
  return ASC_FEATURE_SIMD ? stftRun<v128>(cfg, sig, nSig, out) : stftRun<f32>(cfg, sig, nSig, out);
}

/** Dot product of two f32 arrays of length n at a and b (the module's self-test kernel). */
export function dotF32(a: usize, b: usize, n: i32): f32 {
  let acc: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let v = f32x4.splat(0);
    for (; i + 4 <= n; i += 4) {
      const off = <usize>i << 2;
      v = f32x4.add(v, f32x4.mul(v128.load(a + off), v128.load(b + off)));
    }
    acc = f32x4.extract_lane(v, 0) + f32x4.extract_lane(v, 1) + f32x4.extract_lane(v, 2) + f32x4.extract_lane(v, 3);
  }
  for (; i < n; i++) {
    const off = <usize>i << 2;
    acc += load<f32>(a + off) * load<f32>(b + off);
  }
  return acc;
}
