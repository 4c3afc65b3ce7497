// The one closeness check (../shared/STYLE.md #8): |got - ref| <= atol + rtol * |ref|, NaN never equal.
// On failure it names the worst index and the first few mismatches.
export interface CloseOptions {
  atol?: number;
  rtol?: number;
  /** Label used in the failure message. */
  what?: string;
}

export function allCloseReport(got: ArrayLike<number>, ref: ArrayLike<number>, opts: CloseOptions = {}): string | null {
  const atol = opts.atol ?? 1e-5;
  const rtol = opts.rtol ?? 1e-4;
  const what = opts.what ?? 'values';
  if (got.length !== ref.length) return `${what}: length ${got.length} != reference length ${ref.length}`;
  let worst = -1;
  let worstExcess = -Infinity;
  let bad = 0;
  const first: string[] = [];
  for (let i = 0; i < got.length; i++) {
    const g = got[i];
    const r = ref[i];
    const err = Math.abs(g - r);
    const tol = atol + rtol * Math.abs(r);
    const ok = err <= tol; // false for NaN on either side
    if (!ok) {
      bad++;
      if (first.length < 5) first.push(`[${i}] got ${g} want ${r}`);
      const excess = Number.isNaN(err) ? Infinity : err - tol;
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = i;
      }
    }
  }
  if (!bad) return null;
  return `${what}: ${bad}/${got.length} outside atol=${atol} rtol=${rtol}; worst at [${worst}] got ${got[worst]} want ${ref[worst]}; first: ${first.join(', ')}`;
}

export function expectAllClose(got: ArrayLike<number>, ref: ArrayLike<number>, opts: CloseOptions = {}): void {
  const msg = allCloseReport(got, ref, opts);
  if (msg) throw new Error(msg);
}

/** Max |got - ref| / max|ref|: the "relative to the tensor's max magnitude" measure the issues use. */
export function maxRelToPeak(got: ArrayLike<number>, ref: ArrayLike<number>): number {
  let peak = 0;
  let err = 0;
  for (let i = 0; i < ref.length; i++) {
    peak = Math.max(peak, Math.abs(ref[i]));
    const e = Math.abs(got[i] - ref[i]);
    err = Number.isNaN(e) ? Infinity : Math.max(err, e);
  }
  return peak === 0 ? err : err / peak;
}
