// Natural log for positive normal f32, lane-generic: frexp by bit manipulation, then the Cephes logf
// minimax polynomial on [sqrt(1/2)-1, sqrt(2)-1] (checked against Math.log on the
// same power values in test/dsp/frontend.test.ts: within 2e-6 abs + 2e-7 rel over 1e-10..1e4). Callers guarantee x > 0 and finite
// (log offsets and dB floors are validated > 0 in TypeScript), so no special cases are needed.
import { vadd, vmul, vsplat } from './lanes';

// @ts-ignore: decorator
@inline const SQRTHF: f32 = 0.707106781186547524;

// @ts-ignore: decorator
@inline function poly<T>(m: T): T {
  let p = vsplat<T>(7.0376836292e-2);
  p = vadd<T>(vmul<T>(p, m), vsplat<T>(-1.1514610310e-1));
  p = vadd<T>(vmul<T>(p, m), vsplat<T>(1.1676998740e-1));
  p = vadd<T>(vmul<T>(p, m), vsplat<T>(-1.2420140846e-1));
  p = vadd<T>(vmul<T>(p, m), vsplat<T>(1.4249322787e-1));
  p = vadd<T>(vmul<T>(p, m), vsplat<T>(-1.6668057665e-1));
  p = vadd<T>(vmul<T>(p, m), vsplat<T>(2.0000714765e-1));
  p = vadd<T>(vmul<T>(p, m), vsplat<T>(-2.4999993993e-1));
  p = vadd<T>(vmul<T>(p, m), vsplat<T>(3.3333331174e-1));
  return p;
}

// @ts-ignore: decorator
@inline export function vlog<T>(x: T): T {
  let m: T, fe: T;
  if (isVector<T>()) {
    const bits = <v128>x;
    let e = i32x4.sub(i32x4.shr_u(bits, 23), i32x4.splat(126));
    let mm = v128.or(v128.and(bits, i32x4.splat(0x007fffff)), i32x4.splat(0x3f000000));
    const lt = f32x4.lt(mm, f32x4.splat(SQRTHF));
    e = i32x4.add(e, lt); // lt lanes are -1
    mm = f32x4.sub(f32x4.add(mm, v128.and(mm, lt)), f32x4.splat(1));
    m = <T>mm;
    fe = <T>f32x4.convert_i32x4_s(e);
  } else {
    const bits = reinterpret<i32>(<f32>x);
    let e = (bits >>> 23) - 126;
    let mm = reinterpret<f32>((bits & 0x007fffff) | 0x3f000000);
    if (mm < SQRTHF) {
      e -= 1;
      mm = mm + mm - 1;
    } else mm = mm - 1;
    m = <T>mm;
    fe = <T>(<f32>e);
  }
  const z = vmul<T>(m, m);
  let y = vmul<T>(vmul<T>(poly<T>(m), m), z);
  y = vadd<T>(y, vmul<T>(fe, vsplat<T>(-2.12194440e-4)));
  y = vadd<T>(y, vmul<T>(z, vsplat<T>(-0.5)));
  let r = vadd<T>(m, y);
  r = vadd<T>(r, vmul<T>(fe, vsplat<T>(0.693359375)));
  return r;
}
