// Tensor: a float32 GPU buffer with a shape, and (when it was made by an op that needs gradients) the
// tape node that made it. Tensors own their buffer; dispose() returns it to the device's pool.
import { DisposedTensorError, DTypeError, InvalidArgumentError, ShapeError } from '../errors.ts';
import { contextFor, type BufferArg, type GpuContext } from '../gpu/context.ts';
import type { Device } from '../gpu/device.ts';
import { MAP_WG, mapSpec } from '../gpu/map.ts';
import { checkShape, fmt, sizeOf, type Shape } from './shape.ts';
import { backward as runBackward, gradEnabled, track, type GradNode } from './tape.ts';

export interface TensorOptions {
  requiresGrad?: boolean;
}

/** A `Device` from getDevice(), or a raw GPUDevice. */
export type DeviceLike = Device | GPUDevice | GpuContext;

const SOFTWARE_GEMM = { BM: 64, BN: 64, BK: 8, TM: 8, TN: 8 };
const GPU_GEMM = { BM: 64, BN: 64, BK: 16, TM: 4, TN: 4 };

export function contextOf(device: DeviceLike | GpuContext): GpuContext {
  if ((device as GpuContext).pool && (device as GpuContext).launch) return device as GpuContext;
  const d = device as Device;
  if (d && typeof d === 'object' && 'gpu' in d && d.gpu && 'queue' in d.gpu) {
    const ctx = contextFor(d.gpu);
    if (!ctx.gemmConfig && d.adapter) {
      ctx.gemmConfig = d.adapter.isSoftware ? SOFTWARE_GEMM : GPU_GEMM;
      ctx.software = d.adapter.isSoftware;
    }
    return ctx;
  }
  if (device && typeof device === 'object' && 'queue' in device && 'createBuffer' in device) return contextFor(device as GPUDevice);
  throw new InvalidArgumentError('expected a Device from getDevice() or a GPUDevice');
}

export class Tensor {
  readonly shape: readonly number[];
  readonly size: number;
  /** Whether gradients flow to this tensor. Leaves set it explicitly; op outputs inherit it. */
  requiresGrad: boolean;
  /** The accumulated gradient (leaves only), allocated by backward(). */
  grad: Tensor | null = null;
  /** The tape node that produced this tensor (null for leaves and under noGrad). */
  node: GradNode | null = null;
  /** @internal An intermediate of a composite op: disposed when its graph is released after backward. */
  internal = false;
  private buf: GPUBuffer | null;
  /** A zero tensor whose fill has not been recorded yet (Tensor.zerosDeferred): see claimZero(). */
  private zeroPending = false;

  /** @internal Use Tensor.fromArray / zeros / full, or an op. */
  constructor(
    readonly ctx: GpuContext,
    shape: Shape,
    buffer?: GPUBuffer,
    requiresGrad = false,
  ) {
    this.shape = Object.freeze([...shape]);
    this.size = sizeOf(shape);
    const bytes = this.size * 4;
    if (bytes > ctx.limits.maxBufferSize) {
      throw new ShapeError(`tensor of shape ${fmt(shape)} needs ${bytes} bytes, above this device's maxBufferSize ${ctx.limits.maxBufferSize}`);
    }
    this.buf = buffer ?? ctx.pool.acquire(bytes);
    this.requiresGrad = requiresGrad;
    track(this);
  }

  /**
   * A tensor holding a copy of `data` (row-major) on `device`.
   *
   * @example
   * ```ts
   * const device = await getDevice();
   * const x = Tensor.fromArray(device, new Float32Array([1, 2, 3, 4]), [2, 2], { requiresGrad: true });
   * await x.toArray(); // Float32Array [1, 2, 3, 4]
   * ```
   * @throws DTypeError when data is not a Float32Array or an array of numbers; ShapeError when the shape
   *   does not match data.length.
   */
  static fromArray(device: DeviceLike, data: Float32Array | readonly number[], shape?: Shape, opts: TensorOptions = {}): Tensor {
    let f32: Float32Array;
    if (data instanceof Float32Array) f32 = data;
    else if (Array.isArray(data)) f32 = Float32Array.from(data);
    else {
      const kind = (data as object)?.constructor?.name ?? typeof data;
      throw new DTypeError(`Tensor.fromArray: expected Float32Array or number[], got ${kind}; convert with Float32Array.from(data)`);
    }
    const s = shape ?? [f32.length];
    checkShape('Tensor.fromArray', s);
    if (sizeOf(s) !== f32.length) {
      throw new ShapeError(`Tensor.fromArray: shape ${fmt(s)} has ${sizeOf(s)} elements but data has ${f32.length}`);
    }
    const ctx = contextOf(device);
    const t = new Tensor(ctx, s, undefined, opts.requiresGrad ?? false);
    ctx.upload(t.buffer, f32);
    return t;
  }

  /** A tensor filled with `value` (recorded on the GPU, no upload). */
  static full(device: DeviceLike, shape: Shape, value: number, opts: TensorOptions = {}): Tensor {
    checkShape('Tensor.full', shape);
    const ctx = contextOf(device);
    const t = new Tensor(ctx, shape, undefined, opts.requiresGrad ?? false);
    t.fill(value);
    return t;
  }

  static zeros(device: DeviceLike, shape: Shape, opts: TensorOptions = {}): Tensor {
    return Tensor.full(device, shape, 0, opts);
  }

  /**
   * @internal A zero tensor whose fill is deferred: the first kernel that would accumulate into every
   * element of it may overwrite instead (`claimZero`), saving the fill and one read of the buffer; any
   * other use of the buffer records the fill first. The tape makes gradient accumulators this way.
   */
  static zerosDeferred(ctx: GpuContext, shape: Shape): Tensor {
    const t = new Tensor(ctx, shape);
    t.zeroPending = t.size > 0;
    return t;
  }

  /**
   * @internal True (once) when this tensor is a deferred zero: the caller then writes every element with
   * `=` instead of `+=`. False otherwise (accumulate as usual).
   */
  claimZero(): boolean {
    if (!this.zeroPending || !this.buf) return false;
    this.zeroPending = false;
    return true;
  }

  static ones(device: DeviceLike, shape: Shape, opts: TensorOptions = {}): Tensor {
    return Tensor.full(device, shape, 1, opts);
  }

  /** @internal The GPU buffer; throws DisposedTensorError after dispose(). */
  get buffer(): GPUBuffer {
    if (!this.buf) throw new DisposedTensorError(`tensor of shape ${fmt(this.shape)} was used after dispose() (or after the tidy() scope that created it ended)`);
    if (this.zeroPending) {
      this.zeroPending = false;
      this.fill(0); // recorded before whatever is about to use the buffer
    }
    return this.buf;
  }

  /** @internal The buffer as a kernel argument. */
  get arg(): BufferArg {
    return { buffer: this.buffer, bytes: this.size * 4 };
  }

  get isDisposed(): boolean {
    return this.buf === null;
  }

  get rank(): number {
    return this.shape.length;
  }

  /** Overwrites every element with `value` in place (recorded, not submitted). */
  fill(value: number): this {
    if (this.size === 0) return this;
    this.zeroPending = false;
    const spec = mapSpec('fill', this.shape, [], 'u.value', { uniforms: [['value', 'f32']] });
    this.ctx.launch(spec, [this.arg], Math.ceil(this.size / MAP_WG), [value]);
    return this;
  }

  /** Copies the data back to the CPU (submits pending work). */
  async toArray(): Promise<Float32Array> {
    if (this.size === 0) return new Float32Array(0);
    return new Float32Array(await this.ctx.read(this.buffer, this.size * 4));
  }

  /** The single value of a one-element tensor. */
  async item(): Promise<number> {
    if (this.size !== 1) throw new ShapeError(`item(): tensor has shape ${fmt(this.shape)}, expected one element`);
    return (await this.toArray())[0];
  }

  /**
   * Reverse-mode autodiff from this tensor. `dOut` (same shape) seeds the gradient; it may be omitted
   * for a one-element tensor (seed 1). Gradients accumulate into `.grad` of every leaf with
   * requiresGrad, as in torch. The graph is released afterwards.
   *
   * @example
   * ```ts
   * const x = Tensor.fromArray(device, [1, -2, 3], [3], { requiresGrad: true });
   * F.sum(F.mul(x, x)).backward();
   * await x.grad!.toArray(); // Float32Array [2, -4, 6]
   * ```
   */
  backward(dOut?: Tensor | Float32Array): void {
    runBackward(this, dOut);
  }

  /** A new tensor with the same data and no tape history. */
  detach(): Tensor {
    const t = new Tensor(this.ctx, this.shape);
    this.ctx.copy(this.buffer, t.buffer, Math.max(4, this.size * 4));
    return t;
  }

  /** Returns the buffer to the pool. Using the tensor afterwards throws DisposedTensorError. */
  dispose(): void {
    if (!this.buf) return;
    this.ctx.pool.release(this.buf);
    this.buf = null;
    if (this.grad) {
      this.grad.dispose();
      this.grad = null;
    }
  }

  toString(): string {
    return `Tensor(${fmt(this.shape)}${this.requiresGrad ? ', requiresGrad' : ''})`;
  }
}

/** @internal The output of an op: requires grad when grads are enabled and some input requires them. */
export function opOutput(ctx: GpuContext, shape: Shape, inputs: readonly Tensor[], node?: (out: Tensor) => Omit<GradNode, 'inputs'>): Tensor {
  const needs = gradEnabled() && inputs.some((t) => t.requiresGrad);
  const t = new Tensor(ctx, shape, undefined, needs);
  if (needs && node) t.node = { inputs: [...inputs], ...node(t) };
  return t;
}
