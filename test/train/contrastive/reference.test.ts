// CPU references of the contrastive core (src/train/contrastive/reference.ts) against PyTorch
// (test/fixtures/contrastive/*.bin from test/fixtures/gen/contrastive_moco.py; float64 autograd) with the
// issue's tolerances (loss 1e-5 relative, gradients 1e-4), and against float64 central differences.
import { describe, expect, it } from 'vitest';
import { InvalidArgumentError } from '../../../src/errors.ts';
import { normalArray64, uniformArray, uniformArray64 } from '../../../src/models/rng.ts';
import { MemoryBankReference, QueueReference, infoNCELogits, infoNCEReference, l2NormalizeRows, momentumUpdateReference } from '../../../src/train/contrastive/reference.ts';
import { expectAllClose } from '../../helpers/close.ts';
import { loadFixture } from '../../helpers/fixture.ts';

const unitRows = (n: number, d: number, seed: number, stream: number): Float64Array => l2NormalizeRows(normalArray64(n * d, { seed, stream }), d);

describe('InfoNCE reference vs MoCo in PyTorch (B=128, K=16384, D=128, tau=0.07)', () => {
  it('loss, logits, dq, dk and the negatives gradient', async () => {
    const fx = await loadFixture('contrastive/moco_loss.bin');
    const { B, K, D, tau } = fx.meta as { B: number; K: number; D: number; tau: number };
    const q = unitRows(B, D, 11, 0), k = unitRows(B, D, 11, 1), queue = unitRows(K, D, 11, 2);
    const t0 = performance.now();
    const r = infoNCEReference(q, k, queue, { B, D, tau });
    const ms = performance.now() - t0;
    console.log(`infoNCEReference B=${B} K=${K} D=${D}: loss ${r.loss}, ${ms.toFixed(0)} ms (float64 CPU)`);
    const refLoss = fx.f64('loss')[0];
    expect(Math.abs(r.loss - refLoss) / Math.abs(refLoss)).toBeLessThan(1e-5);
    const C = K + 1;
    expectAllClose(r.logits.subarray(0, C), fx.f64('logits_row0'), { atol: 1e-9, rtol: 1e-9, what: 'logits row 0' });
    expectAllClose(r.logits.subarray(127 * C, 128 * C), fx.f64('logits_row127'), { atol: 1e-9, rtol: 1e-9, what: 'logits row 127' });
    const rowsum = new Float64Array(B), pos = new Float64Array(B);
    for (let b = 0; b < B; b++) {
      pos[b] = r.logits[b * C];
      for (let j = 0; j < C; j++) rowsum[b] += r.logits[b * C + j];
    }
    expectAllClose(rowsum, fx.f64('logit_rowsum'), { atol: 1e-7, rtol: 1e-9, what: 'logit row sums' });
    expectAllClose(pos, fx.f64('logit_pos'), { atol: 1e-9, rtol: 1e-9, what: 'positive logits' });
    expectAllClose(r.dQ, fx.f64('dq'), { atol: 1e-4 * maxAbs(fx.f64('dq')), rtol: 1e-4, what: 'dq' });
    expectAllClose(r.dKPos, fx.f64('dk'), { atol: 1e-4 * maxAbs(fx.f64('dk')), rtol: 1e-4, what: 'dk' });
    const colsum = new Float64Array(D), rsum = new Float64Array(K);
    for (let j = 0; j < K; j++) for (let d = 0; d < D; d++) (colsum[d] += r.dNeg[j * D + d]), (rsum[j] += r.dNeg[j * D + d]);
    expectAllClose(colsum, fx.f64('dqueue_colsum'), { atol: 1e-10, rtol: 1e-6, what: 'dqueue column sums' });
    expectAllClose(rsum, fx.f64('dqueue_rowsum'), { atol: 1e-12, rtol: 1e-6, what: 'dqueue row sums' });
  });
});

function maxAbs(a: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

describe('InfoNCE reference vs float64 central differences', () => {
  for (const perSample of [false, true]) {
    it(`dq, dkPos, dNeg (${perSample ? 'per-sample (B,K,D)' : 'shared (K,D)'} negatives, B=3, K=5, D=4, tau=0.2)`, () => {
      const B = 3, K = 5, D = 4, tau = 0.2;
      const q = uniformArray64(B * D, { seed: 21, stream: 0 }), k = uniformArray64(B * D, { seed: 21, stream: 1 });
      const neg = uniformArray64((perSample ? B * K : K) * D, { seed: 21, stream: 2 });
      const o = { B, D, tau, perSample };
      const r = infoNCEReference(q, k, neg, o);
      const h = 1e-6;
      for (const [name, x, g] of [['q', q, r.dQ], ['kPos', k, r.dKPos], ['neg', neg, r.dNeg]] as const) {
        for (let i = 0; i < x.length; i++) {
          const keep = x[i];
          x[i] = keep + h;
          const up = infoNCEReference(q, k, neg, o).loss;
          x[i] = keep - h;
          const dn = infoNCEReference(q, k, neg, o).loss;
          x[i] = keep;
          const fd = (up - dn) / (2 * h);
          if (!(Math.abs(fd - g[i]) <= 1e-7 + 1e-6 * Math.abs(fd))) throw new Error(`d${name}[${i}]: ${g[i]} vs central difference ${fd}`);
        }
      }
    });
  }

  it('is stable for huge logits (tau = 1e-4, aligned vectors): finite loss and gradients', () => {
    const B = 2, K = 3, D = 2;
    const q = Float64Array.of(1, 0, 0, 1), k = Float64Array.of(1, 0, 0, 1), neg = Float64Array.of(1, 0, 0.9, 0.1, -1, 0);
    const r = infoNCEReference(q, k, neg, { B, D, tau: 1e-4 });
    expect(Number.isFinite(r.loss)).toBe(true);
    expect(r.loss).toBeCloseTo(Math.log(2) / 2, 6); // row 0 ties with negative 0; row 1 is certain
    expect(r.dQ.every(Number.isFinite)).toBe(true);
  });

  it('rejects bad shapes and tau with InvalidArgumentError', () => {
    const q = new Float64Array(8);
    expect(() => infoNCELogits(q, q, new Float64Array(12), { B: 2, D: 4, tau: 0 })).toThrow(InvalidArgumentError);
    expect(() => infoNCELogits(q, new Float64Array(4), new Float64Array(12), { B: 2, D: 4, tau: 0.07 })).toThrow(/kPos/);
    expect(() => infoNCELogits(q, q, new Float64Array(10), { B: 2, D: 4, tau: 0.07 })).toThrow(/multiple of D/);
    expect(() => infoNCELogits(q, q, new Float64Array(12), { B: 2, D: 4, tau: 0.07, perSample: true })).toThrow(/multiple of B/);
    const bad = new Float64Array(8).fill(0.5);
    bad[3] = Infinity;
    expect(() => infoNCEReference(bad, q, new Float64Array(12), { B: 2, D: 4, tau: 0.07 })).toThrow(/NaN or Infinity/);
  });
});

describe('MoCo queue reference', () => {
  it('ring buffer with K=10 not a multiple of B=4, and MoCo-equivalent when K=12', async () => {
    const fx = await loadFixture('contrastive/queue.bin');
    const q10 = new QueueReference({ size: 10, dim: 3, seed: 11, stream: 3 });
    expectAllClose(q10.keys, fx.f64('init_k10'), { atol: 1e-15, rtol: 1e-12, what: 'init (randn, normalised)' });
    const keys = unitRows(16, 3, 11, 4);
    const q12 = new QueueReference({ size: 12, dim: 3, seed: 11, stream: 3 });
    for (let s = 0; s < 4; s++) {
      q10.enqueue(keys.subarray(s * 12, s * 12 + 12));
      q12.enqueue(keys.subarray(s * 12, s * 12 + 12));
    }
    expectAllClose(q10.keys, fx.f64('final_k10'), { atol: 1e-15, rtol: 1e-12, what: 'K=10 after 4 enqueues' });
    expect(q10.ptr).toBe(fx.f64('ptr_k10')[0]);
    expectAllClose(q12.keys, fx.f64('final_k12_moco'), { atol: 1e-15, rtol: 1e-12, what: "K=12 vs MoCo's code" });
    expect(q12.ptr).toBe(fx.f64('ptr_k12')[0]);
  });

  it('initial keys are unit vectors; a batch larger than K keeps its last K keys', () => {
    const q = new QueueReference({ size: 3, dim: 2, seed: 1 });
    for (let r = 0; r < 3; r++) expect(Math.hypot(q.keys[2 * r], q.keys[2 * r + 1])).toBeCloseTo(1, 12);
    q.enqueue(Float64Array.from({ length: 10 }, (_, i) => i)); // 5 keys: rows get keys 3, 4, 2 (ptr 0..4 mod 3)
    expect(Array.from(q.keys)).toEqual([6, 7, 8, 9, 4, 5]);
    expect(q.ptr).toBe(2);
    expect(() => q.enqueue(new Float64Array(3))).toThrow(InvalidArgumentError);
    expect(() => new QueueReference({ size: 0, dim: 2, seed: 1 })).toThrow(InvalidArgumentError);
  });
});

describe('memory bank reference (lemniscate/CMC)', () => {
  it('init, momentum update + renormalisation, and the seeded sampler equal the PyTorch fixture', async () => {
    const fx = await loadFixture('contrastive/bank.bin');
    const m = fx.meta as { N: number; D: number; momentum: number; indices: number[]; K: number; sample_seed: number };
    const bank = new MemoryBankReference({ size: m.N, dim: m.D, momentum: m.momentum, seed: 11, stream: 5 });
    expectAllClose(bank.features, fx.f64('init'), { atol: 0, rtol: 0, what: 'init' });
    const stdv = 1 / Math.sqrt(m.D / 3);
    expect(maxAbs(bank.features)).toBeLessThanOrEqual(stdv);
    const idx = bank.sampleIndices(m.indices, m.K, { seed: m.sample_seed });
    expect(Array.from(idx)).toEqual(Array.from(fx.get('sample_idx').data as Int32Array));
    bank.update(m.indices, unitRows(4, m.D, 11, 6));
    expectAllClose(bank.features, fx.f64('updated'), { atol: 1e-15, rtol: 1e-12, what: 'after update' });
    for (const y of m.indices) expect(Math.hypot(...bank.features.subarray(y * m.D, y * m.D + m.D))).toBeCloseTo(1, 12);
  });

  it('sampler: never the sample itself, uniform over the others, deterministic per seed', () => {
    const N = 11, K = 20000;
    const bank = new MemoryBankReference({ size: N, dim: 2, momentum: 0.5, seed: 1 });
    const ys = [0, 5, 10];
    const idx = bank.sampleIndices(ys, K, { seed: 7 });
    ys.forEach((y, b) => {
      const counts = new Array(N).fill(0);
      for (let k = 0; k < K; k++) counts[idx[b * K + k]]++;
      expect(counts[y]).toBe(0);
      // Each of the 10 others expects 2000 hits, sd ~42: 6 sd.
      for (let n = 0; n < N; n++) if (n !== y) expect(Math.abs(counts[n] - K / (N - 1))).toBeLessThan(260);
    });
    expect(Array.from(bank.sampleIndices(ys, 5, { seed: 7 }))).toEqual(Array.from(bank.sampleIndices(ys, 5, { seed: 7 })));
    expect(Array.from(bank.sampleIndices(ys, 5, { seed: 7 }))).not.toEqual(Array.from(bank.sampleIndices(ys, 5, { seed: 8 })));
  });

  it('rejects out-of-range and duplicate indices', () => {
    const bank = new MemoryBankReference({ size: 4, dim: 2, momentum: 0.5, seed: 1 });
    expect(() => bank.update([1, 1], new Float64Array(4))).toThrow(/twice/);
    expect(() => bank.update([4], new Float64Array(2))).toThrow(InvalidArgumentError);
    expect(() => bank.sampleIndices([-1], 3, { seed: 0 })).toThrow(InvalidArgumentError);
    expect(() => new MemoryBankReference({ size: 4, dim: 2, momentum: 1.5, seed: 1 })).toThrow(InvalidArgumentError);
  });
});

describe('momentum update reference vs MoCo in PyTorch (float32 there)', () => {
  it('key params = m k + (1 - m) q, buffers copied from the query model', async () => {
    const fx = await loadFixture('contrastive/momentum.bin');
    const names = (fx.meta as { names: string[] }).names;
    const m = (fx.meta as { m: number }).m;
    names.forEach((name, j) => {
      const ref = fx.get(`key/${name}`);
      if (ref.dtype === 'i64') {
        expect(Array.from(ref.data as BigInt64Array)).toEqual([5n]); // copied from the query model
        return;
      }
      const n = ref.data.length;
      const kq = uniformArray(n, { seed: 12, stream: j }), kk = Float64Array.from(uniformArray(n, { seed: 13, stream: j }));
      const isBuffer = name.includes('running_');
      if (isBuffer) kk.set(kq);
      else momentumUpdateReference(kk, kq, m);
      expectAllClose(kk, fx.f64(`key/${name}`), { atol: 1e-7, rtol: 1e-6, what: name });
    });
    expect(() => momentumUpdateReference(new Float64Array(2), new Float64Array(3), 0.9)).toThrow(InvalidArgumentError);
  });
});
