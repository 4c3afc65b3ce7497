// GPU memory bank, queue and momentum update (src/train/contrastive/bank_gpu.ts) against the PyTorch fixtures
// and the float64 references: sampled indices bit-identical, floats within float32 rounding.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { getDevice } from '../../../src/gpu/device.ts';
import { normalArray64, uniformArray } from '../../../src/models/rng.ts';
import { GpuMemoryBank, GpuQueue, momentumUpdateGpu, readBuffer, uploadBuffer } from '../../../src/train/contrastive/bank_gpu.ts';
import { MemoryBankReference, QueueReference, l2NormalizeRows } from '../../../src/train/contrastive/reference.ts';
import { loadContrastiveState, saveContrastiveState } from '../../../src/train/contrastive/checkpoint.ts';
import { parseSafetensors } from '../../../src/models/safetensors.ts';
import { expectAllClose } from '../../helpers/close.ts';
import { loadFixture } from '../../helpers/fixture.ts';

const unitRows32 = (n: number, d: number, seed: number, stream: number): Float32Array<ArrayBuffer> => Float32Array.from(l2NormalizeRows(normalArray64(n * d, { seed, stream }), d));

describe('GPU memory bank', () => {
  it('init, update + renorm and sampling equal the PyTorch fixture, split over 8 buffers of 7 rows', async () => {
    const dev = await getDevice();
    const fx = await loadFixture('contrastive/bank.bin');
    const m = fx.meta as { N: number; D: number; momentum: number; indices: number[]; K: number; sample_seed: number };
    const bank = await GpuMemoryBank.create(dev, { size: m.N, dim: m.D, momentum: m.momentum, seed: 11, stream: 5, maxRowsPerBuffer: 7 });
    try {
      expect(bank.buffers).toHaveLength(8);
      expectAllClose(await bank.read(), fx.f64('init'), { atol: 0, rtol: 1e-7, what: 'init' });
      const sel = await bank.sample(m.indices, m.K, { seed: m.sample_seed });
      expect(Array.from(new Uint32Array(await readBuffer(dev.gpu, sel, m.indices.length * m.K * 4)))).toEqual(Array.from(fx.get('sample_idx').data as Int32Array));
      sel.destroy();
      await bank.update(m.indices, unitRows32(4, m.D, 11, 6));
      expectAllClose(await bank.read(), fx.f64('updated'), { atol: 1e-7, rtol: 1e-6, what: 'after update' });
    } finally {
      bank.destroy();
    }
  });

  it('sampler is bit-identical to the reference for N past 2^16 (the 32x32 -> high-word multiply), gather returns those rows', async () => {
    const dev = await getDevice();
    const N = 1_000_003, D = 2, K = 3001;
    const ys = [0, 999_999, 1_000_002, 77];
    const bank = await GpuMemoryBank.create(dev, { size: N, dim: D, momentum: 0.5, seed: 4, maxRowsPerBuffer: 300_000 });
    try {
      const ref = new MemoryBankReference({ size: N, dim: D, momentum: 0.5, seed: 4 });
      const want = ref.sampleIndices(ys, K, { seed: 123, stream: 9 });
      const sel = await bank.sample(ys, K, { seed: 123, stream: 9 });
      const got = new Uint32Array(await readBuffer(dev.gpu, sel, ys.length * K * 4));
      expect(Array.from(got)).toEqual(Array.from(want));
      const rows = await bank.gather(sel, ys.length * K);
      const g = new Float32Array(await readBuffer(dev.gpu, rows, ys.length * K * D * 4));
      expectAllClose(g, ref.gather(want), { atol: 0, rtol: 1e-7, what: 'gathered rows' });
      sel.destroy();
      rows.destroy();
    } finally {
      bank.destroy();
    }
  });

  it('rejects duplicate and out-of-range indices', async () => {
    const dev = await getDevice();
    const bank = await GpuMemoryBank.create(dev, { size: 4, dim: 2, momentum: 0.5, seed: 1 });
    try {
      await expect(bank.update([1, 1], new Float32Array(4))).rejects.toThrow(/twice/);
      await expect(bank.sample([4], 2, { seed: 0 })).rejects.toThrow(InvalidArgumentError);
    } finally {
      bank.destroy();
    }
  });
});

describe('GPU MoCo queue', () => {
  it('K=10, B=4: same keys and pointer as the PyTorch ring buffer after 4 enqueues; B > K keeps the last K', async () => {
    const dev = await getDevice();
    const fx = await loadFixture('contrastive/queue.bin');
    const q = GpuQueue.create(dev, { size: 10, dim: 3, seed: 11, stream: 3 });
    try {
      expectAllClose(await q.read(), fx.f64('init_k10'), { atol: 0, rtol: 1e-7, what: 'init' });
      const keys = unitRows32(16, 3, 11, 4);
      for (let s = 0; s < 4; s++) await q.enqueue(keys.slice(s * 12, s * 12 + 12));
      expectAllClose(await q.read(), fx.f64('final_k10'), { atol: 0, rtol: 1e-7, what: 'after 4 enqueues' });
      expect(q.ptr).toBe(fx.f64('ptr_k10')[0]);
    } finally {
      q.destroy();
    }
    const small = GpuQueue.create(dev, { size: 3, dim: 2, seed: 1 });
    const ref = new QueueReference({ size: 3, dim: 2, seed: 1 });
    try {
      const big = Float32Array.from({ length: 10 }, (_, i) => i);
      await small.enqueue(big.slice(0, 2));
      ref.enqueue(big.slice(0, 2));
      await small.enqueue(big);
      ref.enqueue(big);
      expect(Array.from(await small.read())).toEqual(Array.from(ref.keys, Math.fround));
      expect(small.ptr).toBe(ref.ptr);
    } finally {
      small.destroy();
    }
  });
});

describe('GPU momentum update', () => {
  it('equals MoCo float32 update from PyTorch (m = 0.999)', async () => {
    const dev = await getDevice();
    const fx = await loadFixture('contrastive/momentum.bin');
    const names = (fx.meta as { names: string[] }).names;
    const pairs: { key: GPUBuffer; query: GPUBuffer; n: number; name: string }[] = [];
    names.forEach((name, j) => {
      if (name.includes('running_') || name.endsWith('num_batches_tracked')) return; // buffers are copied, not averaged
      const n = fx.get(`key/${name}`).data.length;
      pairs.push({ name, n, key: uploadBuffer(dev.gpu, uniformArray(n, { seed: 13, stream: j }) as Float32Array<ArrayBuffer>), query: uploadBuffer(dev.gpu, uniformArray(n, { seed: 12, stream: j }) as Float32Array<ArrayBuffer>) });
    });
    expect(pairs).toHaveLength(6);
    try {
      await momentumUpdateGpu(dev, pairs, (fx.meta as { m: number }).m);
      for (const p of pairs) expectAllClose(new Float32Array(await readBuffer(dev.gpu, p.key, p.n * 4)), fx.f64(`key/${p.name}`), { atol: 1e-7, rtol: 1e-6, what: p.name });
    } finally {
      for (const p of pairs) p.key.destroy(), p.query.destroy();
    }
    await expect(momentumUpdateGpu(dev, [], 2)).rejects.toThrow(InvalidArgumentError);
  });
});

describe('contrastive checkpoint (queue, pointer, banks)', () => {
  it('save -> load into fresh objects restores keys, pointer and bank exactly; mismatches name the tensor', async () => {
    const dev = await getDevice();
    const q1 = GpuQueue.create(dev, { size: 10, dim: 3, seed: 1 });
    const b1 = await GpuMemoryBank.create(dev, { size: 23, dim: 4, momentum: 0.5, seed: 2, maxRowsPerBuffer: 10 });
    const q2 = GpuQueue.create(dev, { size: 10, dim: 3, seed: 9 });
    const b2 = await GpuMemoryBank.create(dev, { size: 23, dim: 4, momentum: 0.5, seed: 9, maxRowsPerBuffer: 10 });
    const q3 = GpuQueue.create(dev, { size: 11, dim: 3, seed: 9 });
    try {
      await q1.enqueue(unitRows32(7, 3, 3, 0));
      await b1.update([4, 22], unitRows32(2, 4, 3, 1));
      const bytes = await saveContrastiveState({ queue: q1, banks: { audio: b1 } });
      expect(parseSafetensors(bytes).metadata).toEqual({ format: 'sscl-contrastive', 'bank.audio.momentum': '0.5' });
      loadContrastiveState({ queue: q2, banks: { audio: b2 } }, bytes);
      expect(Array.from(await q2.read())).toEqual(Array.from(await q1.read()));
      expect(q2.ptr).toBe(7);
      expect(Array.from(await b2.read())).toEqual(Array.from(await b1.read()));
      expect(() => loadContrastiveState({ queue: q3 }, bytes)).toThrow(/queue\.keys/);
      expect(() => loadContrastiveState({ banks: { video: b2 } }, bytes)).toThrow(/bank\.video\.features/);
    } finally {
      for (const x of [q1, q2, q3, b1, b2]) x.destroy();
    }
  });
});
