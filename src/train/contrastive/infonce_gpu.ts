// Fused InfoNCE forward + backward on raw WebGPU buffers: shared negatives (K, D) as in MoCo (three passes:
// `fused` = one sweep over the queue for the softmax statistics and the weighted sum of negatives, `rows`,
// `dqOnline`), or per-sample negatives read from a memory bank (the same three with `fusedBank` first). This is the kernel half of
// `contrastive.infoNCE`; the tensor engine will wrap `encodeInfoNCE` as an op with autograd.
// Memory: besides inputs and outputs, (B, nChunks, 2 + D) floats of partials, nChunks = ceil(K / 256);
// the (B, K+1) logits are never materialised.
import { InvalidArgumentError } from '../../errors.ts';
import type { Device } from '../../gpu/device.ts';
import { CHUNK, QB, TILE, dqOnlineWgsl, fusedWgsl, meanWgsl, rowsWgsl } from './infonce.wgsl.ts';
import { fusedBankWgsl } from './infonce_bank.wgsl.ts';

interface Pipelines {
  fused: GPUComputePipeline;
  dqOnline: GPUComputePipeline;
  rows: GPUComputePipeline;
  mean: GPUComputePipeline;
}
const cache = new WeakMap<GPUDevice, Map<number, Pipelines>>();
const bankCache = new WeakMap<GPUDevice, Map<number, GPUComputePipeline>>();

function bankPipeline(gpu: GPUDevice, D: number): GPUComputePipeline {
  let byD = bankCache.get(gpu);
  if (!byD) bankCache.set(gpu, (byD = new Map()));
  let p = byD.get(D);
  if (!p) {
    p = gpu.createComputePipeline({ layout: 'auto', compute: { module: gpu.createShaderModule({ code: fusedBankWgsl(D) }), entryPoint: 'main' } });
    byD.set(D, p);
  }
  return p;
}

function pipelines(gpu: GPUDevice, D: number): Pipelines {
  let byD = cache.get(gpu);
  if (!byD) cache.set(gpu, (byD = new Map()));
  let p = byD.get(D);
  if (!p) {
    const make = (code: string): GPUComputePipeline => gpu.createComputePipeline({ layout: 'auto', compute: { module: gpu.createShaderModule({ code }), entryPoint: 'main' } });
    p = { fused: make(fusedWgsl(D)), dqOnline: make(dqOnlineWgsl(D)), rows: make(rowsWgsl(D)), mean: make(meanWgsl(D)) };
    byD.set(D, p);
  }
  return p;
}

export interface InfoNCEBuffers {
  q: GPUBuffer; // (B, D) f32
  kPos: GPUBuffer; // (B, D)
  negatives: GPUBuffer; // (K, D)
  /** Outputs: loss (1 + B): mean then per-row terms; dq, dk (B, D); lse (B). */
  loss: GPUBuffer;
  dq: GPUBuffer;
  dk: GPUBuffer;
  lse: GPUBuffer;
  /** Scratch: (B, nChunks, 2) and (B, nChunks, D) floats. */
  partStats: GPUBuffer;
  partDq: GPUBuffer;
}

export function infoNCEScratchSizes(B: number, K: number, D: number): { nChunks: number; partStats: number; partDq: number } {
  const nChunks = Math.ceil(K / CHUNK);
  return { nChunks, partStats: B * nChunks * 2 * 4, partDq: B * nChunks * D * 4 };
}

/** Encode the four passes into `enc`. Returns the uniform buffer it made: destroy it after the submit completes. */
/** With `cachedUniforms` the returned uniform buffer is shared and must not be destroyed. */
export function encodeInfoNCE(gpu: GPUDevice, enc: GPUCommandEncoder, bufs: InfoNCEBuffers, o: { B: number; K: number; D: number; tau: number; gradScale?: number; cachedUniforms?: boolean }): GPUBuffer {
  return encodePasses(gpu, enc, bufs, o, null);
}

/** The bank variant's extra inputs: per-sample negative indices and the bank's buffers (at most 4). */
export interface BankNegatives {
  sel: GPUBuffer; // (B, K) u32 rows of the bank
  bank: GPUBuffer[];
  rowsPerBuffer: number;
}

/**
 * Same four passes with per-sample negatives read straight from a split memory bank: negative j of query b
 * is bank row sel[b, j] (the (B, K, D) negatives are never gathered). `bufs.negatives` is ignored.
 */
export function encodeInfoNCEBank(gpu: GPUDevice, enc: GPUCommandEncoder, bufs: InfoNCEBuffers, neg: BankNegatives, o: { B: number; K: number; D: number; tau: number; gradScale?: number; cachedUniforms?: boolean }): GPUBuffer {
  if (neg.bank.length < 1 || neg.bank.length > 4) throw new InvalidArgumentError(`infoNCE with bank negatives: the bank must be 1 to 4 buffers, got ${neg.bank.length} (use larger buffers)`);
  return encodePasses(gpu, enc, bufs, o, neg);
}

// Per-call CPU cost matters on fast GPUs (H100: ~0.8 ms of recording vs ~0.1 ms of kernel at the paper
// size), so bind group layouts and the (immutable, parameter-keyed) uniform buffers of the engine op are cached.
const layouts = new WeakMap<GPUComputePipeline, GPUBindGroupLayout>();
const uniformCache = new WeakMap<GPUDevice, Map<string, GPUBuffer>>();
const UNIFORM_CACHE_MAX = 64;

function uniformBuffer(gpu: GPUDevice, u: ArrayBuffer, cached: boolean): GPUBuffer {
  const make = (): GPUBuffer => {
    const ub = gpu.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    gpu.queue.writeBuffer(ub, 0, u);
    return ub;
  };
  if (!cached) return make();
  let m = uniformCache.get(gpu);
  if (!m) uniformCache.set(gpu, (m = new Map()));
  const key = Array.from(new Uint32Array(u)).join(',');
  let ub = m.get(key);
  if (!ub) {
    if (m.size >= UNIFORM_CACHE_MAX) m.clear(); // dropped buffers are garbage-collected, not destroyed: recorded work may still use them
    m.set(key, (ub = make()));
  }
  return ub;
}

function encodePasses(gpu: GPUDevice, enc: GPUCommandEncoder, bufs: InfoNCEBuffers, o: { B: number; K: number; D: number; tau: number; gradScale?: number; cachedUniforms?: boolean }, bank: BankNegatives | null): GPUBuffer {
  const { B, K, D } = o;
  const { nChunks } = infoNCEScratchSizes(B, K, D);
  const p = pipelines(gpu, D);
  const u = new ArrayBuffer(32);
  new Uint32Array(u, 0, 3).set([B, K, nChunks]);
  new Float32Array(u, 12, 2).set([1 / o.tau, o.gradScale ?? 1]);
  new Uint32Array(u, 20, 1)[0] = bank?.rowsPerBuffer ?? 0;
  const ub = uniformBuffer(gpu, u, o.cachedUniforms ?? false);
  const layoutOf = (pl: GPUComputePipeline): GPUBindGroupLayout => {
    let l = layouts.get(pl);
    if (!l) layouts.set(pl, (l = pl.getBindGroupLayout(0)));
    return l;
  };
  const bind = (pl: GPUComputePipeline, bs: GPUBuffer[]): GPUBindGroup =>
    gpu.createBindGroup({ layout: layoutOf(pl), entries: bs.map((buffer, binding) => ({ binding, resource: { buffer } })) });
  const pass = enc.beginComputePass();
  const run = (pl: GPUComputePipeline, bs: GPUBuffer[], x: number, y = 1): void => {
    pass.setPipeline(pl);
    pass.setBindGroup(0, bind(pl, bs));
    pass.dispatchWorkgroups(x, y);
  };
  if (bank) {
    const banks = [0, 1, 2, 3].map((i) => bank.bank[Math.min(i, bank.bank.length - 1)]); // unused slots repeat the last
    run(bankPipeline(gpu, D), [bufs.q, bank.sel, ...banks, bufs.partStats, bufs.partDq, ub], B, nChunks);
  } else {
    run(p.fused, [bufs.q, bufs.negatives, bufs.partStats, bufs.partDq, ub], Math.ceil(B / QB), nChunks);
  }
  run(p.rows, [bufs.q, bufs.kPos, bufs.partStats, bufs.lse, bufs.dk, bufs.loss, ub], B);
  run(p.mean, [bufs.loss, ub], 1);
  run(p.dqOnline, [bufs.loss, bufs.kPos, bufs.lse, bufs.partStats, bufs.partDq, bufs.dq, ub], Math.ceil((B * D) / 64));
  pass.end();
  return ub;
}

export interface InfoNCEGpuResult {
  loss: number;
  rowLoss: Float32Array;
  dQ: Float32Array;
  dKPos: Float32Array;
  lse: Float32Array;
}

/**
 * Upload, run, read back (for tests and benchmarks; the engine keeps everything on the GPU).
 *
 * @example
 * ```ts
 * const r = await infoNCEGpu(await getDevice(), q, k, queue, { B: 128, K: 16384, D: 128, tau: 0.07 });
 * r.loss;   // ~ infoNCEReference(...).loss within 1e-5 relative
 * ```
 */
export async function infoNCEGpu(device: Device, q: Float32Array, kPos: Float32Array, negatives: Float32Array, o: { B: number; K: number; D: number; tau: number; gradScale?: number }): Promise<InfoNCEGpuResult> {
  if (negatives.length !== o.K * o.D) throw new InvalidArgumentError(`infoNCEGpu: negatives need K*D = ${o.K * o.D} values, got ${negatives.length}`);
  return runUploaded(device, q, kPos, negatives, null, o);
}

/**
 * The memory-bank variant: negative j of query b is row sel[b, j] of `bank` (buffers of `rowsPerBuffer` rows,
 * e.g. a GpuMemoryBank's), read in place.
 */
export async function infoNCEBankGpu(device: Device, q: Float32Array, kPos: Float32Array, bank: BankNegatives, o: { B: number; K: number; D: number; tau: number; gradScale?: number }): Promise<InfoNCEGpuResult> {
  return runUploaded(device, q, kPos, null, bank, o);
}

async function runUploaded(device: Device, q: Float32Array, kPos: Float32Array, negatives: Float32Array | null, bank: BankNegatives | null, o: { B: number; K: number; D: number; tau: number; gradScale?: number }): Promise<InfoNCEGpuResult> {
  const { B, K, D } = o;
  for (const [n, v] of [['B', B], ['K', K], ['D', D]] as const) if (!Number.isInteger(v) || v < 1) throw new InvalidArgumentError(`infoNCEGpu: ${n} must be a positive integer, got ${v}`);
  if (q.length !== B * D || kPos.length !== B * D) throw new InvalidArgumentError(`infoNCEGpu: q and kPos need B*D = ${B * D} values, got ${q.length} and ${kPos.length}`);
  if (!(o.tau > 0) || !Number.isFinite(o.tau)) throw new InvalidArgumentError(`infoNCEGpu: tau must be positive and finite, got ${o.tau}`);
  if (QB * D * 4 + 2 * QB * TILE * 4 > device.limits.maxComputeWorkgroupStorageSize) throw new InvalidArgumentError(`infoNCEGpu: D = ${D} needs more workgroup memory than the device's ${device.limits.maxComputeWorkgroupStorageSize} bytes`);
  const gpu = device.gpu;
  const S = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
  const made: GPUBuffer[] = [];
  const buf = (size: number, data?: Float32Array): GPUBuffer => {
    const b = gpu.createBuffer({ size: Math.max(16, Math.ceil(size / 4) * 4), usage: S });
    made.push(b);
    if (data) gpu.queue.writeBuffer(b, 0, data as Float32Array<ArrayBuffer>);
    return b;
  };
  const sz = infoNCEScratchSizes(B, K, D);
  try {
    const bufs: InfoNCEBuffers = {
      q: buf(q.byteLength, q), kPos: buf(kPos.byteLength, kPos), negatives: negatives ? buf(negatives.byteLength, negatives) : buf(16),
      loss: buf(4 * (1 + B)), dq: buf(4 * B * D), dk: buf(4 * B * D), lse: buf(4 * B), partStats: buf(sz.partStats), partDq: buf(sz.partDq),
    };
    const enc = gpu.createCommandEncoder();
    made.push(bank ? encodeInfoNCEBank(gpu, enc, bufs, bank, o) : encodeInfoNCE(gpu, enc, bufs, o));
    const outs = [bufs.loss, bufs.dq, bufs.dk, bufs.lse];
    const sizes = [4 * (1 + B), 4 * B * D, 4 * B * D, 4 * B];
    const reads = outs.map((_, i) => {
      const r = gpu.createBuffer({ size: Math.ceil(sizes[i] / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
      made.push(r);
      enc.copyBufferToBuffer(outs[i], 0, r, 0, sizes[i]);
      return r;
    });
    gpu.queue.submit([enc.finish()]);
    const got = await Promise.all(reads.map(async (r) => {
      await r.mapAsync(GPUMapMode.READ);
      const a = new Float32Array(r.getMappedRange().slice(0));
      r.unmap();
      return a;
    }));
    if (!Number.isFinite(got[0][0])) throw new InvalidArgumentError(`infoNCEGpu: the loss is ${got[0][0]}; q, kPos or the negatives contain NaN or Infinity (or values so large that q . n / tau overflows float32)`);
    return { loss: got[0][0], rowLoss: got[0].slice(1), dQ: got[1], dKPos: got[2], lse: got[3] };
  } finally {
    for (const b of made) b.destroy();
  }
}
