// Lane-generic arithmetic. Kernels are written once over T ∈ {v128, f32}: with T = v128 one value holds the
// same element of 4 different frames (the SIMD build processes 4 STFT frames side by side, so every FFT
// radix vectorises without shuffles); with T = f32 it is one frame (the scalar build). `isVector<T>()` is a
// compile-time constant, so the branch not taken is never compiled (the scalar build contains no v128).

// @ts-ignore: decorator
@inline export function vadd<T>(a: T, b: T): T {
  if (isVector<T>()) return <T>f32x4.add(<v128>a, <v128>b);
  return <T>(<f32>a + <f32>b);
}
// @ts-ignore: decorator
@inline export function vsub<T>(a: T, b: T): T {
  if (isVector<T>()) return <T>f32x4.sub(<v128>a, <v128>b);
  return <T>(<f32>a - <f32>b);
}
// @ts-ignore: decorator
@inline export function vmul<T>(a: T, b: T): T {
  if (isVector<T>()) return <T>f32x4.mul(<v128>a, <v128>b);
  return <T>(<f32>a * <f32>b);
}
// @ts-ignore: decorator
@inline export function vsqrt<T>(a: T): T {
  if (isVector<T>()) return <T>f32x4.sqrt(<v128>a);
  return <T>Mathf.sqrt(<f32>a);
}
// @ts-ignore: decorator
@inline export function vmax<T>(a: T, b: T): T {
  if (isVector<T>()) return <T>f32x4.max(<v128>a, <v128>b);
  return <T>Mathf.max(<f32>a, <f32>b);
}
// @ts-ignore: decorator
@inline export function vsplat<T>(x: f32): T {
  if (isVector<T>()) return <T>f32x4.splat(x);
  return <T>x;
}
/** Broadcast the f32 at ptr. */
// @ts-ignore: decorator
@inline export function vload1<T>(ptr: usize): T {
  if (isVector<T>()) return <T>v128.load32_splat(ptr);
  return <T>load<f32>(ptr);
}
/** Number of frames one T holds. */
// @ts-ignore: decorator
@inline export function lanes<T>(): i32 {
  return isVector<T>() ? 4 : 1;
}
