// conv3d (NCDHW) and conv2d (NCHW) with stride, zero padding and dilation (torch.nn.functional names and
// output-size rule), forward and backward as implicit GEMMs. conv2d is conv3d with T = kt = 1.
import { InvalidArgumentError, ShapeError } from '../../errors.ts';
import { fmt, tuple } from '../../tensor/shape.ts';
import { gradEnabled } from '../../tensor/tape.ts';
import { opOutput, type Tensor } from '../../tensor/tensor.ts';
import { runReduce } from '../launch.ts';
import type { GemmConfig } from '../matmul/gemm.wgsl.ts';
import { runGemm } from '../matmul/run.ts';
import { DIRECT_R, DIRECT_WG, directUniforms, dxDirectSpec } from './dx_direct.wgsl.ts';
import { canSplitPhases, convDecls, convParams, dxPhases, phaseDecls, type ConvGeom } from './conv.wgsl.ts';

export interface ConvOptions {
  stride?: number | number[];
  padding?: number | number[];
  dilation?: number | number[];
  groups?: number;
  /**
   * Forward-only fused epilogue, applied in the GEMM store: y = relu?((conv + bias) * scale + shift), scale
   * and shift (Co) per output channel (eval batch norm folded into the conv). One dispatch instead of
   * conv, batch norm and ReLU. Throws InvalidArgumentError when gradients would be needed.
   */
  epilogue?: ConvEpilogue;
  /**
   * Forward-only: write the result into channels [channelOffset, channelOffset + Co) of `out` (N, C, ...)
   * instead of a new tensor (a torch.cat along channels without the copy); returns `out`.
   */
  into?: { out: Tensor; channelOffset: number };
}

export interface ConvEpilogue {
  scale?: Tensor | null;
  shift?: Tensor | null;
  /** Added before the ReLU, same shape as the output (a residual connection: relu(bn(conv(x)) + r)). Not with `into`. */
  residual?: Tensor | null;
  relu?: boolean;
}

/** The GEMM store expression of the epilogue (undefined: plain `v + bias`). */
function epilogueExpr(op: string, x: Tensor, co: number, b: Tensor | null | undefined, e: ConvEpilogue | undefined, outShape: number[], outIdx: string): string | undefined {
  if (!e) return undefined;
  for (const [name, t] of [['scale', e.scale], ['shift', e.shift]] as const) {
    if (t && (t.rank !== 1 || t.shape[0] !== co)) throw new ShapeError(`${op}: epilogue ${name} ${fmt(t.shape)} must be (${co})`);
    if (t && t.ctx !== x.ctx) throw new InvalidArgumentError(`${op}: epilogue ${name} lives on a different device`);
  }
  let v = b ? 'v + Bias(m)' : 'v';
  if (e.scale) v = `(${v}) * Scale(m)`;
  if (e.shift) v = `${v} + Shift(m)`;
  if (e.residual) {
    if (e.residual.shape.length !== outShape.length || e.residual.shape.some((d, i) => d !== outShape[i])) throw new ShapeError(`${op}: epilogue residual ${fmt(e.residual.shape)} must be the output's ${fmt(outShape)}`);
    if (e.residual.ctx !== x.ctx) throw new InvalidArgumentError(`${op}: epilogue residual lives on a different device`);
    v = `${v} + Res(${outIdx})`;
  }
  return e.relu ? `max(${v}, 0.0)` : v;
}

function geometry(op: string, xs: readonly number[], ws: readonly number[], nd: 2 | 3, opts: ConvOptions): ConvGeom {
  if (opts.groups !== undefined && opts.groups !== 1) throw new InvalidArgumentError(`${op}: groups = ${opts.groups} is not implemented (only 1)`);
  const [s, p, d] = [tuple(op, 'stride', opts.stride, nd, 1), tuple(op, 'padding', opts.padding, nd, 0), tuple(op, 'dilation', opts.dilation, nd, 1)];
  if (s.some((v) => v < 1) || d.some((v) => v < 1) || p.some((v) => v < 0)) throw new InvalidArgumentError(`${op}: stride and dilation must be >= 1, padding >= 0 (got ${JSON.stringify(opts)})`);
  const x5 = nd === 3 ? xs : [xs[0], xs[1], 1, xs[2], xs[3]];
  const w5 = nd === 3 ? ws : [ws[0], ws[1], 1, ws[2], ws[3]];
  const [st, sh, sw] = nd === 3 ? s : [1, ...s];
  const [pt, ph, pw] = nd === 3 ? p : [0, ...p];
  const [dt, dh, dw] = nd === 3 ? d : [1, ...d];
  const [N, Ci, T, H, W] = x5;
  const [Co, wci, kt, kh, kw] = w5;
  if (wci !== Ci) throw new ShapeError(`${op}: input ${fmt(xs)} has ${Ci} channels but weight ${fmt(ws)} expects ${wci}`);
  const out = (i: number, k: number, pp: number, ss: number, dd: number) => Math.floor((i + 2 * pp - dd * (k - 1) - 1) / ss) + 1;
  const To = out(T, kt, pt, st, dt);
  const Ho = out(H, kh, ph, sh, dh);
  const Wo = out(W, kw, pw, sw, dw);
  if (To < 1 || Ho < 1 || Wo < 1) throw new ShapeError(`${op}: input ${fmt(xs)} is smaller than the (dilated) kernel ${fmt(ws)} with padding ${JSON.stringify(p)}`);
  return { N, Ci, T, H, W, Co, kt, kh, kw, st, sh, sw, pt, ph, pw, dt, dh, dw, To, Ho, Wo };
}

/**
 * Above this many forward FLOPs the conv's sizes are baked into the WGSL as constants (a pipeline per
 * shape) instead of read from uniforms: the index maths divides by them for every element loaded, and
 * division by a constant compiles to a multiply-shift. Below it, one shared pipeline saves compile time.
 */
export const CONV_TUNING: { specializeAbove: number; specializeForwardSoftware: number; phaseDx: 'software' | 'always' | 'never'; skinny: GemmConfig; narrow: GemmConfig; directDx: boolean; phaseUnstrided: boolean } = {
  specializeAbove: 2 ** 27,
  /**
   * Software adapters, inference forward GEMM only (no gradient recorded): bake the sizes above this many
   * FLOPs (min with specializeAbove).
   * A CPU has no vector integer division, so every uniform divisor in the im2col index maths is a scalar
   * division per lane; a constant one is a multiply-shift. Measured on lavapipe (bench/encoders/RESULTS.md):
   * the tiny S3D stem (8x3x8x32x32, (1,7,7) s(1,2,2) -> 8 ch, 39 MFLOP) 164-336 ms with uniform sizes (64x64
   * tile), 135-138 ms baked, 31-32 ms baked with the few-row tile (GEMM_TUNING.short). Training (forward and backward) keeps specializeAbove: a pipeline per shape would
   * add minutes of compilation to short training runs on lavapipe.
   */
  specializeForwardSoftware: 2 ** 20,
  phaseDx: 'software',
  /** Tile for GEMMs with a small N (<= 8 wastes little): 64 threads of 8x2 accumulators. */
  skinny: { BM: 128, BN: 8, BK: 8, TM: 8, TN: 2 },
  /**
   * Tile for the phase dX GEMMs with N = Ci <= 4 (the RGB stem): 8 threads (one 256-bit SIMD row on
   * lavapipe) of 8x4 accumulators, so 3 of 4 columns are used instead of 3 of 8. Measured on lavapipe,
   * stem (1,7,7) s(1,2,2) 3->64, fwd+dX: 1486 ms vs 3093 ms with `skinny` (load ~14, bench/engine/RESULTS.md).
   */
  narrow: { BM: 64, BN: 4, BK: 8, TM: 8, TN: 4 },
  /** Phase dX with Ci <= 4 by the direct kernel of dx_direct.wgsl.ts instead of a narrow GEMM. */
  directDx: true,
  /** Phase split for unstrided convs too (one phase, simpler index maths): measured no faster, so off. */
  phaseUnstrided: false,
};

/**
 * dX by phases (conv.wgsl.ts) when a dim is strided: on software adapters by default (measured there, see
 * bench/engine/RESULTS.md); real GPUs keep the single col2im GEMM measured on the H100 until the phase
 * path is measured there too. Tests force both ('always' / 'never').
 */
function usePhases(software: boolean, g: ConvGeom): boolean {
  const mode = CONV_TUNING.phaseDx;
  if (mode === 'never' || !canSplitPhases(g) || (g.st * g.sh * g.sw === 1 && !CONV_TUNING.phaseUnstrided)) return false;
  return mode === 'always' || software;
}


function convNd(op: 'conv2d' | 'conv3d', nd: 2 | 3, x: Tensor, w: Tensor, b: Tensor | null | undefined, opts: ConvOptions): Tensor {
  const r = nd + 2;
  if (x.rank !== r || w.rank !== r) throw new ShapeError(`${op}: expected input and weight of rank ${r}, got ${fmt(x.shape)} and ${fmt(w.shape)}`);
  if (b && (b.rank !== 1 || b.shape[0] !== w.shape[0])) throw new ShapeError(`${op}: bias ${fmt(b.shape)} must be (${w.shape[0]})`);
  if (x.ctx !== w.ctx || (b && b.ctx !== x.ctx)) throw new InvalidArgumentError(`${op}: tensors live on different devices`);
  const g = geometry(op, x.shape, w.shape, nd, opts);
  const ep = opts.epilogue;
  const into = opts.into;
  if (ep?.residual && into) throw new InvalidArgumentError(`${op}: epilogue residual and 'into' cannot be combined`);
  if ((ep || into) && gradEnabled() && [x, w, b, ep?.scale, ep?.shift, ep?.residual].some((t) => t?.requiresGrad)) {
    throw new InvalidArgumentError(`${op}: the fused epilogue (scale/shift/relu) and 'into' are forward-only but an input requires grad; run it under noGrad(), or use separate ops to train`);
  }
  const kvol = g.kt * g.kh * g.kw;
  const So = g.To * g.Ho * g.Wo;
  const Si = g.T * g.H * g.W;
  const outShape = nd === 3 ? [g.N, g.Co, g.To, g.Ho, g.Wo] : [g.N, g.Co, g.Ho, g.Wo];
  const params = convParams(g);
  const outExpr = epilogueExpr(op, x, g.Co, b, ep, outShape, '((n / u.cSo) * u.cCo + m) * u.cSo + n % u.cSo');
  if (into) {
    const o = into.out;
    const okShape = o.rank === r && o.shape[0] === g.N && o.shape.slice(2).every((d, i) => d === outShape[i + 2]);
    if (!okShape || !Number.isInteger(into.channelOffset) || into.channelOffset < 0 || into.channelOffset + g.Co > o.shape[1]) {
      throw new ShapeError(`${op}: 'into' needs an output (${g.N}, >= channelOffset + ${g.Co}, ${outShape.slice(2).join(', ')}) and an integer channelOffset >= 0; got ${fmt(o.shape)} at offset ${into.channelOffset}`);
    }
    if (o.ctx !== x.ctx) throw new InvalidArgumentError(`${op}: 'into' lives on a different device`);
    params.cCt = o.shape[1];
    params.cCoff = into.channelOffset;
  }
  const flops = 2 * g.N * g.Co * So * g.Ci * kvol;
  const special = flops > CONV_TUNING.specializeAbove;
  const bakeIf = (on: boolean) => (code: string) => (on ? code.replace(/u\.(c[A-Za-z]+)/g, (_, n: string) => `${params[n]}u`) : code);
  const bake = bakeIf(special);
  // inference (no graph recorded) on a CPU adapter: bake from a lower size (compile once, run many times)
  const inference = !(gradEnabled() && [x, w, b].some((t) => t?.requiresGrad));
  const bakeFwd = bakeIf(flops > (x.ctx.software && inference ? Math.min(CONV_TUNING.specializeAbove, CONV_TUNING.specializeForwardSoftware) : CONV_TUNING.specializeAbove));
  const inputs = ep ? [] : b ? [x, w, b] : [x, w]; // fused: forward-only, no graph node
  const out = into ? into.out : opOutput(x.ctx, outShape, inputs, () => ({
    op,
    backward(dOut, [dX, dW, dB]) {
      if (dX && usePhases(x.ctx.software, g)) {
        // dX by phases (conv.wgsl.ts): one GEMM per phase over only the taps that reach it
        for (const ph of dxPhases(g)) {
          // only the sizes phaseDecls reads (all of them would overflow the 256-byte uniform slot)
          const all: Record<string, number> = { ...params, ...ph.params };
          const P = Object.fromEntries([...new Set(phaseDecls.match(/u\.c[A-Za-z]+/g))].map((k) => [k.slice(2), all[k.slice(2)]]));
          const bakeP = (code: string) => (special ? code.replace(/u\.(c[A-Za-z]+)/g, (_, n: string) => `${P[n]}u`) : code);
          const decls = bakeP(phaseDecls);
          const inputs = [{ name: 'G', t: dOut }, { name: 'Wt', t: w }];
          if (CONV_TUNING.directDx && g.Ci <= 4 && all.cWq === 1) {
            const spec = dxDirectSpec(g.Ci, all.cWk);
            const n = g.N * all.cTn * all.cHn * Math.ceil(all.cWn / DIRECT_R);
            x.ctx.launch(spec, [dOut.arg, w.arg, dX.arg], Math.ceil(n / DIRECT_WG), directUniforms.map((k) => all[k]));
          } else if (g.Ci >= 16) {
            runGemm(x.ctx, { name: `${op}.dXp`, M: g.Ci, N: g.N * ph.P, K: g.Co * ph.K, decls, params: P, inputs, out: dX, accumulate: true, loadA: 'wAtP(k, m)', loadB: 'gAtP(k, n)', outIndex: 'dxIdx(n, m)' });
          } else {
            runGemm(x.ctx, { name: `${op}.dXpt`, M: g.N * ph.P, N: g.Ci, K: g.Co * ph.K, decls, params: P, inputs, out: dX, accumulate: true, loadA: 'gAtP(k, m)', loadB: 'wAtP(k, n)', outIndex: 'dxIdx(m, n)', config: g.Ci <= 4 ? CONV_TUNING.narrow : CONV_TUNING.skinny });
          }
        }
      } else {
        // dX(Ci, N*Si) += W^T @ col2im(dOut); with few input channels (the stem) computed transposed,
        // dX^T(N*Si, Ci), with a skinny tile so the small dim does not waste most of a 64-wide tile.
        if (dX && g.Ci >= 16) {
          runGemm(x.ctx, {
            name: `${op}.dX`, M: g.Ci, N: g.N * Si, K: g.Co * kvol, decls: bake(convDecls('gAt')), params, inputs: [{ name: 'G', t: dOut }, { name: 'Wt', t: w }], out: dX, accumulate: true,
            loadA: bake('Wt(((k / u.ckvol) * u.cCi + m) * u.ckvol + k % u.ckvol)'), loadB: 'gAt(k, n)',
            outIndex: bake('((n / u.cSi) * u.cCi + m) * u.cSi + n % u.cSi'),
          });
        } else if (dX) {
          runGemm(x.ctx, {
            name: `${op}.dXt`, M: g.N * Si, N: g.Ci, K: g.Co * kvol, decls: bake(convDecls('gAt')), params, inputs: [{ name: 'G', t: dOut }, { name: 'Wt', t: w }], out: dX, accumulate: true,
            loadA: 'gAt(k, m)', loadB: bake('Wt(((k / u.ckvol) * u.cCi + n) * u.ckvol + k % u.ckvol)'),
            outIndex: bake('((m / u.cSi) * u.cCi + n) * u.cSi + m % u.cSi'), config: CONV_TUNING.skinny,
          });
        }
      }
      // dW(Co, Ci*kvol) += dOut(Co, N*So) @ im2col(x)^T
      if (dW) {
        runGemm(x.ctx, {
          name: `${op}.dW`, M: g.Co, N: g.Ci * kvol, K: g.N * So, decls: bake(convDecls('xAt')), params, inputs: [{ name: 'G', t: dOut }, { name: 'X', t: x }], out: dW, accumulate: true, allowSplitK: true,
          loadA: bake('G(((k / u.cSo) * u.cCo + m) * u.cSo + k % u.cSo)'), loadB: 'xAt(k, n)',
        });
      }
      if (dB) runReduce(`${op}.dB`, dB, [g.N, g.Co, So], [{ name: 'g', t: dOut, shape: [g.N, g.Co, So] }], 'g', 1, { accumulate: true }, [], [1, g.Co, 1]);
    },
  }));
  const ins = [{ name: 'X', t: x }, { name: 'Wt', t: w }];
  if (b) ins.push({ name: 'Bias', t: b });
  if (ep?.scale) ins.push({ name: 'Scale', t: ep.scale });
  if (ep?.shift) ins.push({ name: 'Shift', t: ep.shift });
  if (ep?.residual) ins.push({ name: 'Res', t: ep.residual });
  // out(Co, N*So) = W(Co, Ci*kvol) @ im2col(x)
  runGemm(x.ctx, {
    name: op, M: g.Co, N: g.N * So, K: g.Ci * kvol, decls: bakeFwd(convDecls('xAt')), params, inputs: ins, out,
    loadA: bakeFwd('Wt(m * u.cCi * u.ckvol + k)'), loadB: 'xAt(n, k)', ...(outExpr ? { outExpr: bakeFwd(outExpr) } : {}),
    outIndex: bakeFwd(into ? '((n / u.cSo) * u.cCt + u.cCoff + m) * u.cSo + n % u.cSo' : '((n / u.cSo) * u.cCo + m) * u.cSo + n % u.cSo'), epilogue: b ? 'Bias(m)' : undefined,
  });
  return out;
}

/**
 * 3-D convolution, NCDHW (torch.nn.functional.conv3d). x: (N, Ci, T, H, W), weight: (Co, Ci, kt, kh, kw),
 * bias: (Co). stride / padding / dilation: a number or [t, h, w].
 *
 * @example
 * ```ts
 * const y = F.conv3d(x, w, b, { stride: [1, 2, 2], padding: [0, 3, 3] }); // x (1, 3, 8, 32, 32), w (64, 3, 1, 7, 7)
 * y.shape; // [1, 64, 8, 16, 16]
 * ```
 */
export function conv3d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd('conv3d', 3, x, weight, bias, opts);
}

/** 2-D convolution, NCHW (torch.nn.functional.conv2d). weight: (Co, Ci, kh, kw). */
export function conv2d(x: Tensor, weight: Tensor, bias?: Tensor | null, opts: ConvOptions = {}): Tensor {
  return convNd('conv2d', 2, x, weight, bias, opts);
}
