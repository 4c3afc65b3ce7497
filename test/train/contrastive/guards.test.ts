// Issue 7 gaps: NaN/Inf inputs are caught on the GPU (no per-op readback) and surface as NonFiniteError at
// the next read, naming the input; a queue enqueue / bank update with bad features is rejected whole; and
// memory-bank negatives are read from any number of bank buffers (lowered binding limits), bit-exact
// sampling vs the CPU sampler and the loss vs the float64 reference.
import { describe, expect, it } from 'vitest';
import { contrastive, getDevice, Tensor } from '../../../src/index.ts';
import { NonFiniteError } from '../../../src/errors.ts';
import { contextOf } from '../../../src/tensor/tensor.ts';
import { normalArray64 } from '../../../src/models/rng.ts';
import { infoNCEGpu } from '../../../src/train/contrastive/infonce_gpu.ts';
import { MemoryBankReference, QueueReference, infoNCEReference, l2NormalizeRows } from '../../../src/train/contrastive/reference.ts';
import { maxRelToPeak } from '../../helpers/close.ts';

const unitRows32 = (n: number, d: number, seed: number, stream: number): Float32Array => Float32Array.from(l2NormalizeRows(normalArray64(n * d, { seed, stream }), d));

/** The NonFiniteError a promise rejects with (fails the test when it resolves or rejects otherwise). */
async function nonFinite(p: Promise<unknown>): Promise<NonFiniteError> {
  try {
    await p;
  } catch (e) {
    if (e instanceof NonFiniteError) return e;
    throw e;
  }
  throw new Error('expected a NonFiniteError, the read succeeded');
}

function close(what: string, got: ArrayLike<number>, ref: ArrayLike<number>, tol: number): void {
  const e = maxRelToPeak(got, ref);
  if (!(e <= tol)) throw new Error(`${what}: max |err| / peak = ${e} > ${tol}`);
}

describe('contrastive.infoNCE: NaN/Inf inputs give NonFiniteError, not a NaN loss', () => {
  const B = 4, K = 300, D = 8, tau = 0.1;
  const cases: Array<[string, 'q' | 'k' | 'n', number, number]> = [
    ['q', 'q', 2 * D + 3, NaN],
    ['kPos', 'k', 5, Infinity],
    ['negatives', 'n', 299 * D + 7, NaN],
    ['negatives', 'n', 17 * D, -Infinity], // a -Inf logit would vanish in exp(): caught by the bit test
  ];
  for (const [input, which, at, v] of cases) {
    it(`${v} in ${input}: the read throws naming it, that call's gradients are zero, the next call is clean`, async () => {
      const dev = await getDevice();
      const ctx = contextOf(dev);
      const qa = unitRows32(B, D, 5, 0), ka = unitRows32(B, D, 5, 1), na = unitRows32(K, D, 5, 2);
      const bad = { q: qa.slice(), k: ka.slice(), n: na.slice() };
      bad[which][at] = v;
      const q = Tensor.fromArray(dev, bad.q, [B, D], { requiresGrad: true });
      const k = Tensor.fromArray(dev, bad.k, [B, D], { requiresGrad: true });
      const n = Tensor.fromArray(dev, bad.n, [K, D]);
      ctx.flush();
      const submits = ctx.submits;
      const loss = contrastive.infoNCE(q, k, n, { tau });
      loss.backward();
      const e = await nonFinite(loss.item());
      expect(ctx.submits - submits).toBe(1); // detection added no submit: the flag rides on the read
      expect(e.input).toBe(input);
      expect(e.message).toContain(input);
      // The guard is cleared by the read that reported it; the bad call contributed no gradient.
      expect(Array.from(await q.grad!.toArray()).every((x) => x === 0)).toBe(true);
      expect(Array.from(await k.grad!.toArray()).every((x) => x === 0)).toBe(true);
      const q2 = Tensor.fromArray(dev, qa, [B, D], { requiresGrad: true });
      const l2 = contrastive.infoNCE(q2, Tensor.fromArray(dev, ka, [B, D]), Tensor.fromArray(dev, na, [K, D]), { tau });
      l2.backward();
      const ref = infoNCEReference(qa, ka, na, { B, D, tau });
      expect(Math.abs((await l2.item()) - ref.loss) / ref.loss).toBeLessThan(1e-5);
      close('dq after a rejected call', await q2.grad!.toArray(), ref.dQ, 1e-4);
    });
  }

  it('toArray of any tensor and ctx.checkGuards() report it too; the raw infoNCEGpu throws it', async () => {
    const dev = await getDevice();
    const ctx = contextOf(dev);
    const qa = unitRows32(2, 4, 6, 0);
    qa[1] = NaN;
    const other = Tensor.fromArray(dev, [1, 2, 3], [3]);
    contrastive.infoNCE(Tensor.fromArray(dev, qa, [2, 4]), Tensor.fromArray(dev, unitRows32(2, 4, 6, 1), [2, 4]), Tensor.fromArray(dev, unitRows32(9, 4, 6, 2), [9, 4]));
    expect((await nonFinite(other.toArray())).input).toBe('q');
    expect(Array.from(await other.toArray())).toEqual([1, 2, 3]); // reported once
    contrastive.infoNCE(Tensor.fromArray(dev, qa, [2, 4]), Tensor.fromArray(dev, unitRows32(2, 4, 6, 1), [2, 4]), Tensor.fromArray(dev, unitRows32(9, 4, 6, 2), [9, 4]));
    expect((await nonFinite(ctx.checkGuards())).input).toBe('q');
    await ctx.checkGuards(); // clean now
    const e = await nonFinite(infoNCEGpu(dev, unitRows32(2, 4, 6, 0), unitRows32(2, 4, 6, 1), Float32Array.from(unitRows32(9, 4, 6, 2), (x, i) => (i === 30 ? Infinity : x)), { B: 2, K: 9, D: 4, tau: 0.07 }));
    expect(e.input).toBe('negatives');
  });

  it('finite but huge features that overflow q . k / tau are reported as an overflow', async () => {
    const dev = await getDevice();
    const qa = Float32Array.from(unitRows32(2, 4, 7, 0), (x) => x * 1e19);
    const ka = Float32Array.from(unitRows32(2, 4, 7, 0), (x) => x * 1e19); // q . k ~ 1e38, / 0.07 > f32 max
    const loss = contrastive.infoNCE(Tensor.fromArray(dev, qa, [2, 4]), Tensor.fromArray(dev, ka, [2, 4]), Tensor.fromArray(dev, unitRows32(3, 4, 7, 2), [3, 4]), { tau: 0.07 });
    const e = await nonFinite(loss.item());
    expect(e.message).toMatch(/overflow/);
  });
});

describe('queue.enqueue and bank.update reject NaN/Inf features whole', () => {
  it('queue: keys and pointer unchanged by the bad batch; the next read reports it; later enqueues land right', async () => {
    const dev = await getDevice();
    const K = 10, D = 3;
    const queue = contrastive.createQueue(dev, { size: K, dim: D, seed: 2 });
    const ref = new QueueReference({ size: K, dim: D, seed: 2 });
    const keys = unitRows32(12, D, 2, 1);
    queue.enqueue(Tensor.fromArray(dev, keys.slice(0, 4 * D), [4, D]));
    ref.enqueue(keys.slice(0, 4 * D));
    const bad = keys.slice(4 * D, 8 * D);
    bad[5] = NaN;
    queue.enqueue(Tensor.fromArray(dev, bad, [4, D])); // rejected on the GPU
    queue.enqueue(Tensor.fromArray(dev, keys.slice(8 * D, 12 * D), [4, D])); // recorded after it: must land at ptr 4
    ref.enqueue(keys.slice(8 * D, 12 * D));
    const e = await nonFinite(queue.read());
    expect(e.input).toBe('queue.enqueue keys');
    expect(e.message).toContain('4 key(s)');
    expect(queue.ptr).toBe(ref.ptr); // host mirror corrected by the read
    expect(Array.from(await queue.read())).toEqual(Array.from(Float32Array.from(ref.keys)));
    queue.dispose();
  });

  it('bank: rows unchanged by the bad update, reported at the next read; then a clean update matches the reference', async () => {
    const dev = await getDevice();
    const N = 20, D = 5;
    const bank = contrastive.createMemoryBank(dev, { size: N, dim: D, momentum: 0.5, seed: 4, maxRowsPerBuffer: 6 });
    const ref = new MemoryBankReference({ size: N, dim: D, momentum: 0.5, seed: 4 });
    const feats = unitRows32(3, D, 4, 1);
    const bad = feats.slice();
    bad[D + 2] = -Infinity;
    bank.update([1, 7, 19], Tensor.fromArray(dev, bad, [3, D]));
    const e = await nonFinite(bank.read());
    expect(e.input).toBe('memory bank update feats');
    const before = await bank.read();
    close('bank after the rejected update (= init)', before, ref.features, 1e-6);
    bank.update([1, 7, 19], Tensor.fromArray(dev, feats, [3, D]));
    ref.update([1, 7, 19], feats);
    const after = await bank.read();
    close('bank after the clean update', after, ref.features, 1e-6);
    expect(after[3 * D]).toBe(before[3 * D]); // row 3: untouched by both updates...
    expect(after[7 * D]).not.toBe(before[7 * D]); // ...row 7: moved by the clean one only
    bank.dispose();
  });
});

describe('memory-bank negatives from many bank buffers (lowered binding limits)', () => {
  // maxStorageBuffersPerShaderStage 5 -> 1 bank buffer per dispatch; 6 -> 2; the default (8 here) -> 4.
  for (const [N, rows, storage] of [[301, 7, 5], [301, 7, 6], [1000, 16, 8]] as const) {
    it(`N=${N} in ${Math.ceil(N / rows)} buffers, ${storage} storage bindings: sampler bit-exact, loss and grads vs float64`, async () => {
      const dev = await getDevice();
      const ctx = contextOf(dev);
      const B = 3, K = 200, D = 8, tau = 0.1;
      const bank = contrastive.createMemoryBank(dev, { size: N, dim: D, momentum: 0.5, seed: 9, maxRowsPerBuffer: rows });
      expect(bank.inner.buffers.length).toBe(Math.ceil(N / rows));
      const ref = new MemoryBankReference({ size: N, dim: D, momentum: 0.5, seed: 9 });
      const idx = [0, 150, N - 1];
      const s = bank.sample(idx, K, { seed: 3 });
      const sel = await s.indices();
      expect(Array.from(sel)).toEqual(Array.from(ref.sampleIndices(idx, K, { seed: 3 })));
      const qa = unitRows32(B, D, 9, 0), ka = unitRows32(B, D, 9, 1);
      const q = Tensor.fromArray(dev, qa, [B, D], { requiresGrad: true });
      const k = Tensor.fromArray(dev, ka, [B, D], { requiresGrad: true });
      const loss = ctx.withLimits({ maxStorageBuffersPerShaderStage: storage }, () => contrastive.infoNCE(q, k, s, { tau }));
      loss.backward();
      const r = infoNCEReference(qa, ka, Float64Array.from(ref.gather(sel), Math.fround), { B, D, tau, perSample: true });
      expect(Math.abs((await loss.item()) - r.loss) / r.loss).toBeLessThan(1e-5);
      close('dq', await q.grad!.toArray(), r.dQ, 1e-4);
      close('dk', await k.grad!.toArray(), r.dKPos, 1e-4);
      s.dispose();
      bank.dispose();
    });
  }

  it('a NaN row of a many-buffer bank, drawn as a negative, is reported as negatives', async () => {
    const dev = await getDevice();
    const ctx = contextOf(dev);
    const N = 40, D = 4;
    const bank = contrastive.createMemoryBank(dev, { size: N, dim: D, momentum: 0.5, seed: 1, maxRowsPerBuffer: 3 });
    const vals = await bank.read();
    vals[33 * D + 1] = NaN; // restored from a corrupt checkpoint, say
    bank.write(vals);
    const s = bank.sample([2, 5], 200, { seed: 1 });
    expect(Array.from(await s.indices())).toContain(33);
    const loss = ctx.withLimits({ maxStorageBuffersPerShaderStage: 5 }, () => contrastive.infoNCE(Tensor.fromArray(dev, unitRows32(2, D, 1, 0), [2, D]), Tensor.fromArray(dev, unitRows32(2, D, 1, 1), [2, D]), s));
    expect((await nonFinite(loss.item())).input).toBe('negatives');
    s.dispose();
    bank.dispose();
  });
});
