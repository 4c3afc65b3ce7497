// Polyphase FIR resampling, torchaudio.functional.resample's conv1d formulation:
//   y[j*newF + i] = Σ_t xp[j*origF + t] * kernel[i][t],  t < taps
// where xp is the input zero-padded by `width` on the left (and enough zeros on the right) and kernel is
// the windowed-sinc bank computed in src/dsp/resample.ts. Rows of the kernel are padded to a multiple of 4
// taps with zeros (`stride`), so the SIMD dot product has no tail.

// @ts-ignore: decorator
@inline function dot(a: usize, b: usize, n: i32): f32 {
  let acc: f32 = 0;
  let i = 0;
  if (ASC_FEATURE_SIMD) {
    let v0 = f32x4.splat(0), v1 = f32x4.splat(0);
    for (; i + 8 <= n; i += 8) {
      const o = <usize>i << 2;
      v0 = f32x4.add(v0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
      v1 = f32x4.add(v1, f32x4.mul(v128.load(a + o, 16), v128.load(b + o, 16)));
    }
    for (; i + 4 <= n; i += 4) {
      const o = <usize>i << 2;
      v0 = f32x4.add(v0, f32x4.mul(v128.load(a + o), v128.load(b + o)));
    }
    v0 = f32x4.add(v0, v1);
    acc = f32x4.extract_lane(v0, 0) + f32x4.extract_lane(v0, 1) + f32x4.extract_lane(v0, 2) + f32x4.extract_lane(v0, 3);
  }
  for (; i < n; i++) acc += load<f32>(a + (<usize>i << 2)) * load<f32>(b + (<usize>i << 2));
  return acc;
}

/** Writes nOut resampled values to out. kernel: (newF, stride) f32. */
export function resampleRun(xp: usize, nOut: i32, origF: i32, newF: i32, kernel: usize, stride: i32, out: usize): void {
  let o = 0;
  for (let j = 0; o < nOut; j++) {
    const x = xp + (<usize>(j * origF) << 2);
    for (let i = 0; i < newF && o < nOut; i++, o++) {
      store<f32>(out + (<usize>o << 2), dot(x, kernel + (<usize>(i * stride) << 2), stride));
    }
  }
}
