// Deterministic elementary functions for data generation. `Math.sin`, `Math.exp`, `Math.log` are not
// specified to the last bit by ECMAScript (V8, SpiderMonkey and JavaScriptCore differ in the last ulp), so
// anything that decides the bytes of a generated dataset uses these instead: they are built from +, -, *, /
// and `Math.sqrt`/`Math.floor`, which IEEE 754 and ECMAScript fix exactly, so every runtime gets the same
// bits. Accuracy is ~1e-15 relative on the ranges we use, far below what a float32 pixel can show.

const TWO_PI = 6.283185307179586;
const HALF_PI = 1.5707963267948966;
const LN2 = 0.6931471805599453;

/** sin(x) for |x| < 1e6, deterministic in every runtime. */
export function detSin(x: number): number {
  // Reduce to r in [-pi/4, pi/4] and a quadrant q: x = q * pi/2 + r.
  const q = Math.floor(x / HALF_PI + 0.5);
  const r = x - q * HALF_PI;
  const r2 = r * r;
  const k = ((q % 4) + 4) % 4;
  // Taylor series to r^17 / r^16: |r| <= pi/4 keeps the truncation error below 1e-16.
  const s = r * (1 + r2 * (-1 / 6 + r2 * (1 / 120 + r2 * (-1 / 5040 + r2 * (1 / 362880 + r2 * (-1 / 39916800 + r2 * (1 / 6227020800 + r2 * (-1 / 1307674368000 + r2 / 355687428096000))))))));
  const c = 1 + r2 * (-1 / 2 + r2 * (1 / 24 + r2 * (-1 / 720 + r2 * (1 / 40320 + r2 * (-1 / 3628800 + r2 * (1 / 479001600 + r2 * (-1 / 87178291200 + r2 / 20922789888000)))))));
  return k === 0 ? s : k === 1 ? c : k === 2 ? -s : -c;
}

/** cos(x), deterministic in every runtime. */
export function detCos(x: number): number {
  return detSin(x + HALF_PI);
}

/** exp(x) for |x| < 700, deterministic in every runtime. */
export function detExp(x: number): number {
  if (x < -700) return 0;
  // x = n ln2 + r, |r| <= ln2/2; exp(r) by Taylor to r^14; 2^n built exactly by repeated squaring-free scaling.
  const n = Math.floor(x / LN2 + 0.5);
  const r = x - n * LN2;
  let term = 1;
  let sum = 1;
  for (let i = 1; i <= 14; i++) {
    term = (term * r) / i;
    sum += term;
  }
  return sum * pow2(n);
}

/** Natural log for x > 0, deterministic in every runtime. Returns -Infinity for 0 and NaN below. */
export function detLog(x: number): number {
  if (!(x > 0)) return x === 0 ? -Infinity : NaN;
  // x = m * 2^e with m in [sqrt(1/2), sqrt(2)); log m = 2 atanh((m-1)/(m+1)) as an odd series.
  let e = 0;
  let m = x;
  while (m >= 1.4142135623730951) {
    m *= 0.5;
    e++;
  }
  while (m < 0.7071067811865476) {
    m *= 2;
    e--;
  }
  const z = (m - 1) / (m + 1);
  const z2 = z * z;
  let term = z;
  let sum = 0;
  for (let k = 1; k <= 39; k += 2) {
    sum += term / k;
    term *= z2;
  }
  return 2 * sum + e * LN2;
}

/** 2^n for integer n, exact. */
function pow2(n: number): number {
  let r = 1;
  if (n > 0) for (let i = 0; i < n; i++) r *= 2;
  else for (let i = 0; i < -n; i++) r *= 0.5;
  return r;
}

export { TWO_PI };
