// Public MoCo queue and memory bank over the engine's command stream (issue 7). Thin wrappers over the raw
// GpuQueue / GpuMemoryBank (./bank_gpu.ts): every GPU step is *recorded* into the engine's open encoder
// (GpuContext.record / copy), so it runs in order with the ops around it and in the step's one submit.
// Reads (for tests and checkpoints) flush first.
import { InvalidArgumentError, ShapeError } from '../../errors.ts';
import type { Device } from '../../gpu/device.ts';
import type { GpuContext } from '../../gpu/context.ts';
import { fmt } from '../../tensor/shape.ts';
import { contextOf, Tensor, type DeviceLike } from '../../tensor/tensor.ts';
import type { GuardBinding } from '../../gpu/guard.ts';
import { bankGuardError, checkIndices, encodeQueueEnqueue, GpuMemoryBank, queueGuardError, readBuffer, uploadBuffer, type GpuMemoryBankOptions } from './bank_gpu.ts';
import { QueueReference } from './reference.ts';

// ctx.limits, not the adapter's: tests lower them (withLimits) to force a bank over many buffers.
const rawDevice = (ctx: GpuContext): Device => ({ gpu: ctx.gpu, limits: { ...ctx.gpu.limits, maxStorageBufferBindingSize: ctx.limits.maxStorageBufferBindingSize, maxBufferSize: ctx.limits.maxBufferSize } }) as unknown as Device;

function positiveInt(what: string, v: number): void {
  if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`${what} must be a positive integer, got ${v}`);
}

export interface QueueOptions {
  /** K, the number of keys (MoCo: 16384). Need not be a multiple of the batch size. */
  size: number;
  /** D, the feature size (128). */
  dim: number;
  seed: number;
  stream?: number;
}

/**
 * The MoCo dictionary: a (K, D) ring buffer of keys on the GPU, initialised as MoCo (normal, each key
 * L2-normalised; ours from the counter generator), FIFO `enqueue` of each batch's keys. The pointer lives
 * on the GPU (a batch with NaN/Inf keys is rejected there, keys and pointer unchanged); `ptr` is its host
 * mirror, corrected at the read that reports a rejection.
 */
export class Queue {
  /** (K, D) the keys in storage order (row j = key j, MoCo's `queue[:, j]`): pass it as infoNCE's negatives. Detached. */
  readonly keys: Tensor;
  private ptr_ = 0;
  /** (ptr, flag) u32 on the GPU. */
  private readonly state: Tensor;
  private readonly guard: GuardBinding;
  /** @internal */
  constructor(private readonly ctx: GpuContext, readonly size: number, readonly dim: number, seed: number, stream: number) {
    this.keys = Tensor.fromArray(ctx, Float32Array.from(new QueueReference({ size, dim, seed, stream }).keys), [size, dim]);
    this.state = new Tensor(ctx, [4]);
    ctx.upload(this.state.buffer, new Uint32Array(4));
    this.guard = ctx.guards.acquire({
      decode: (rows) => queueGuardError(rows),
      onTrip: (rows) => (this.ptr_ = (((this.ptr_ - rows) % size) + size) % size), // the GPU did not advance
    });
  }

  /** The row the next key goes to. */
  get ptr(): number {
    return this.ptr_;
  }

  /**
   * Writes key i of `keys` (B, D) to row (ptr + i) mod K, then ptr = (ptr + B) mod K (recorded kernels, no
   * submit). A batch larger than K keeps its last K keys. The keys are copied, so `keys` may be disposed.
   * A batch with any NaN/Inf is rejected whole on the GPU (keys and pointer unchanged); the next read on
   * the device throws NonFiniteError saying so.
   */
  enqueue(keys: Tensor): void {
    if (!(keys instanceof Tensor) || keys.rank !== 2 || keys.shape[1] !== this.dim || keys.shape[0] < 1) throw new ShapeError(`queue.enqueue: keys must be (B, ${this.dim}), got ${keys instanceof Tensor ? fmt(keys.shape) : typeof keys}`);
    const B = keys.shape[0];
    this.ctx.record((enc) => encodeQueueEnqueue(this.ctx.gpu, enc, keys.buffer, B, this.keys.buffer, this.size, this.dim, this.state.buffer, this.guard));
    this.ptr_ = (this.ptr_ + B) % this.size;
  }

  /** The keys as (K, D) float32 (submits pending work). */
  read(): Promise<Float32Array> {
    return this.keys.toArray();
  }

  /** Overwrites keys and pointer (checkpoint restore), in stream order. */
  write(keys: Float32Array, ptr = this.ptr_): void {
    if (keys.length !== this.size * this.dim) throw new InvalidArgumentError(`queue write: ${keys.length} values, expected ${this.size} x ${this.dim}`);
    if (!Number.isInteger(ptr) || ptr < 0 || ptr >= this.size) throw new InvalidArgumentError(`queue write: ptr ${ptr} outside [0, ${this.size})`);
    this.ctx.upload(this.keys.buffer, keys);
    this.ptr = ptr;
  }

  /** Sets the pointer (checkpoint restore), in stream order. */
  set ptr(p: number) {
    if (!Number.isInteger(p) || p < 0 || p >= this.size) throw new InvalidArgumentError(`queue ptr ${p} outside [0, ${this.size})`);
    this.ctx.upload(this.state.buffer, new Uint32Array([p, 0, 0, 0]));
    this.ptr_ = p;
  }

  dispose(): void {
    this.keys.dispose();
    this.state.dispose();
    this.ctx.guards.release(this.guard);
  }
}

/**
 * @example
 * ```ts
 * const queue = contrastive.createQueue(device, { size: 16384, dim: 128, seed: 1 });
 * const loss = contrastive.infoNCE(q, k, queue.keys, { tau: 0.07 });
 * queue.enqueue(k);   // after the loss, as MoCo: this batch's keys become negatives for the next
 * queue.ptr;          // 128 for B = 128
 * ```
 */
export function createQueue(device: DeviceLike, o: QueueOptions): Queue {
  positiveInt('createQueue: size', o?.size);
  positiveInt('createQueue: dim', o?.dim);
  if (!Number.isFinite(o.seed)) throw new InvalidArgumentError(`createQueue: seed must be a number, got ${o.seed}`);
  return new Queue(contextOf(device), o.size, o.dim, o.seed, o.stream ?? 0);
}

/** K negative row indices per sample, drawn by `bank.sample`: pass it to infoNCE as negatives. */
export class BankSample {
  private live = true;
  /** @internal */
  constructor(private readonly ctx: GpuContext, readonly bank: GpuMemoryBank, readonly sel: GPUBuffer, readonly B: number, readonly K: number) {}
  get dim(): number {
    return this.bank.dim;
  }
  /** @internal */
  checkLive(): void {
    if (!this.live) throw new InvalidArgumentError('bank sample used after dispose()');
  }
  /** The (B, K) indices (tests; submits pending work). */
  async indices(): Promise<Uint32Array> {
    this.checkLive();
    this.ctx.flush();
    return new Uint32Array(await readBuffer(this.ctx.gpu, this.sel, this.B * this.K * 4));
  }
  /** Frees the index buffer once the work recorded so far is submitted. */
  dispose(): void {
    if (!this.live) return;
    this.live = false;
    this.ctx.destroyAfterSubmit(this.sel);
  }
}

/** Options of `contrastive.createMemoryBank`: those of the GPU bank it wraps. */
export type MemoryBankOptions = GpuMemoryBankOptions;

/**
 * N x D features on the GPU (split over buffers beyond the binding limit), initialised like lemniscate/CMC
 * (uniform in +-1/sqrt(D/3)), updated with momentum and renormalised per batch; seeded uniform negatives
 * that never include the sample itself.
 */
export class MemoryBank {
  private readonly guard: GuardBinding;
  /** @internal */
  constructor(private readonly ctx: GpuContext, readonly inner: GpuMemoryBank) {
    this.guard = ctx.guards.acquire({ decode: (n) => bankGuardError(n) });
  }
  get size(): number {
    return this.inner.size;
  }
  get dim(): number {
    return this.inner.dim;
  }
  get momentum(): number {
    return this.inner.momentum;
  }

  /**
   * K negatives per sample of the batch `indices` (distinct, in [0, N)): uniform over the other N - 1
   * rows, reproducible from (seed, stream). Returns a handle infoNCE reads the bank rows through (the
   * (B, K, D) negatives are never gathered). Dispose it after use.
   */
  sample(indices: ArrayLike<number>, K: number, o: { seed: number; stream?: number }): BankSample {
    const idx = checkIndices(indices, this.size);
    if (!Number.isInteger(K) || K < 1 || idx.length * K >= 2 ** 32) throw new InvalidArgumentError(`memory bank sample: K must be a positive integer with B*K < 2^32, got K=${K}`);
    if (idx.length === 0) throw new InvalidArgumentError('memory bank sample: empty batch');
    const gpu = this.ctx.gpu;
    const ib = uploadBuffer(gpu, idx);
    const sel = gpu.createBuffer({ size: Math.max(16, idx.length * K * 4), usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.ctx.record((enc) => [this.inner.encodeSample(enc, ib, sel, idx.length, K, o), ib]);
    return new BankSample(this.ctx, this.inner, sel, idx.length, K);
  }

  /**
   * v = m v + (1 - m) f, then v / |v|, for rows `indices` (distinct) with feats (B, D); recorded. Features
   * with any NaN/Inf are rejected whole on the GPU (bank unchanged); the next read on the device throws
   * NonFiniteError saying so.
   */
  update(indices: ArrayLike<number>, feats: Tensor): void {
    const idx = checkIndices(indices, this.size);
    if (!(feats instanceof Tensor) || feats.rank !== 2 || feats.shape[0] !== idx.length || feats.shape[1] !== this.dim) {
      throw new ShapeError(`memory bank update: feats must be (${idx.length}, ${this.dim}) for ${idx.length} indices, got ${feats instanceof Tensor ? fmt(feats.shape) : typeof feats}`);
    }
    if (idx.length === 0) return;
    const ib = uploadBuffer(this.ctx.gpu, idx);
    this.ctx.record((enc) => [...this.inner.encodeUpdate(enc, ib, feats.buffer, idx.length, this.guard), ib]);
  }

  /** The whole bank as (N, D) float32 (submits pending work; throws a pending NonFiniteError first). */
  async read(): Promise<Float32Array> {
    await this.ctx.checkGuards();
    return this.inner.read();
  }

  /** Overwrites the bank (checkpoint restore), after the work recorded so far. */
  write(values: Float32Array): void {
    this.ctx.flush();
    this.inner.write(values as Float32Array<ArrayBuffer>);
  }

  dispose(): void {
    this.ctx.flush();
    this.inner.destroy();
    this.ctx.guards.release(this.guard);
  }
}

/**
 * @example
 * ```ts
 * const bank = contrastive.createMemoryBank(device, { size: 9537, dim: 128, momentum: 0.5, seed: 1 });
 * const negs = bank.sample(indices, 16384, { seed: step });
 * const loss = contrastive.infoNCE(v, a, negs, { tau: 0.07 });
 * bank.update(indices, noGrad(() => a.detach())); negs.dispose();
 * ```
 */
export function createMemoryBank(device: DeviceLike, o: MemoryBankOptions): MemoryBank {
  const ctx = contextOf(device);
  let made: { bank: GpuMemoryBank; temp: GPUBuffer[] } | null = null;
  ctx.record((enc) => {
    made = GpuMemoryBank.encodeCreate(rawDevice(ctx), enc, { ...o, stream: o.stream ?? 0 });
    return made.temp;
  });
  return new MemoryBank(ctx, made!.bank);
}
