// Runs the clip augmentation on a raw GPUDevice: a small local dispatch helper (pipeline cache keyed by
// kernel, one uniform buffer per dispatch, everything of a batch in one command encoder, one read-back).
// augmentClipsGpuInto writes into an engine Tensor's buffer (batch()) with temporaries from the engine's
// pool. TODO: describe the three kernels as engine KernelSpecs and record them in the engine's encoder.
import { InvalidArgumentError, SelfTestError } from '../../errors.ts';
import { COLOR_WGSL, FRAME_MEAN_WGSL, GEOMETRY_WGSL, MAX_COLOR_OPS, WG } from './augment.wgsl.ts';
import type { ClipAugmentParams } from './clip.ts';
import { checkClip, type ClipShape } from './reference.ts';
import type { GpuContext } from '../../gpu/context.ts';
import type { BufferPool } from '../../gpu/pool.ts';

const KERNELS: Record<string, string> = { geometry: GEOMETRY_WGSL, 'frame-mean': FRAME_MEAN_WGSL, color: COLOR_WGSL };
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

/** Compiles (once per device) every kernel, surfacing WGSL/validation errors instead of silent zeros. */
async function ensurePipelines(gpu: GPUDevice): Promise<Map<string, GPUComputePipeline>> {
  let cache = pipelines.get(gpu);
  if (cache) return cache;
  cache = new Map();
  for (const [key, code] of Object.entries(KERNELS)) {
    gpu.pushErrorScope('validation');
    const p = gpu.createComputePipeline({ layout: 'auto', compute: { module: gpu.createShaderModule({ code, label: `sscl-data-${key}` }), entryPoint: 'main' } });
    const err = await gpu.popErrorScope();
    if (err) throw new SelfTestError(`data augmentation kernel '${key}' failed to compile on this device: ${err.message}`);
    cache.set(key, p);
  }
  pipelines.set(gpu, cache);
  return cache;
}

/** Workgroup grid for n flat items: x up to 65535 groups, y the rest (kernels re-linearise with num_workgroups). */
function grid(n: number): [number, number] {
  const groups = Math.max(1, Math.ceil(n / WG));
  const x = Math.min(groups, 65535);
  return [x, Math.ceil(groups / x)];
}

class Encoder {
  readonly temps: GPUBuffer[] = [];
  /** Storage buffers taken from `pool` (bound with their requested size, returned by destroy()). */
  private readonly pooled: GPUBuffer[] = [];
  private readonly sizes = new Map<GPUBuffer, number>();
  readonly enc: GPUCommandEncoder;
  constructor(readonly gpu: GPUDevice, readonly pipes: Map<string, GPUComputePipeline>, readonly pool?: BufferPool) {
    this.enc = gpu.createCommandEncoder({ label: 'sscl-data-augment' });
  }
  storage(bytes: number): GPUBuffer {
    const size = Math.max(16, Math.ceil(bytes / 4) * 4);
    if (this.pool) {
      const b = this.pool.acquire(size);
      this.pooled.push(b);
      this.sizes.set(b, size);
      return b;
    }
    const b = this.gpu.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
    this.temps.push(b);
    return b;
  }
  uniform(data: ArrayBuffer): GPUBuffer {
    const b = this.gpu.createBuffer({ size: Math.ceil(data.byteLength / 16) * 16, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.gpu.queue.writeBuffer(b, 0, data);
    this.temps.push(b);
    return b;
  }
  dispatch(key: string, buffers: GPUBuffer[], groups: [number, number]): void {
    const p = this.pipes.get(key)!;
    const bind = this.gpu.createBindGroup({ layout: p.getBindGroupLayout(0), entries: buffers.map((buffer, binding) => ({ binding, resource: { buffer, size: this.sizes.get(buffer) } })) });
    const pass = this.enc.beginComputePass();
    pass.setPipeline(p);
    pass.setBindGroup(0, bind);
    pass.dispatchWorkgroups(groups[0], groups[1]);
    pass.end();
  }
  /** Destroys the temporaries (after submit: WebGPU keeps them alive until submitted work is done). */
  destroy(): void {
    for (const b of this.temps) b.destroy();
    for (const b of this.pooled) this.pool!.release(b);
  }
}

function geometryUniform(s: ClipShape, p: ClipAugmentParams): ArrayBuffer {
  const buf = new ArrayBuffer(48);
  const u = new Uint32Array(buf);
  const i = new Int32Array(buf);
  const fl = new Float32Array(buf);
  u[0] = s.c * s.t; u[1] = s.h; u[2] = s.w; u[3] = p.size[0];
  u[4] = p.size[1]; i[5] = p.crop.top; i[6] = p.crop.left; u[7] = p.crop.height;
  u[8] = p.crop.width; u[9] = p.flip ? 1 : 0; fl[10] = p.crop.height / p.size[0]; fl[11] = p.crop.width / p.size[1];
  return buf;
}

/** Uniform of one run of colour ops: (op, factor) pairs, at most MAX_COLOR_OPS. */
function colorUniform(n: number, hw: number, t: number, ops: [number, number][], norm: ClipAugmentParams['normalize']): ArrayBuffer {
  const buf = new ArrayBuffer(48 + 16 * MAX_COLOR_OPS);
  const u = new Uint32Array(buf);
  const fl = new Float32Array(buf);
  u[0] = n; u[1] = hw; u[2] = t; u[3] = ops.length;
  fl.set([0, 0, 0, 0, 1, 1, 1, 1], 4);
  if (norm) {
    fl.set(norm.mean, 4);
    fl.set(norm.std, 8);
  }
  ops.forEach(([op, factor], k) => fl.set([op, factor, 1 - factor, 0], 12 + 4 * k));
  return buf;
}

function checkParams(s: ClipShape, p: ClipAugmentParams): void {
  const { top, left, height, width } = p.crop;
  if (![top, left, height, width, p.size[0], p.size[1]].every(Number.isInteger) || height <= 0 || width <= 0 || p.size[0] <= 0 || p.size[1] <= 0) {
    throw new InvalidArgumentError(`augment params: crop box and size must be integers with positive sizes, got crop ${JSON.stringify(p.crop)} size ${p.size}`);
  }
  if (s.c !== 3) throw new InvalidArgumentError(`augment: needs RGB clips (C=3), got C=${s.c}`);
  if (p.jitter && !(p.jitter.hue >= -0.5 && p.jitter.hue <= 0.5)) throw new InvalidArgumentError(`augment: hue factor must be in [-0.5, 0.5], got ${p.jitter.hue}`);
}

/**
 * Augments clips on the GPU: each (3, T, H, W) clip with its own params, all in one submission.
 * Returns one (3, T, size[0], size[1]) Float32Array per clip. Matches `augmentClipReference` to ~1e-6
 * (measured on llvmpipe: <= 9e-7 on [0, 1] values, <= 1.1e-5 after normalisation, which divides by std ~0.22).
 *
 * @example
 * ```ts
 * const gpu = (await getDevice()).gpu;
 * const rng = new Rng(7);
 * const params = clips.map(() => sampleClipAugment(rng, 32, 32, { size: [32, 32] }));
 * const out = await augmentClipsGpu(gpu, clips, { c: 3, t: 8, h: 32, w: 32 }, params);
 * ```
 */
export async function augmentClipsGpu(gpu: GPUDevice, clips: Float32Array[], s: ClipShape, params: ClipAugmentParams[]): Promise<Float32Array[]> {
  const e = new Encoder(gpu, await ensurePipelines(gpu));
  try {
    const outs = record(e, clips, s, params).map(({ buf, elems }) => {
      const read = gpu.createBuffer({ size: elems * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      e.temps.push(read);
      e.enc.copyBufferToBuffer(buf, 0, read, 0, elems * 4);
      return read;
    });
    gpu.queue.submit([e.enc.finish()]);
    const result: Float32Array[] = [];
    for (const read of outs) {
      await read.mapAsync(GPUMapMode.READ);
      result.push(new Float32Array(read.getMappedRange().slice(0)));
      read.unmap();
    }
    return result;
  } finally {
    e.destroy();
  }
}

/**
 * @internal Augments clips on the GPU straight into `target` (clip k at element k * 3*T*oh*ow): no
 * read-back. `ctx` is the engine context owning `target`: its pending work is submitted first, so queue
 * order keeps every earlier reader of the (pooled, maybe reused) target buffer ahead of these writes.
 * Temporaries come from the engine's pool and go back to it, so repeated batches allocate nothing new.
 */
export async function augmentClipsGpuInto(ctx: GpuContext, clips: Float32Array[], s: ClipShape, params: ClipAugmentParams[], target: GPUBuffer): Promise<void> {
  const pipes = await ensurePipelines(ctx.gpu);
  ctx.flush(); // before any writeBuffer into a pooled buffer that recorded (unsubmitted) work may still read
  const e = new Encoder(ctx.gpu, pipes, ctx.pool);
  try {
    let off = 0;
    for (const { buf, elems } of record(e, clips, s, params)) {
      e.enc.copyBufferToBuffer(buf, 0, target, off * 4, elems * 4);
      off += elems;
    }
    ctx.flush();
    ctx.gpu.queue.submit([e.enc.finish()]);
  } finally {
    e.destroy();
  }
}

/** Records the kernels of every clip; returns each clip's output buffer and element count. */
function record(e: Encoder, clips: Float32Array[], s: ClipShape, params: ClipAugmentParams[]): { buf: GPUBuffer; elems: number }[] {
  if (clips.length !== params.length) throw new InvalidArgumentError(`augmentClipsGpu: ${clips.length} clips but ${params.length} param sets`);
  clips.forEach((c, k) => {
    checkClip(c, s, `augmentClipsGpu clip ${k}`);
    checkParams(s, params[k]);
  });
  const gpu = e.gpu;
  const outs: { buf: GPUBuffer; elems: number }[] = [];
  for (let k = 0; k < clips.length; k++) {
    const p = params[k];
    const [oh, ow] = p.size;
    const src = e.storage(clips[k].byteLength);
    gpu.queue.writeBuffer(src, 0, clips[k] as Float32Array<ArrayBuffer>);
    const n = s.t * oh * ow; // pixels
    const dst = e.storage(3 * n * 4);
    e.dispatch('geometry', [src, dst, e.uniform(geometryUniform(s, p))], grid(3 * n));
    // colour ops in runs: one pass per run; contrast opens a new run after a pass computing the frame means
    const ops: [number, number][] = [];
    if (p.jitter) for (const op of p.jitter.order) ops.push([op, [p.jitter.brightness, p.jitter.contrast, p.jitter.saturation, p.jitter.hue][op]]);
    if (p.grayscale) ops.push([4, 0]);
    if (p.normalize) ops.push([5, 0]);
    const means = e.storage(s.t * 4);
    let run: [number, number][] = [];
    const flush = () => {
      if (run.length) e.dispatch('color', [dst, means, e.uniform(colorUniform(n, oh * ow, s.t, run, p.normalize))], grid(n));
      run = [];
    };
    for (const op of ops) {
      if (op[0] === 1 || run.length === MAX_COLOR_OPS) {
        flush();
        if (op[0] === 1) e.dispatch('frame-mean', [dst, means, e.uniform(new Uint32Array([s.t, oh * ow]).buffer)], [s.t, 1]);
      }
      run.push(op);
    }
    flush();
    outs.push({ buf: dst, elems: 3 * n });
  }
  return outs;
}
