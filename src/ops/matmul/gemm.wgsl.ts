// The register-blocked tiled GEMM every heavy op is built on: matmul, linear, and conv2d/conv3d as
// implicit GEMMs (their im2col reads are just different `loadA`/`loadB` expressions).
//
// C[b](M, N) = A[b](M, K) @ B[b](K, N). A workgroup computes a BM x BN tile; each of its
// (BM/TM) x (BN/TN) threads holds a TM x TN block of accumulators in registers. K advances BK at a time
// through workgroup memory (As is stored k-major so the inner loop reads a column of A and a row of B).
// Thread (ty, tx) owns rows ty + i*TY and columns tx + j*TX (strided, so neighbouring threads write
// neighbouring addresses). Out-of-range rows/columns/k are loaded as 0, so any M, N, K works.
// Split-K: grid z = batch * kSplit; split `ks` covers k in [ks*KC, min(K, (ks+1)*KC)).
// M, N, K, KC and kSplit are uniforms (gemmUniforms), as are the ops' own sizes, so one pipeline serves
// every shape: shader compilation dominates small runs on software adapters.
import { memoSpec, type BindingSpec, type KernelSpec } from '../../gpu/kernel.ts';

export interface GemmConfig {
  BM: number;
  BN: number;
  BK: number;
  TM: number;
  TN: number;
}

// 64 threads with 8x8 accumulators each: on lavapipe this compiles ~3x faster and runs ~3x faster than
// 256 threads x 4x4 (measured, 512^3: 3.1 vs 1.0 GFLOP/s).
export const DEFAULT_GEMM: GemmConfig = { BM: 64, BN: 64, BK: 8, TM: 8, TN: 8 };

export interface GemmSpec {
  name: string;
  M: number;
  N: number;
  K: number;
  batch?: number;
  kSplit?: number;
  bindings: BindingSpec[];
  decls?: string;
  /** WGSL expression of A[b](m, k) with u32 `b`, `m`, `k` (only called in range). */
  loadA: string;
  /** WGSL expression of B[b](k, n). */
  loadB: string;
  /** WGSL statement storing f32 `v` = C[b](m, n) (also sees `ks`, the split-K index). */
  store: string;
  /** Names of extra u32 uniforms the expressions read as `u.<name>` (values passed at launch). */
  params?: string[];
  config?: GemmConfig;
}

export function gemmGrid(g: GemmSpec): [number, number, number] {
  const c = g.config ?? DEFAULT_GEMM;
  return [Math.ceil(g.N / c.BN), Math.ceil(g.M / c.BM), (g.batch ?? 1) * (g.kSplit ?? 1)];
}

/** Split-K factor that gives roughly `target` workgroups without making K chunks shorter than 256. */
export function chooseKSplit(M: number, N: number, K: number, target = 96, c: GemmConfig = DEFAULT_GEMM): number {
  const tiles = Math.ceil(M / c.BM) * Math.ceil(N / c.BN);
  if (tiles >= target) return 1;
  return Math.max(1, Math.min(Math.ceil(target / tiles), Math.floor(K / 256)));
}

/** Uniform values, in the order of gemmSpec's uniforms: M, N, K, KC, kSplit, then `params`. */
export function gemmUniforms(g: GemmSpec, params: Record<string, number> = {}): number[] {
  const { BK } = g.config ?? DEFAULT_GEMM;
  const kSplit = g.kSplit ?? 1;
  const KC = Math.ceil(Math.ceil(g.K / kSplit) / BK) * BK;
  return [g.M, g.N, g.K, KC, kSplit, ...(g.params ?? []).map((p) => params[p])];
}

/** The GEMM kernel of `g` (memoised: M, N, K and kSplit are uniforms, so they are not part of it). */
export function gemmSpec(g: GemmSpec): KernelSpec {
  const c = g.config ?? DEFAULT_GEMM;
  const bindings = g.bindings.map((b) => `${b.name}:${b.type ?? ''}:${b.write ? 1 : 0}`).join(';');
  const key = `gemm\u0000${g.name}\u0000${bindings}\u0000${g.params ?? ''}\u0000${c.BM},${c.BN},${c.BK},${c.TM},${c.TN}\u0000${g.loadA}\u0000${g.loadB}\u0000${g.store}\u0000${g.decls ?? ''}`;
  return memoSpec(key, () => buildGemmSpec(g));
}

function buildGemmSpec(g: GemmSpec): KernelSpec {
  const { BM, BN, BK, TM, TN } = g.config ?? DEFAULT_GEMM;
  const TX = BN / TN;
  const TY = BM / TM;
  if (!Number.isInteger(TX) || !Number.isInteger(TY)) throw new RangeError(`gemm config ${JSON.stringify(g.config)}: BM/TM and BN/TN must be integers`);
  const inner: string[] = [];
  for (let i = 0; i < TM; i++) inner.push(`      let a${i} = As[kk * ${BM}u + ty + ${i * TY}u];`);
  for (let j = 0; j < TN; j++) inner.push(`      let b${j} = Bs[kk * ${BN}u + tx + ${j * TX}u];`);
  for (let i = 0; i < TM; i++) for (let j = 0; j < TN; j++) inner.push(`      acc[${i * TN + j}] = fma(a${i}, b${j}, acc[${i * TN + j}]);`);
  const stores: string[] = [];
  for (let i = 0; i < TM; i++) {
    for (let j = 0; j < TN; j++) {
      stores.push(`  { let m = m0 + ty + ${i * TY}u; let n = n0 + tx + ${j * TX}u;
    if (m < u.M && n < u.N) { let v = acc[${i * TN + j}]; ${g.store} } }`);
    }
  }
  return {
    name: g.name,
    bindings: g.bindings,
    workgroupSize: TX * TY,
    uniforms: [['M', 'u32'], ['N', 'u32'], ['K', 'u32'], ['KC', 'u32'], ['kSplit', 'u32'], ...(g.params ?? []).map((p): [string, 'u32'] => [p, 'u32'])],
    decls: `${g.decls ?? ''}
var<workgroup> As: array<f32, ${BK * BM}>;
var<workgroup> Bs: array<f32, ${BK * BN}>;
fn loadA(b: u32, m: u32, k: u32) -> f32 { return ${g.loadA}; }
fn loadB(b: u32, k: u32, n: u32) -> f32 { return ${g.loadB}; }`,
    body: `  let tx = lidx % ${TX}u;
  let ty = lidx / ${TX}u;
  let b = wid.z / u.kSplit;
  let ks = wid.z % u.kSplit;
  let m0 = wid.y * ${BM}u;
  let n0 = wid.x * ${BN}u;
  let kBeg = ks * u.KC;
  let kEnd = min(u.K, kBeg + u.KC);
  var acc: array<f32, ${TM * TN}>;
  for (var k0 = kBeg; k0 < kEnd; k0 += ${BK}u) {
    for (var e = lidx; e < ${BM * BK}u; e += WG) {
      let mm = e / ${BK}u;
      let kk = e % ${BK}u;
      let m = m0 + mm;
      let k = k0 + kk;
      var v = 0.0;
      if (m < u.M && k < kEnd) { v = loadA(b, m, k); }
      As[kk * ${BM}u + mm] = v;
    }
    for (var e = lidx; e < ${BK * BN}u; e += WG) {
      let kk = e / ${BN}u;
      let nn = e % ${BN}u;
      let n = n0 + nn;
      let k = k0 + kk;
      var v = 0.0;
      if (n < u.N && k < kEnd) { v = loadB(b, k, n); }
      Bs[kk * ${BN}u + nn] = v;
    }
    workgroupBarrier();
    for (var kk = 0u; kk < ${BK}u; kk++) {
${inner.join('\n')}
    }
    workgroupBarrier();
  }
${stores.join('\n')}`,
  };
}
