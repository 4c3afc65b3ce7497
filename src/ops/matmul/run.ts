// Runs a GemmSpec on tensors: binds the inputs, handles split-K through a partial buffer and a reduction.
import type { GpuContext } from '../../gpu/context.ts';
import type { KernelSpec } from '../../gpu/kernel.ts';
import { Tensor } from '../../tensor/tensor.ts';
import { runReduce } from '../launch.ts';
import { chooseKSplit, DEFAULT_GEMM, gemmGrid, gemmSpec, gemmUniforms, type GemmConfig } from './gemm.wgsl.ts';

export interface GemmCall {
  name: string;
  M: number;
  N: number;
  K: number;
  batch?: number;
  inputs: Array<{ name: string; t: Tensor }>;
  decls?: string;
  loadA: string;
  loadB: string;
  /** WGSL expression of out's linear index for (b, m, n). Default b*M*N + m*N + n. */
  outIndex?: string;
  /** WGSL expression added to v before storing (e.g. a bias read). Disables split-K. */
  epilogue?: string;
  /** WGSL expression of the stored value in terms of v (the dot product), m and n; replaces `v + epilogue`. Disables split-K. */
  outExpr?: string;
  accumulate?: boolean;
  out: Tensor;
  /** Allow split-K (only when out is indexed (m, n) row-major and batch == 1). */
  allowSplitK?: boolean;
  config?: GemmConfig;
  kSplit?: number;
  /** Op sizes the load/store expressions read as `u.<name>` (u32 uniforms: one pipeline for all shapes). */
  params?: Record<string, number>;
}

/**
 * Above this many FLOPs a GEMM's op sizes (`u.p*` / `u.c*` params) are baked into the WGSL as constants:
 * one pipeline per shape, but constant strides let the compiler fold the index maths (H100, 1024^3:
 * 0.26 ms baked vs 0.66 ms with uniform strides). Below it one shared pipeline saves compile time.
 */
/** Split-K target (workgroups) on software adapters; see runGemm. */
export const SOFTWARE_SPLIT_TARGET = 8;

/** out(m, n) (+)= sum over ks of part(ks, m, n); one invocation per element. part: (split, M, N). */
function splitKSumSpec(name: string, accumulate: boolean): KernelSpec & { workgroupSize: number } {
  return {
    name: `${name}.splitKSum`,
    bindings: [{ name: 'part' }, { name: 'out', write: true }],
    uniforms: [['len', 'u32'], ['split', 'u32']],
    workgroupSize: 64,
    body: `  if (gidx >= u.len) { return; }
  var s = 0.0;
  for (var ks = 0u; ks < u.split; ks++) { s += part(ks * u.len + gidx); }
  ${accumulate ? 'out_set(gidx, out(gidx) + s);' : 'out_set(gidx, s);'}`,
  };
}

export const GEMM_TUNING: { specializeAbove: number; short: Array<[maxM: number, tile: GemmConfig]> } = {
  specializeAbove: 2 ** 27,
  /**
   * Software adapters: tiles for GEMMs with few rows (the first entry with M <= maxM; e.g. a conv with few
   * output channels), where the default 64x64 tile computes mostly padding rows (M = 8: 7/8 of its FMAs
   * wasted, and on a CPU adapter every lane is real CPU work). Each keeps 64 threads of 8x4 accumulators.
   * Measured on lavapipe with bench/encoders/tiles.mjs (bench/encoders/RESULTS.md). [] = always the context's tile.
   */
  short: [
    [8, { BM: 8, BN: 256, BK: 8, TM: 8, TN: 4 }],
    [16, { BM: 16, BN: 128, BK: 8, TM: 8, TN: 4 }],
    [32, { BM: 32, BN: 64, BK: 8, TM: 8, TN: 4 }],
  ],
};

/** The tile of a GEMM with no explicit config: the context's, or a GEMM_TUNING.short tile for few rows on CPU adapters. */
export function gemmTile(ctx: GpuContext, M: number): GemmConfig {
  if (ctx.software) for (const [maxM, tile] of GEMM_TUNING.short) if (M <= maxM) return tile;
  return ctx.gemmConfig ?? DEFAULT_GEMM;
}

export function runGemm(ctx: GpuContext, c: GemmCall): void {
  if (c.params && 2 * c.M * c.N * c.K * (c.batch ?? 1) > GEMM_TUNING.specializeAbove) {
    const p = c.params;
    const bake = (code: string | undefined) => code?.replace(/u\.([pc][A-Za-z]+)/g, (m: string, n: string) => (n in p ? `${p[n]}u` : m));
    c = { ...c, loadA: bake(c.loadA)!, loadB: bake(c.loadB)!, outIndex: bake(c.outIndex), decls: bake(c.decls), epilogue: bake(c.epilogue), outExpr: bake(c.outExpr), params: {} };
  }
  const batch = c.batch ?? 1;
  if (c.M === 0 || c.N === 0 || batch === 0) return;
  // Into a deferred zero (a fresh gradient accumulator) a row-major GEMM that covers all of out writes
  // with = (saves the zero fill and the read of out). Scattered outputs (conv's outIndex) keep +=.
  if (c.accumulate && !c.outIndex && batch * c.M * c.N === c.out.size && !c.inputs.some((i) => i.t === c.out) && c.out.claimZero()) c = { ...c, accumulate: false };
  const config = c.config ?? gemmTile(ctx, c.M);
  // CPU adapters (lavapipe) run one workgroup per CPU thread: a few tiles already keep the cores busy, so
  // split-K only needs a handful of workgroups there (target 8, not 96).
  const target = ctx.software ? SOFTWARE_SPLIT_TARGET : 96;
  const split = c.kSplit ?? (c.allowSplitK && batch === 1 && !c.epilogue && !c.outExpr ? chooseKSplit(c.M, c.N, c.K, target, config) : 1);
  const bindings = [...c.inputs.map((i) => ({ name: i.name })), { name: 'out', write: true }];
  const params = Object.keys(c.params ?? {});
  if (split > 1) {
    const part = new Tensor(ctx, [split, c.M, c.N]);
    const g = {
      name: `${c.name}.splitK`, M: c.M, N: c.N, K: c.K, batch: 1, kSplit: split, bindings, decls: c.decls, params,
      loadA: c.loadA, loadB: c.loadB, store: 'out_set((ks * u.M + m) * u.N + n, v);', config,
    };
    ctx.launch(gemmSpec(g), [...c.inputs.map((i) => i.t.arg), part.arg], gemmGrid(g), gemmUniforms(g, c.params));
    if (ctx.software) {
      // one invocation per output element looping over the splits: the generic reduction spends a
      // 64-thread workgroup on every element, which costs ~4x the GEMM itself on lavapipe (measured,
      // spatial (1,3,3) 192->192 dW: 1003 ms with split 2 vs 212 ms without).
      const spec = splitKSumSpec(c.name, !!c.accumulate);
      ctx.launch(spec, [part.arg, c.out.arg], Math.ceil((c.M * c.N) / spec.workgroupSize), [c.M * c.N, split]);
    } else {
      runReduce(`${c.name}.splitKSum`, c.out, [split, c.M, c.N], [{ name: 'p', t: part }], 'p', 1, { accumulate: c.accumulate }, [], [1, c.M, c.N]);
    }
    part.dispose();
    return;
  }
  const idx = c.outIndex ?? '(b * u.M + m) * u.N + n';
  const val = c.outExpr ? `(${c.outExpr})` : c.epilogue ? `v + ${c.epilogue}` : 'v';
  const store = c.accumulate ? `let o = ${idx}; out_set(o, out(o) + ${val});` : `out_set(${idx}, ${val});`;
  const g = { name: c.name, M: c.M, N: c.N, K: c.K, batch, kSplit: 1, bindings, decls: c.decls, params, loadA: c.loadA, loadB: c.loadB, store, config };
  ctx.launch(gemmSpec(g), [...c.inputs.map((i) => i.t.arg), c.out.arg], gemmGrid(g), gemmUniforms(g, c.params));
}
