// Fused InfoNCE forward + backward on raw WebGPU buffers: shared negatives (K, D) as in MoCo (three passes:
// `fused` = one sweep over the queue for the softmax statistics and the weighted sum of negatives, `rows`
// (lse, loss terms, dk, dq), `mean`), or per-sample negatives read from a memory bank (`fusedBank` first). This is the kernel half of
// `contrastive.infoNCE`; the tensor engine will wrap `encodeInfoNCE` as an op with autograd.
// Memory: besides inputs and outputs, (B, nChunks, 2 + D) floats of partials, nChunks = ceil(K / 256);
// the (B, K+1) logits are never materialised.
import { InvalidArgumentError, NonFiniteError } from '../../errors.ts';
import { contextFor } from '../../gpu/context.ts';
import { summarizeInfo, type Device } from '../../gpu/device.ts';
import type { GuardBinding } from '../../gpu/guard.ts';
import { CHUNK, QB, TILE, fusedWgsl, meanWgsl, rowsWgsl } from './infonce.wgsl.ts';
import { bankSlots, fusedBankWgsl } from './infonce_bank.wgsl.ts';
import { CPU_QB, cpuLayoutFits, fusedCpuWgsl } from './infonce_cpu.wgsl.ts';

interface Pipelines {
  fused: GPUComputePipeline;
  /** Queries per workgroup of `fused`. */
  qb: number;
  rows: GPUComputePipeline;
  mean: GPUComputePipeline;
}
const cache = new WeakMap<GPUDevice, Map<string, Pipelines>>();

/**
 * Which sweep: 'auto' = the CPU layout (./infonce_cpu.wgsl.ts) on software adapters, else the GPU one;
 * qb / tile shape the GPU layout (tuning knobs for bench/contrastive/tune.mjs).
 */
export const infoNCETuning = { layout: 'auto' as 'auto' | 'cpu' | 'gpu', qb: QB, tile: TILE };

/** Whether the device is a software (CPU-backed) adapter, from GPUDevice.adapterInfo where the runtime has it. */
function isSoftware(gpu: GPUDevice): boolean {
  return summarizeInfo((gpu as { adapterInfo?: GPUAdapterInfo }).adapterInfo)?.isSoftware ?? false;
}
const bankCache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function bankPipeline(gpu: GPUDevice, D: number, S: number): GPUComputePipeline {
  let byD = bankCache.get(gpu);
  if (!byD) bankCache.set(gpu, (byD = new Map()));
  let p = byD.get(`${D},${S}`);
  if (!p) {
    p = gpu.createComputePipeline({ layout: 'auto', compute: { module: gpu.createShaderModule({ code: fusedBankWgsl(D, S) }), entryPoint: 'main' } });
    byD.set(`${D},${S}`, p);
  }
  return p;
}

/**
 * The guard's message for the per-call flag bits (./infonce.wgsl.ts BAD_*): which input held NaN/Inf.
 * Returns the offending input names and the NonFiniteError.
 */
export function infoNCEGuardError(bits: number, where = 'contrastive.infoNCE'): NonFiniteError {
  const names = [[1, 'q'], [2, 'kPos'], [4, 'negatives']].filter(([b]) => bits & (b as number)).map(([, n]) => n as string);
  if (!names.length && bits & 8) {
    return new NonFiniteError(`${where}: q . kPos / tau overflowed float32 although the inputs are finite; the loss of that call is NaN and its gradients were zeroed. L2-normalise the features (F.normalize) or raise tau`, 'q, kPos');
  }
  const input = names.join(', ');
  return new NonFiniteError(
    `${where}: ${input} contained NaN or Infinity${bits & 4 ? ' (or a q . n / tau that overflows float32)' : ''} in a call since the last read; that call's loss is NaN and its gradients were zeroed (no update from it). Check the encoders' outputs (a diverged model: lower the learning rate) and what was fed to the queue / memory bank`,
    input,
  );
}

function pipelines(gpu: GPUDevice, D: number): Pipelines {
  let byD = cache.get(gpu);
  if (!byD) cache.set(gpu, (byD = new Map()));
  const t = infoNCETuning;
  const cpu = cpuLayoutFits(D) && (t.layout === 'cpu' || (t.layout === 'auto' && isSoftware(gpu)));
  const key = cpu ? `${D},cpu` : `${D},${t.qb},${t.tile}`;
  let p = byD.get(key);
  if (!p) {
    const make = (code: string): GPUComputePipeline => gpu.createComputePipeline({ layout: 'auto', compute: { module: gpu.createShaderModule({ code }), entryPoint: 'main' } });
    const fused = make(cpu ? fusedCpuWgsl(D) : fusedWgsl(D, t.qb, t.tile));
    p = { fused, qb: cpu ? CPU_QB : t.qb, rows: make(rowsWgsl(D)), mean: make(meanWgsl(D)) };
    byD.set(key, p);
  }
  return p;
}

export interface InfoNCEBuffers {
  q: GPUBuffer; // (B, D) f32
  kPos: GPUBuffer; // (B, D)
  negatives: GPUBuffer; // (K, D)
  /** Outputs: dq, dk (B, D); rows (3B + 1 words): per-row loss terms lse_b - l0_b and lse_b (f32), each
   * row's NaN/Inf bits (u32), then the loss (the mean, f32) at word 3B. */
  dq: GPUBuffer;
  dk: GPUBuffer;
  rows: GPUBuffer;
  /** Scratch: (B, nParts, 2) and (B, nParts, D) floats (nParts = chunks x bank groups). */
  partStats: GPUBuffer;
  partDq: GPUBuffer;
  /** Where the bits are OR-ed for the host to see at the next read (a context guard word). */
  guard: GuardBinding;
}

/** Scratch sizes; `groups` = dispatches over a bank's buffers (1 for shared negatives). */
export function infoNCEScratchSizes(B: number, K: number, D: number, groups = 1): { nChunks: number; nParts: number; partStats: number; partDq: number } {
  const nChunks = Math.ceil(K / CHUNK);
  const nParts = nChunks * groups;
  return { nChunks, nParts, partStats: B * nParts * 2 * 4, partDq: B * nParts * D * 4 };
}

/** Bank groups (dispatches) for a bank of `nBuffers` buffers under a storage-binding limit. */
export function bankGroups(nBuffers: number, maxStorageBuffers: number): { slots: number; groups: number } {
  const slots = bankSlots(maxStorageBuffers, nBuffers);
  return { slots, groups: Math.ceil(nBuffers / slots) };
}

/**
 * Encode the three passes into `enc`. Returns the uniform buffers it made: destroy them after the submit
 * completes (none with `cachedUniforms`: those are shared).
 */
export function encodeInfoNCE(gpu: GPUDevice, enc: GPUCommandEncoder, bufs: InfoNCEBuffers, o: { B: number; K: number; D: number; tau: number; gradScale?: number; cachedUniforms?: boolean }): GPUBuffer[] {
  return encodePasses(gpu, enc, bufs, o, null);
}

/** The bank variant's extra inputs: per-sample negative indices and the bank's buffers (any number). */
export interface BankNegatives {
  sel: GPUBuffer; // (B, K) u32 rows of the bank
  bank: GPUBuffer[];
  rowsPerBuffer: number;
  /** Bank buffers bound per dispatch (default: as many as the device's storage-binding limit allows). */
  slots?: number;
}

/**
 * Same three passes with per-sample negatives read straight from a split memory bank: negative j of query b
 * is bank row sel[b, j] (the (B, K, D) negatives are never gathered). `bufs.negatives` is ignored.
 */
export function encodeInfoNCEBank(gpu: GPUDevice, enc: GPUCommandEncoder, bufs: InfoNCEBuffers, neg: BankNegatives, o: { B: number; K: number; D: number; tau: number; gradScale?: number; cachedUniforms?: boolean }): GPUBuffer[] {
  if (neg.bank.length < 1) throw new InvalidArgumentError('infoNCE with bank negatives: the bank has no buffers (disposed?)');
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

function encodePasses(gpu: GPUDevice, enc: GPUCommandEncoder, bufs: InfoNCEBuffers, o: { B: number; K: number; D: number; tau: number; gradScale?: number; cachedUniforms?: boolean }, bank: BankNegatives | null): GPUBuffer[] {
  const { B, K, D } = o;
  const S = bank ? (bank.slots ?? bankSlots(gpu.limits.maxStorageBuffersPerShaderStage, bank.bank.length)) : 1;
  const groups = bank ? Math.ceil(bank.bank.length / S) : 1;
  const { nChunks, nParts } = infoNCEScratchSizes(B, K, D, groups);
  const p = pipelines(gpu, D);
  const uniforms = (group: number): GPUBuffer => {
    const u = new ArrayBuffer(32);
    new Uint32Array(u, 0, 3).set([B, K, nParts]);
    new Float32Array(u, 12, 2).set([1 / o.tau, o.gradScale ?? 1]);
    new Uint32Array(u, 20, 3).set([bank?.rowsPerBuffer ?? 0, group, nChunks]);
    return uniformBuffer(gpu, u, o.cachedUniforms ?? false);
  };
  const ub = uniforms(0);
  const made = o.cachedUniforms ? [] : [ub];
  const layoutOf = (pl: GPUComputePipeline): GPUBindGroupLayout => {
    let l = layouts.get(pl);
    if (!l) layouts.set(pl, (l = pl.getBindGroupLayout(0)));
    return l;
  };
  type Res = GPUBuffer | GuardBinding;
  // The engine op's buffers are pooled and its uniforms cached, so its bind groups recur: reuse them
  // (the context's cache, ../../gpu/bindcache.ts). One-off calls (fresh buffers) make their own.
  const bgCache = o.cachedUniforms ? contextFor(gpu).bindGroups : null;
  const bind = (pl: GPUComputePipeline, bs: Res[]): GPUBindGroup =>
    bgCache ? bgCache.get(layoutOf(pl), bs) : gpu.createBindGroup({ layout: layoutOf(pl), entries: bs.map((r, binding) => ({ binding, resource: 'buffer' in r ? r : { buffer: r } })) });
  const pass = enc.beginComputePass();
  const run = (pl: GPUComputePipeline, bs: Res[], x: number, y = 1): void => {
    pass.setPipeline(pl);
    pass.setBindGroup(0, bind(pl, bs));
    pass.dispatchWorkgroups(x, y);
  };
  if (bank) {
    const pl = bankPipeline(gpu, D, S);
    for (let g = 0; g < groups; g++) {
      const slots = Array.from({ length: S }, (_, i) => bank.bank[Math.min(g * S + i, bank.bank.length - 1)]); // past the end: repeat the last
      const ug = g === 0 ? ub : uniforms(g);
      if (g && !o.cachedUniforms) made.push(ug);
      run(pl, [bufs.q, bank.sel, bufs.partStats, bufs.partDq, ug, ...slots], B, nChunks);
    }
  } else {
    run(p.fused, [bufs.q, bufs.negatives, bufs.partStats, bufs.partDq, ub], Math.ceil(B / p.qb), nChunks);
  }
  run(p.rows, [bufs.q, bufs.kPos, bufs.partStats, bufs.partDq, bufs.rows, bufs.dq, bufs.dk, ub], B);
  run(p.mean, [bufs.rows, ub, bufs.guard, bufs.dq, bufs.dk], 1);
  pass.end();
  return made;
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
  const groups = bank ? Math.ceil(bank.bank.length / (bank.slots ?? bankSlots(gpu.limits.maxStorageBuffersPerShaderStage, bank.bank.length))) : 1;
  const sz = infoNCEScratchSizes(B, K, D, groups);
  try {
    const guard = buf(16);
    const bufs: InfoNCEBuffers = {
      q: buf(q.byteLength, q), kPos: buf(kPos.byteLength, kPos), negatives: negatives ? buf(negatives.byteLength, negatives) : buf(16),
      dq: buf(4 * B * D), dk: buf(4 * B * D), rows: buf(4 * (3 * B + 1)), partStats: buf(sz.partStats), partDq: buf(sz.partDq),
      guard: { buffer: guard, offset: 0, size: 4 },
    };
    const enc = gpu.createCommandEncoder();
    made.push(...(bank ? encodeInfoNCEBank(gpu, enc, bufs, bank, o) : encodeInfoNCE(gpu, enc, bufs, o)));
    const outs = [bufs.rows, bufs.dq, bufs.dk, guard];
    const sizes = [4 * (3 * B + 1), 4 * B * D, 4 * B * D, 4];
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
    const bits = new Uint32Array(got[3].buffer)[0];
    if (bits) throw infoNCEGuardError(bits, 'infoNCEGpu');
    return { loss: got[0][3 * B], rowLoss: got[0].slice(0, B), dQ: got[1], dKPos: got[2], lse: got[0].slice(B, 2 * B) };
  } finally {
    for (const b of made) b.destroy();
  }
}
