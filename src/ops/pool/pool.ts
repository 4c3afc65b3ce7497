// maxPool2d/3d, avgPool2d/3d (kernel, stride = kernel by default, padding), adaptiveAvgPool2d/3d and
// adaptiveMaxPool2d, with torch's window and divisor rules (ceil_mode = false, dilation = 1).
import { ShapeError } from '../../errors.ts';
import { fmt, tuple } from '../../tensor/shape.ts';
import { opOutput, Tensor } from '../../tensor/tensor.ts';
import { poolBackward, poolForward, type PoolKind } from './pool.wgsl.ts';

export interface PoolOptions {
  kernelSize: number | number[];
  /** Default: kernelSize. */
  stride?: number | number[];
  padding?: number | number[];
  /** avg pools only; default true (torch). */
  countIncludePad?: boolean;
}

interface Geo { i: number[]; o: number[]; k: number[]; s: number[]; p: number[] }

function run(op: string, kind: PoolKind, adaptive: boolean, cip: boolean, x: Tensor, nd: 2 | 3, geo: Geo): Tensor {
  const NC = x.shape[0] * x.shape[1];
  const pad3 = (v: number[], fill: number) => (nd === 3 ? v : [fill, ...v]);
  const i3 = pad3(geo.i, 1), o3 = pad3(geo.o, 1), k3 = pad3(geo.k, 1), s3 = pad3(geo.s, 1), p3 = pad3(geo.p, 0);
  const dims = (total: number) => [total, ...[0, 1, 2].flatMap((d) => [i3[d], o3[d], k3[d], s3[d], p3[d]])];
  const outShape = [x.shape[0], x.shape[1], ...geo.o];
  const outSize = NC * o3[0] * o3[1] * o3[2];
  const arg = kind === 'max' ? new Tensor(x.ctx, outShape) : null; // u32 argmax per output (plane-local)
  const out = opOutput(x.ctx, outShape, [x], () => ({
    op,
    backward(g, [dX]) {
      if (!dX) return;
      const args = [g.arg, ...(arg ? [arg.arg] : []), dX.arg];
      x.ctx.launch(poolBackward(kind, adaptive, cip), args, Math.ceil(x.size / 64), dims(x.size));
    },
    release: () => arg?.dispose(),
  }));
  if (outSize > 0) x.ctx.launch(poolForward(kind, adaptive, cip), [x.arg, out.arg, ...(arg ? [arg.arg] : [])], Math.ceil(outSize / 64), dims(outSize));
  if (!out.node) arg?.dispose();
  return out;
}

function check(op: string, x: Tensor, nd: 2 | 3): number[] {
  if (x.rank !== nd + 2) throw new ShapeError(`${op}: expected input of rank ${nd + 2} (N, C, ${nd === 3 ? 'D, ' : ''}H, W), got ${fmt(x.shape)}`);
  return x.shape.slice(2);
}

function regular(op: string, kind: PoolKind, x: Tensor, nd: 2 | 3, opts: PoolOptions): Tensor {
  const i = check(op, x, nd);
  const k = tuple(op, 'kernelSize', opts.kernelSize, nd, 1);
  const s = tuple(op, 'stride', opts.stride ?? k, nd, 1);
  const p = tuple(op, 'padding', opts.padding, nd, 0);
  if (k.some((v) => v < 1) || s.some((v) => v < 1)) throw new ShapeError(`${op}: kernelSize and stride must be >= 1, got ${fmt(k)}, ${fmt(s)}`);
  if (p.some((v, d) => v < 0 || v > k[d] / 2)) throw new ShapeError(`${op}: padding ${fmt(p)} must be between 0 and half the kernel ${fmt(k)} (torch's rule)`);
  const o = i.map((v, d) => Math.floor((v + 2 * p[d] - k[d]) / s[d]) + 1);
  if (o.some((v) => v < 1)) throw new ShapeError(`${op}: input ${fmt(x.shape)} is smaller than kernel ${fmt(k)} with padding ${fmt(p)}`);
  return run(op, kind, false, opts.countIncludePad ?? true, x, nd, { i, o, k, s, p });
}

function adaptive(op: string, kind: PoolKind, x: Tensor, nd: 2 | 3, outputSize: number | number[]): Tensor {
  const i = check(op, x, nd);
  const o = tuple(op, 'outputSize', outputSize, nd, 1);
  if (o.some((v) => v < 1)) throw new ShapeError(`${op}: outputSize ${fmt(o)} must be >= 1`);
  if (i.some((v) => v < 1)) throw new ShapeError(`${op}: input ${fmt(x.shape)} has an empty spatial dim`);
  return run(op, kind, true, true, x, nd, { i, o, k: o.map(() => 1), s: o.map(() => 1), p: o.map(() => 0) });
}

/** torch.nn.functional.max_pool3d: x (N, C, D, H, W). @example `F.maxPool3d(x, { kernelSize: [1, 3, 3], stride: [1, 2, 2], padding: [0, 1, 1] })` */
export const maxPool3d = (x: Tensor, opts: PoolOptions): Tensor => regular('maxPool3d', 'max', x, 3, opts);
/** torch.nn.functional.max_pool2d: x (N, C, H, W). */
export const maxPool2d = (x: Tensor, opts: PoolOptions): Tensor => regular('maxPool2d', 'max', x, 2, opts);
/** torch.nn.functional.avg_pool3d (count_include_pad default true). */
export const avgPool3d = (x: Tensor, opts: PoolOptions): Tensor => regular('avgPool3d', 'avg', x, 3, opts);
/** torch.nn.functional.avg_pool2d. */
export const avgPool2d = (x: Tensor, opts: PoolOptions): Tensor => regular('avgPool2d', 'avg', x, 2, opts);
/** torch.nn.functional.adaptive_avg_pool3d. @example `F.adaptiveAvgPool3d(x, 1)` -> (N, C, 1, 1, 1) */
export const adaptiveAvgPool3d = (x: Tensor, outputSize: number | number[]): Tensor => adaptive('adaptiveAvgPool3d', 'avg', x, 3, outputSize);
/** torch.nn.functional.adaptive_avg_pool2d. */
export const adaptiveAvgPool2d = (x: Tensor, outputSize: number | number[]): Tensor => adaptive('adaptiveAvgPool2d', 'avg', x, 2, outputSize);
/** torch.nn.functional.adaptive_max_pool2d (values only). */
export const adaptiveMaxPool2d = (x: Tensor, outputSize: number | number[]): Tensor => adaptive('adaptiveMaxPool2d', 'max', x, 2, outputSize);
