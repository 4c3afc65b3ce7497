// One GpuContext per GPUDevice: the buffer pool, the pipeline cache and the open command encoder.
//
// Ops never submit. `launch` records a dispatch into the open compute pass; work goes to the queue only
// at `flush()` — called by reads (toArray), by the optimizer at the end of a step, or when the uniform
// ring is full. A training step is therefore one submission. Uniforms for every dispatch of an encoder
// live in one ring buffer, written with a single writeBuffer just before the submit (queue order makes
// that safe to reuse for the next encoder).
import { GpuExecutionError, InvalidArgumentError } from '../errors.ts';
import { buildKernelSource, planBinding, planDispatch, uniformBytes, type BindingLayout, type Grid, type KernelSpec } from './kernel.ts';
import { BindGroupCache, type BoundBuffer } from './bindcache.ts';
import { GuardSlots } from './guard.ts';
import { BufferPool } from './pool.ts';

/** The limits the kernel layer splits by. Tests lower them to exercise the split paths on small data. */
export interface KernelLimits {
  maxComputeWorkgroupsPerDimension: number;
  maxStorageBufferBindingSize: number;
  minStorageBufferOffsetAlignment: number;
  maxStorageBuffersPerShaderStage: number;
  maxBufferSize: number;
}

const UNIFORM_SLOT = 256; // minUniformBufferOffsetAlignment is at most 256
const RING_SLOTS = 2048;

/** A storage operand of a launch: a whole buffer of `bytes` bytes. */
export interface BufferArg {
  buffer: GPUBuffer;
  bytes: number;
}

export class GpuContext {
  readonly pool: BufferPool;
  /** GPU-side input guards (./guard.ts): collected and checked by every read. */
  readonly guards: GuardSlots;
  readonly limits: KernelLimits;
  private readonly pipelines = new Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>();
  /** The same pipelines by spec object and binding split (getPipeline's fast path). */
  private readonly specPipelines = new WeakMap<KernelSpec, Map<string, { pipeline: GPUComputePipeline; layout: GPUBindGroupLayout }>>();
  private encoder: GPUCommandEncoder | null = null;
  private pass: GPUComputePassEncoder | null = null;
  private readonly ring: GPUBuffer;
  private readonly ringCpu = new ArrayBuffer(RING_SLOTS * UNIFORM_SLOT);
  /** Last write (launch output, copy, upload) per buffer, from `writeSeq`; see writeVersion(). */
  private readonly writes = new WeakMap<GPUBuffer, number>();
  private writeSeq = 0;
  /** Bumped by record(): raw kernels may write any buffer, so every cached derivation is stale. */
  private recordEpoch = 0;
  private ringUsed = 0;
  private readonly afterSubmit: Array<() => void> = [];
  /** Validation / out-of-memory errors of submitted batches, checked at the next read. */
  private errors: Array<Promise<GPUError | null>> = [];
  /**
   * GEMM tile configuration for matmul/linear/conv (see ops/matmul/gemm.wgsl.ts). Chosen per adapter when
   * the context is made from a Device: measured with bench/engine, 64 threads of 8x8 accumulators is
   * fastest on CPU adapters (lavapipe), 256 threads of 4x4 on real GPUs (H100: 6.7 vs 3.2 TFLOP/s).
   */
  gemmConfig: { BM: number; BN: number; BK: number; TM: number; TN: number } | null = null;
  /**
   * True on CPU-backed adapters (lavapipe, SwiftShader, WARP), set with gemmConfig. Ops pick kernels for
   * CPUs with it (one workgroup runs on one CPU thread: few big workgroups, no cheap parallel reductions).
   */
  software = false;
  /** Bind groups of launches, reused while the same buffers recur (./bindcache.ts). */
  readonly bindGroups: BindGroupCache;
  /** Dispatches recorded since creation (for tests and benchmarks). */
  dispatches = 0;
  submits = 0;

  constructor(readonly gpu: GPUDevice) {
    const l = gpu.limits;
    this.limits = {
      maxComputeWorkgroupsPerDimension: l.maxComputeWorkgroupsPerDimension,
      maxStorageBufferBindingSize: l.maxStorageBufferBindingSize,
      minStorageBufferOffsetAlignment: l.minStorageBufferOffsetAlignment,
      maxStorageBuffersPerShaderStage: l.maxStorageBuffersPerShaderStage,
      maxBufferSize: l.maxBufferSize,
    };
    this.pool = new BufferPool(gpu);
    this.bindGroups = new BindGroupCache(gpu);
    this.guards = new GuardSlots(gpu);
    this.ring = gpu.createBuffer({ size: RING_SLOTS * UNIFORM_SLOT, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST, label: 'sscl-uniform-ring' });
  }

  /** Runs `fn` with some limits replaced (tests use this to force dispatch and binding splits). */
  withLimits<T>(over: Partial<KernelLimits>, fn: () => T): T {
    const saved = { ...this.limits };
    Object.assign(this.limits, over);
    try {
      return fn();
    } finally {
      Object.assign(this.limits, saved);
    }
  }

  private getPipeline(spec: KernelSpec, layouts: BindingLayout[]) {
    // Fast path: a memoised spec (kernel.ts memoSpec) with the same binding splits; chunkElems only
    // shapes the source of split bindings.
    const split = layouts.map((l) => (l.chunks === 1 ? '1' : `${l.chunks}x${l.chunkElems}`)).join(',');
    let bySplit = this.specPipelines.get(spec);
    const hit = bySplit?.get(split);
    if (hit) return hit;
    const code = buildKernelSource(spec, layouts);
    let p = this.pipelines.get(code);
    if (!p) {
      // The uniforms' ring slot is a dynamic offset, so one bind group serves every launch on the same buffers.
      const entries: GPUBindGroupLayoutEntry[] = [{ binding: 0, visibility: GPUShaderStage.COMPUTE, buffer: { type: 'uniform', hasDynamicOffset: true } }];
      let slot = 1;
      spec.bindings.forEach((b, i) => {
        for (let c = 0; c < layouts[i].chunks; c++) {
          entries.push({ binding: slot++, visibility: GPUShaderStage.COMPUTE, buffer: { type: b.write ? 'storage' : 'read-only-storage' } });
        }
      });
      const layout = this.gpu.createBindGroupLayout({ entries, label: spec.name });
      const pipeline = this.gpu.createComputePipeline({
        label: spec.name,
        layout: this.gpu.createPipelineLayout({ bindGroupLayouts: [layout] }),
        compute: { module: this.gpu.createShaderModule({ code, label: spec.name }), entryPoint: 'main' },
      });
      p = { pipeline, layout };
      this.pipelines.set(code, p);
    }
    if (!bySplit) this.specPipelines.set(spec, (bySplit = new Map()));
    bySplit.set(split, p);
    return p;
  }

  get pipelineCount(): number {
    return this.pipelines.size;
  }

  private openEncoder(): GPUCommandEncoder {
    if (!this.encoder) {
      // Every error made while recording this batch (pipelines, bind groups, submit) lands in these scopes.
      this.gpu.pushErrorScope('out-of-memory');
      this.gpu.pushErrorScope('validation');
      this.encoder = this.gpu.createCommandEncoder();
    }
    return this.encoder;
  }

  private openPass(): GPUComputePassEncoder {
    const enc = this.openEncoder();
    if (!this.pass) this.pass = enc.beginComputePass();
    return this.pass;
  }

  private closePass(): GPUCommandEncoder {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
    }
    return this.openEncoder();
  }

  /**
   * Records one kernel over `grid` workgroups. `args` match `spec.bindings`; `uniforms` match
   * `spec.uniforms`. Bindings above the binding-size limit are split, grids above the per-dimension
   * limit become several dispatches.
   */
  launch(spec: KernelSpec, args: BufferArg[], grid: Grid, uniforms: number[] = []): void {
    const lim = this.limits;
    const layouts = spec.bindings.map((b, i) => planBinding(args[i].bytes, 4, lim.maxStorageBufferBindingSize, lim.minStorageBufferOffsetAlignment));
    const storageCount = layouts.reduce((s, l) => s + l.chunks, 0);
    if (storageCount > lim.maxStorageBuffersPerShaderStage) {
      throw new InvalidArgumentError(
        `${spec.name}: needs ${storageCount} storage bindings after splitting buffers above maxStorageBufferBindingSize=${lim.maxStorageBufferBindingSize}, device allows ${lim.maxStorageBuffersPerShaderStage}; use smaller tensors (e.g. a smaller batch)`,
      );
    }
    this.openEncoder();
    const { pipeline, layout } = this.getPipeline(spec, layouts);
    const ubytes = uniformBytes(spec);
    const pieces = planDispatch(grid, lim.maxComputeWorkgroupsPerDimension);
    const utypes = spec.uniforms ?? [];
    for (const piece of pieces) {
      if (this.ringUsed + UNIFORM_SLOT > this.ringCpu.byteLength) this.flush();
      const off = this.ringUsed;
      this.ringUsed += UNIFORM_SLOT;
      const dv = new DataView(this.ringCpu, off, ubytes);
      dv.setUint32(0, piece.base[0], true);
      dv.setUint32(4, piece.base[1], true);
      dv.setUint32(8, piece.base[2], true);
      dv.setUint32(12, piece.gridX, true);
      utypes.forEach(([, t], i) => {
        const v = uniforms[i] ?? 0;
        if (t === 'f32') dv.setFloat32(16 + 4 * i, v, true);
        else if (t === 'i32') dv.setInt32(16 + 4 * i, v, true);
        else dv.setUint32(16 + 4 * i, v, true);
      });
      const resources: BoundBuffer[] = [{ buffer: this.ring, offset: 0, size: ubytes }];
      args.forEach((a, i) => {
        const { chunks, chunkElems } = layouts[i];
        const size = Math.max(4, Math.ceil(a.bytes / 4) * 4);
        for (let c = 0; c < chunks; c++) {
          const offset = c * chunkElems * 4;
          resources.push({ buffer: a.buffer, offset, size: chunks === 1 ? size : Math.min(chunkElems * 4, size - offset) });
        }
      });
      const bind = this.bindGroups.get(layout, resources);
      const pass = this.openPass();
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, bind, [off]);
      pass.dispatchWorkgroups(piece.count[0], piece.count[1], piece.count[2]);
      this.dispatches++;
    }
    spec.bindings.forEach((b, i) => {
      if (b.write) this.writes.set(args[i].buffer, ++this.writeSeq);
    });
  }

  /**
   * A number that changes whenever `buf` may have been written through this context (a launch binding it
   * as writable, copy, upload, or any record()). Caches of values derived from GPU tensors (the encoders'
   * folded eval batch norm) compare it to decide whether to recompute. Writes made directly with
   * GPUQueue.writeBuffer on the GPUDevice are not seen.
   */
  writeVersion(buf: GPUBuffer): string {
    return `${this.recordEpoch}:${this.writes.get(buf) ?? 0}`;
  }

  /** Records a buffer copy in stream order. */
  copy(src: GPUBuffer, dst: GPUBuffer, bytes: number, srcOffset = 0, dstOffset = 0): void {
    this.writes.set(dst, ++this.writeSeq);
    this.closePass().copyBufferToBuffer(src, srcOffset, dst, dstOffset, bytes);
  }

  /**
   * Hands the open command encoder (outside any compute pass) to `fn`, for kernels that manage their own
   * pipelines and bind groups (the contrastive core's raw kernels) so they still join this stream and its
   * single submit. `fn` may return buffers to destroy once the batch is submitted.
   */
  record(fn: (enc: GPUCommandEncoder) => GPUBuffer[] | void): void {
    this.recordEpoch++;
    const temp = fn(this.closePass());
    if (temp && temp.length) this.afterSubmit.push(() => temp.forEach((b) => b.destroy()));
  }

  /** Destroys `buf` now when nothing is recorded, else once the pending batch is submitted. */
  destroyAfterSubmit(buf: GPUBuffer): void {
    if (this.encoder) this.afterSubmit.push(() => buf.destroy());
    else buf.destroy();
  }

  /**
   * Uploads data into `dst` in stream order: directly with writeBuffer when nothing is pending (the
   * queue runs it after all submitted work), through a staging copy when recorded work may still read
   * the (pooled, reused) destination.
   */
  upload(dst: GPUBuffer, data: Float32Array | Uint32Array | Int32Array): void {
    const bytes = Math.ceil(data.byteLength / 4) * 4;
    if (bytes === 0) return;
    this.writes.set(dst, ++this.writeSeq);
    if (!this.encoder) {
      this.gpu.queue.writeBuffer(dst, 0, data.buffer, data.byteOffset, data.byteLength);
      return;
    }
    const staging = this.gpu.createBuffer({ size: bytes, usage: GPUBufferUsage.COPY_SRC, mappedAtCreation: true });
    new Uint8Array(staging.getMappedRange()).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    staging.unmap();
    this.copy(staging, dst, bytes);
    this.afterSubmit.push(() => staging.destroy());
  }

  /** Submits everything recorded so far (no-op when nothing is pending). */
  flush(): void {
    if (!this.encoder) return;
    const enc = this.closePass();
    this.encoder = null;
    if (this.ringUsed) this.gpu.queue.writeBuffer(this.ring, 0, this.ringCpu, 0, this.ringUsed);
    this.ringUsed = 0;
    this.gpu.queue.submit([enc.finish()]);
    this.errors.push(this.gpu.popErrorScope(), this.gpu.popErrorScope());
    this.submits++;
    for (const f of this.afterSubmit.splice(0)) f();
  }

  /** Flushes and reads `bytes` bytes of `src` back to the CPU; throws a tripped guard's error (./guard.ts). */
  async read(src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
    const size = Math.max(8, Math.ceil(bytes / 8) * 8);
    const gbytes = this.guards.bytes;
    const staging = this.gpu.createBuffer({ size: size + gbytes, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    if (bytes > 0) this.copy(src, staging, Math.ceil(bytes / 4) * 4);
    if (gbytes) this.guards.encodeCollect(this.closePass(), staging, size);
    this.flush();
    try {
      await staging.mapAsync(GPUMapMode.READ);
      await this.checkErrors();
      const all = staging.getMappedRange();
      const err = gbytes ? this.guards.check(all.slice(size, size + gbytes)) : null;
      if (err) throw err;
      return all.slice(0, bytes);
    } finally {
      staging.destroy();
    }
  }

  /**
   * Throws GpuExecutionError if any submitted batch raised a GPU error (flushes first), then the error of a
   * tripped guard (one small readback, only once guards exist).
   */
  async checkErrors(): Promise<void> {
    this.flush();
    const pending = this.errors.splice(0);
    const found = (await Promise.all(pending)).filter((e): e is GPUError => e !== null);
    if (found.length) throw new GpuExecutionError(`the GPU rejected recorded work: ${found.map((e) => e.message).join(' | ').slice(0, 2000)}`);
  }

  /** Submits pending work and throws the error of any guard tripped since the last read (see ./guard.ts). */
  async checkGuards(): Promise<void> {
    await this.read(this.ring, 0); // zero bytes: only the guard words are copied
  }
}

const contexts = new WeakMap<GPUDevice, GpuContext>();

/** The context of a GPUDevice (created on first use). */
export function contextFor(gpu: GPUDevice): GpuContext {
  let c = contexts.get(gpu);
  if (!c) {
    c = new GpuContext(gpu);
    contexts.set(gpu, c);
  }
  return c;
}
