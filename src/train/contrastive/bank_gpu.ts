// GPU memory bank, MoCo queue and momentum update on raw WebGPU buffers (issue 7). Same semantics and, for
// the integer parts (sampling), the same bits as the float64 references in ./reference.ts; float results
// agree to float32 rounding. The engine will hand its own buffers to these; tests read them back.
import { InvalidArgumentError, NonFiniteError } from '../../errors.ts';
import type { Device } from '../../gpu/device.ts';
import type { GuardBinding } from '../../gpu/guard.ts';
import { streamKey } from '../../models/rng.ts';
import { BANK_GATHER_WGSL, BANK_INIT_WGSL, BANK_SAMPLE_WGSL, BANK_UPDATE_WGSL, CHECK_FINITE_WGSL, GUARD_FINISH_WGSL, MOMENTUM_WGSL, QUEUE_ENQUEUE_WGSL } from './bank.wgsl.ts';
import { QueueReference } from './reference.ts';

// A function, not a constant: Node's GPUBufferUsage global exists only once the webgpu binding is loaded.
const storage = (): number => GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;
const cache = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipeline(gpu: GPUDevice, code: string): GPUComputePipeline {
  let m = cache.get(gpu);
  if (!m) cache.set(gpu, (m = new Map()));
  let p = m.get(code);
  if (!p) m.set(code, (p = gpu.createComputePipeline({ layout: 'auto', compute: { module: gpu.createShaderModule({ code }), entryPoint: 'main' } })));
  return p;
}

/** Record one dispatch of `n` threads (64 per workgroup, 2-D grid past 65535 workgroups); returns the uniform buffer to free. */
export function dispatch(gpu: GPUDevice, enc: GPUCommandEncoder, code: string, buffers: Array<GPUBuffer | GuardBinding>, uniforms: ArrayBuffer, groups: number, after: GPUBuffer[] = []): GPUBuffer {
  const pl = pipeline(gpu, code);
  const ub = gpu.createBuffer({ size: Math.max(16, uniforms.byteLength), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  gpu.queue.writeBuffer(ub, 0, uniforms);
  const entries = [...buffers, ub, ...after].map((r, binding) => ({ binding, resource: 'buffer' in r ? r : { buffer: r } }));
  const bind = gpu.createBindGroup({ layout: pl.getBindGroupLayout(0), entries });
  const pass = enc.beginComputePass();
  pass.setPipeline(pl);
  pass.setBindGroup(0, bind);
  const x = Math.min(groups, 65535);
  pass.dispatchWorkgroups(Math.max(1, x), Math.max(1, Math.ceil(groups / x)));
  pass.end();
  return ub;
}

/** u32 / f32 fields packed in order. */
export function pack(fields: (['u', number] | ['f', number])[]): ArrayBuffer {
  const b = new ArrayBuffer(Math.max(16, Math.ceil((fields.length * 4) / 16) * 16));
  const dv = new DataView(b);
  fields.forEach(([t, v], i) => (t === 'u' ? dv.setUint32(4 * i, v, true) : dv.setFloat32(4 * i, v, true)));
  return b;
}

async function submitAndFree(gpu: GPUDevice, enc: GPUCommandEncoder, temp: GPUBuffer[]): Promise<void> {
  gpu.queue.submit([enc.finish()]);
  await gpu.queue.onSubmittedWorkDone();
  for (const b of temp) b.destroy();
}

/** Read a buffer back (tests, checkpoints). */
export async function readBuffer(gpu: GPUDevice, src: GPUBuffer, bytes: number): Promise<ArrayBuffer> {
  const rb = gpu.createBuffer({ size: Math.ceil(bytes / 4) * 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  const enc = gpu.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, rb, 0, Math.ceil(bytes / 4) * 4);
  gpu.queue.submit([enc.finish()]);
  await rb.mapAsync(GPUMapMode.READ);
  const out = rb.getMappedRange().slice(0, bytes);
  rb.unmap();
  rb.destroy();
  return out;
}

function upload(gpu: GPUDevice, data: ArrayBufferView<ArrayBuffer>, usage = storage()): GPUBuffer {
  const b = gpu.createBuffer({ size: Math.max(16, Math.ceil(data.byteLength / 4) * 4), usage });
  gpu.queue.writeBuffer(b, 0, data);
  return b;
}

export function checkIndices(indices: ArrayLike<number>, N: number): Uint32Array<ArrayBuffer> {
  const seen = new Set<number>();
  const out = new Uint32Array(indices.length);
  for (let i = 0; i < indices.length; i++) {
    const y = indices[i];
    if (!Number.isInteger(y) || y < 0 || y >= N) throw new InvalidArgumentError(`memory bank: index ${y} at position ${i} is outside [0, ${N})`);
    if (seen.has(y)) throw new InvalidArgumentError(`memory bank: index ${y} appears twice in one batch; deduplicate the batch`);
    seen.add(y);
    out[i] = y;
  }
  return out;
}

export interface GpuMemoryBankOptions {
  /** N, the number of training samples (up to 2^21 + 1; 1e6 fits). */
  size: number;
  dim: number;
  /** m in v = m v + (1 - m) f (lemniscate/CMC: 0.5). */
  momentum: number;
  seed: number;
  stream?: number;
  /** Rows per storage buffer (tests use small values to force the split); default: as many as
   * `maxStorageBufferBindingSize` allows. */
  maxRowsPerBuffer?: number;
}

/**
 * N x D features split over storage buffers of at most `maxStorageBufferBindingSize` bytes each.
 *
 * @example
 * ```ts
 * const bank = await GpuMemoryBank.create(device, { size: 1_000_000, dim: 128, momentum: 0.5, seed: 1 });
 * const idx = await bank.sample([3, 17], 16384, { seed: step });   // GPUBuffer of (2, 16384) u32
 * await bank.update([3, 17], feats);                               // feats: Float32Array (2 * 128)
 * ```
 */
export class GpuMemoryBank {
  readonly buffers: GPUBuffer[] = [];
  /** (unused, flag) u32: the NaN/Inf flag of the update being recorded (see encodeUpdate). */
  private readonly state: GPUBuffer;
  private constructor(private readonly device: Device, readonly size: number, readonly dim: number, readonly momentum: number, readonly rowsPerBuffer: number) {
    this.state = device.gpu.createBuffer({ size: 16, usage: storage() });
  }

  static async create(device: Device, o: GpuMemoryBankOptions): Promise<GpuMemoryBank> {
    const enc = device.gpu.createCommandEncoder();
    const { bank, temp } = GpuMemoryBank.encodeCreate(device, enc, o);
    await submitAndFree(device.gpu, enc, temp);
    return bank;
  }

  /** Allocates the buffers and records their initialisation into `enc`; free `temp` after the submit. */
  static encodeCreate(device: Device, enc: GPUCommandEncoder, o: GpuMemoryBankOptions): { bank: GpuMemoryBank; temp: GPUBuffer[] } {
    if (!Number.isInteger(o.size) || o.size < 2 || !Number.isInteger(o.dim) || o.dim < 1) throw new InvalidArgumentError(`memory bank: size must be an integer >= 2 and dim >= 1, got ${o.size}, ${o.dim}`);
    if (o.size - 1 >= 2 ** 21 || o.size * o.dim > 2 ** 32) throw new InvalidArgumentError(`memory bank: N = ${o.size} x D = ${o.dim} is past the sampler's exact range (N <= 2^21, N*D < 2^32)`);
    if (!(o.momentum >= 0 && o.momentum <= 1)) throw new InvalidArgumentError(`memory bank: momentum must be in [0, 1], got ${o.momentum}`);
    const maxRows = Math.floor(Math.min(device.limits.maxStorageBufferBindingSize, device.limits.maxBufferSize) / (4 * o.dim));
    const rowsPerBuffer = Math.min(o.maxRowsPerBuffer ?? maxRows, maxRows, o.size);
    const bank = new GpuMemoryBank(device, o.size, o.dim, o.momentum, rowsPerBuffer);
    const gpu = device.gpu;
    const temp: GPUBuffer[] = [];
    const key = streamKey(o.seed, o.stream ?? 0);
    const stdv = 1 / Math.sqrt(o.dim / 3);
    for (let base = 0; base < o.size; base += rowsPerBuffer) {
      const rows = Math.min(rowsPerBuffer, o.size - base);
      const b = gpu.createBuffer({ size: rows * o.dim * 4, usage: storage() });
      bank.buffers.push(b);
      temp.push(dispatch(gpu, enc, BANK_INIT_WGSL, [b], pack([['u', key], ['u', o.dim], ['u', base], ['u', rows], ['f', stdv]]), Math.ceil((rows * o.dim) / 64)));
    }
    return { bank, temp };
  }

  private eachBuffer(fn: (b: GPUBuffer, base: number, rows: number) => GPUBuffer): GPUBuffer[] {
    return this.buffers.map((b, i) => fn(b, i * this.rowsPerBuffer, Math.min(this.rowsPerBuffer, this.size - i * this.rowsPerBuffer)));
  }

  /**
   * v = m v + (1 - m) f, then v / |v|, for the batch's distinct `indices`; feats (B, D).
   * @throws NonFiniteError (bank unchanged) when feats hold NaN/Inf (checked on the GPU).
   */
  async update(indices: ArrayLike<number>, feats: Float32Array<ArrayBuffer>): Promise<void> {
    const idx = checkIndices(indices, this.size);
    if (feats.length !== idx.length * this.dim) throw new InvalidArgumentError(`memory bank update: ${feats.length} feature values for ${idx.length} indices x dim ${this.dim}`);
    const gpu = this.device.gpu;
    const ib = upload(gpu, idx), fb = upload(gpu, feats);
    const enc = gpu.createCommandEncoder();
    const temp = this.encodeUpdate(enc, ib, fb, idx.length);
    await submitAndFree(gpu, enc, [...temp, ib, fb]);
    if (new Uint32Array(await readBuffer(gpu, this.state, 8))[1]) throw bankGuardError(1);
  }

  /**
   * Records the update of `B` rows (indices `ib` (B) u32, already checked; feats `fb` (B, D)): a GPU check
   * of the features first; with NaN/Inf in them the whole update is skipped (bank unchanged) and, given a
   * `guard`, 1 is added to its word. Returns uniform buffers to free after the submit.
   */
  encodeUpdate(enc: GPUCommandEncoder, ib: GPUBuffer, fb: GPUBuffer, B: number, guard?: GuardBinding): GPUBuffer[] {
    const gpu = this.device.gpu;
    enc.clearBuffer(this.state, 0, 8);
    const n = B * this.dim;
    const temp = [dispatch(gpu, enc, CHECK_FINITE_WGSL, [fb, this.state], pack([['u', n]]), Math.ceil(n / 64))];
    temp.push(...this.eachBuffer((b, base, rows) => dispatch(gpu, enc, BANK_UPDATE_WGSL, [b, ib, fb, this.state], pack([['u', this.dim], ['u', base], ['u', rows], ['f', this.momentum]]), B)));
    if (guard) temp.push(dispatch(gpu, enc, GUARD_FINISH_WGSL, [this.state, guard], pack([['u', 0], ['u', 0], ['u', 1]]), 1));
    return temp;
  }

  /** Records the sampler: `out` (B, K) u32 from indices `ib` (B). Returns the uniform buffer to free after the submit. */
  encodeSample(enc: GPUCommandEncoder, ib: GPUBuffer, out: GPUBuffer, B: number, K: number, o: { seed: number; stream?: number }): GPUBuffer {
    return dispatch(this.device.gpu, enc, BANK_SAMPLE_WGSL, [ib, out], pack([['u', streamKey(o.seed, o.stream ?? 0)], ['u', K], ['u', this.size], ['u', B * K]]), Math.ceil((B * K) / 64));
  }

  /** K negative indices per sample, never the sample itself: (B, K) u32, bit-identical to MemoryBankReference.sampleIndices. Caller destroys the buffer. */
  async sample(indices: ArrayLike<number>, K: number, o: { seed: number; stream?: number }): Promise<GPUBuffer> {
    const idx = checkIndices(indices, this.size);
    if (!Number.isInteger(K) || K < 1 || idx.length * K >= 2 ** 32) throw new InvalidArgumentError(`memory bank sample: K must be a positive integer with B*K < 2^32, got K=${K}`);
    const gpu = this.device.gpu;
    const ib = upload(gpu, idx);
    const out = gpu.createBuffer({ size: Math.max(16, idx.length * K * 4), usage: storage() });
    const enc = gpu.createCommandEncoder();
    const ub = this.encodeSample(enc, ib, out, idx.length, K, o);
    await submitAndFree(gpu, enc, [ub, ib]);
    return out;
  }

  /** Rows `sel` (a u32 buffer of R indices) gathered into a new (R, D) float buffer. Caller destroys it. */
  async gather(sel: GPUBuffer, R: number): Promise<GPUBuffer> {
    const gpu = this.device.gpu;
    const out = gpu.createBuffer({ size: Math.max(16, R * this.dim * 4), usage: storage() });
    const enc = gpu.createCommandEncoder();
    const total = R * this.dim;
    const temp = this.eachBuffer((b, base, rows) => dispatch(gpu, enc, BANK_GATHER_WGSL, [b, sel, out], pack([['u', this.dim], ['u', base], ['u', rows], ['u', total]]), Math.ceil(total / 64)));
    await submitAndFree(gpu, enc, temp);
    return out;
  }

  /** The whole bank as (N, D) float32 (tests and checkpoints). */
  async read(): Promise<Float32Array> {
    const out = new Float32Array(this.size * this.dim);
    const parts = await Promise.all(this.eachBuffer((b, _base, rows) => b).map((b, i) => readBuffer(this.device.gpu, b, Math.min(this.rowsPerBuffer, this.size - i * this.rowsPerBuffer) * this.dim * 4)));
    parts.forEach((p, i) => out.set(new Float32Array(p), i * this.rowsPerBuffer * this.dim));
    return out;
  }

  /** Overwrite the whole bank with (N, D) float32 values (checkpoint restore). */
  write(values: Float32Array<ArrayBuffer>): void {
    if (values.length !== this.size * this.dim) throw new InvalidArgumentError(`memory bank write: ${values.length} values, expected ${this.size} x ${this.dim}`);
    this.buffers.forEach((b, i) => {
      const start = i * this.rowsPerBuffer * this.dim;
      const n = Math.min(this.rowsPerBuffer, this.size - i * this.rowsPerBuffer) * this.dim;
      this.device.gpu.queue.writeBuffer(b, 0, values, start, n);
    });
  }

  destroy(): void {
    for (const b of this.buffers) b.destroy();
    this.buffers.length = 0;
    this.state.destroy();
  }
}

/** The error for `n` memory-bank updates rejected for NaN/Inf features. */
export function bankGuardError(n: number): NonFiniteError {
  return new NonFiniteError(`memory bank update: ${n} update(s) since the last read had NaN or Infinity in the features and were skipped whole (those bank rows keep their old values). Check the encoder producing the features (a diverged model: lower the learning rate)`, 'memory bank update feats');
}

/** The error for queue enqueues that rejected `rows` keys in all. */
export function queueGuardError(rows: number): NonFiniteError {
  return new NonFiniteError(`queue.enqueue: ${rows} key(s) since the last read came in batches with NaN or Infinity and were not enqueued (keys and pointer unchanged for those batches). Check the key encoder's outputs (a diverged model: lower the learning rate)`, 'queue.enqueue keys');
}

/**
 * Records MoCo's enqueue of `B` keys (B, D) into the (K, D) ring buffer `queue` with the pointer on the
 * GPU (`state` = (ptr, flag) u32): a NaN/Inf check of the keys, the copy of the last min(B, K) keys to rows
 * (ptr + i) mod K unless flagged, then ptr += B (mod K), or `B` added to `guard` when flagged. Returns
 * uniform buffers to free after the submit.
 */
export function encodeQueueEnqueue(gpu: GPUDevice, enc: GPUCommandEncoder, keys: GPUBuffer, B: number, queue: GPUBuffer, K: number, D: number, state: GPUBuffer, guard: GuardBinding): GPUBuffer[] {
  enc.clearBuffer(state, 4, 4);
  const total = Math.min(B, K) * D;
  return [
    dispatch(gpu, enc, CHECK_FINITE_WGSL, [keys, state], pack([['u', B * D]]), Math.ceil((B * D) / 64)),
    dispatch(gpu, enc, QUEUE_ENQUEUE_WGSL, [keys, queue, state], pack([['u', B], ['u', K], ['u', D], ['u', total]]), Math.ceil(total / 64)),
    dispatch(gpu, enc, GUARD_FINISH_WGSL, [state, guard], pack([['u', B % K], ['u', K], ['u', B]]), 1),
  ];
}

/**
 * The MoCo queue as a GPU ring buffer (K, D) f32, initialised with QueueReference's values. enqueue copies
 * the batch's keys with at most two copyBufferToBuffer (wrap-around); the pointer lives on the CPU.
 */
export class GpuQueue {
  ptr = 0;
  private constructor(readonly buffer: GPUBuffer, readonly size: number, readonly dim: number, private readonly gpu: GPUDevice) {}

  static create(device: Device, o: { size: number; dim: number; seed: number; stream?: number }): GpuQueue {
    const init = Float32Array.from(new QueueReference(o).keys);
    return new GpuQueue(upload(device.gpu, init), o.size, o.dim, device.gpu);
  }

  /** Record the copies of `B` keys ((B, D) f32 in `keys`) into `enc`; advances the pointer. */
  encodeEnqueue(enc: GPUCommandEncoder, keys: GPUBuffer, B: number): void {
    if (!Number.isInteger(B) || B < 1) throw new InvalidArgumentError(`queue.enqueue: B must be a positive integer, got ${B}`);
    const row = 4 * this.dim;
    // Only the last min(B, K) keys survive; key i lands on row (ptr + i) mod K.
    let i = Math.max(0, B - this.size);
    while (i < B) {
      const dst = (this.ptr + i) % this.size;
      const n = Math.min(B - i, this.size - dst);
      enc.copyBufferToBuffer(keys, i * row, this.buffer, dst * row, n * row);
      i += n;
    }
    this.ptr = (this.ptr + B) % this.size;
  }

  async enqueue(keys: Float32Array<ArrayBuffer>): Promise<void> {
    if (keys.length % this.dim) throw new InvalidArgumentError(`queue.enqueue: ${keys.length} values is not a multiple of dim ${this.dim}`);
    const kb = upload(this.gpu, keys);
    const enc = this.gpu.createCommandEncoder();
    this.encodeEnqueue(enc, kb, keys.length / this.dim);
    await submitAndFree(this.gpu, enc, [kb]);
  }

  async read(): Promise<Float32Array> {
    return new Float32Array(await readBuffer(this.gpu, this.buffer, this.size * this.dim * 4));
  }

  /** Overwrite all K keys (checkpoint restore); the pointer is set by the caller. */
  write(keys: Float32Array<ArrayBuffer>): void {
    if (keys.length !== this.size * this.dim) throw new InvalidArgumentError(`queue write: ${keys.length} values, expected ${this.size} x ${this.dim}`);
    this.gpu.queue.writeBuffer(this.buffer, 0, keys);
  }

  destroy(): void {
    this.buffer.destroy();
  }
}

/**
 * MoCo's key-encoder update k = m k + (1 - m) q over pairs of float32 buffers (`n` floats each), one
 * dispatch per pair in one submission; with the engine's parameters in one arena it is one dispatch.
 */
/** Records MoCo's update for the pairs into `enc`; returns the uniform buffers to free after the submit. */
export function encodeMomentumUpdate(gpu: GPUDevice, enc: GPUCommandEncoder, pairs: { key: GPUBuffer; query: GPUBuffer; n: number }[], m: number): GPUBuffer[] {
  if (!(m >= 0 && m <= 1)) throw new InvalidArgumentError(`momentum must be in [0, 1], got ${m}`);
  return pairs.map((p) => dispatch(gpu, enc, MOMENTUM_WGSL, [p.key, p.query], pack([['u', p.n], ['f', m]]), Math.ceil(p.n / 64)));
}

export async function momentumUpdateGpu(device: Device, pairs: { key: GPUBuffer; query: GPUBuffer; n: number }[], m: number): Promise<void> {
  if (!(m >= 0 && m <= 1)) throw new InvalidArgumentError(`momentum must be in [0, 1], got ${m}`);
  const gpu = device.gpu;
  const enc = gpu.createCommandEncoder();
  const temp = pairs.map((p) => dispatch(gpu, enc, MOMENTUM_WGSL, [p.key, p.query], pack([['u', p.n], ['f', m]]), Math.ceil(p.n / 64)));
  await submitAndFree(gpu, enc, temp);
}

export { upload as uploadBuffer };
