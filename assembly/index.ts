// sscl-sdk DSP module. Pure functions over caller-owned linear-memory buffers; no JS imports.
// Built twice (asconfig.json): `simd` with the WebAssembly SIMD proposal and `scalar` without it.
// `ASC_FEATURE_SIMD` is a compile-time constant, so the branch not taken is never compiled.

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
