// The fused WebGPU InfoNCE (src/train/contrastive/infonce_gpu.ts) against the float64 reference at awkward
// sizes and against the PyTorch MoCo fixture at B=128, K=16384, D=128 (loss 1e-5 relative, gradients 1e-4
// of their peak).
import { describe, expect, it } from 'vitest';
import { getDevice } from '../../../src/gpu/device.ts';
import { normalArray64 } from '../../../src/models/rng.ts';
import { GpuMemoryBank } from '../../../src/train/contrastive/bank_gpu.ts';
import { infoNCEBankGpu, infoNCEGpu, infoNCETuning } from '../../../src/train/contrastive/infonce_gpu.ts';
import { MemoryBankReference, infoNCEReference, l2NormalizeRows } from '../../../src/train/contrastive/reference.ts';
import { InvalidArgumentError, NonFiniteError } from '../../../src/errors.ts';
import { maxRelToPeak } from '../../helpers/close.ts';
import { loadFixture } from '../../helpers/fixture.ts';

const unitRows32 = (n: number, d: number, seed: number, stream: number): Float32Array => Float32Array.from(l2NormalizeRows(normalArray64(n * d, { seed, stream }), d));

function check(what: string, got: ArrayLike<number>, ref: ArrayLike<number>, tol: number): void {
  const e = maxRelToPeak(got, ref);
  if (!(e <= tol)) throw new Error(`${what}: max |err| / peak = ${e} > ${tol}`);
}

describe('fused InfoNCE on WebGPU', () => {
  const cases: [number, number, number, number][] = [
    // Few distinct D on purpose: each D compiles three pipelines (seconds on lavapipe/SwiftShader).
    [1, 1, 7, 0.5], // one query, one negative
    [5, 300, 7, 0.07], // K not a multiple of the tile (64) or chunk (256), B not a multiple of 4, odd D
    [9, 513, 65, 0.2], // D > 64 (two dims per thread), three chunks, the last with one column
    [3, 64 * 256 + 300, 65, 0.1], // 66 chunks: more partials per row than `rows` weighs at once (64)
  ];
  for (const [B, K, D, tau] of cases) {
    it(`B=${B} K=${K} D=${D} tau=${tau} vs the float64 reference`, async () => {
      const dev = await getDevice();
      const q = unitRows32(B, D, 31, 0), k = unitRows32(B, D, 31, 1), n = unitRows32(K, D, 31, 2);
      const r = await infoNCEGpu(dev, q, k, n, { B, K, D, tau });
      const ref = infoNCEReference(q, k, n, { B, D, tau });
      expect(Math.abs(r.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
      check('dq', r.dQ, ref.dQ, 1e-4);
      check('dk', r.dKPos, ref.dKPos, 1e-4);
    });
  }

  it('B=128, K=16384, D=128, tau=0.07 vs the PyTorch MoCo fixture', async () => {
    const fx = await loadFixture('contrastive/moco_loss.bin');
    const { B, K, D, tau } = fx.meta as { B: number; K: number; D: number; tau: number };
    const q = unitRows32(B, D, 11, 0), k = unitRows32(B, D, 11, 1), n = unitRows32(K, D, 11, 2);
    const dev = await getDevice();
    await infoNCEGpu(dev, q.subarray(0, 4 * D), k.subarray(0, 4 * D), n.subarray(0, 256 * D), { B: 4, K: 256, D, tau }); // warm pipelines
    const t0 = performance.now();
    const r = await infoNCEGpu(dev, q, k, n, { B, K, D, tau });
    const ms = performance.now() - t0;
    console.log(`infoNCEGpu B=${B} K=${K} D=${D} on ${dev.adapter?.description || dev.adapter?.vendor}: ${ms.toFixed(0)} ms incl. upload/readback; loss ${r.loss} (torch ${fx.f64('loss')[0]})`);
    expect(Math.abs(r.loss - fx.f64('loss')[0]) / fx.f64('loss')[0]).toBeLessThan(1e-5);
    check('dq', r.dQ, fx.f64('dq'), 1e-4);
    check('dk', r.dKPos, fx.f64('dk'), 1e-4);
    check('lse', r.lse, fx.f64('lse'), 1e-5);
  });

  it('scales the gradients by the incoming gradient (gradScale), not the loss', async () => {
    const dev = await getDevice();
    const B = 5, K = 300, D = 7, tau = 0.07;
    const q = unitRows32(B, D, 32, 0), k = unitRows32(B, D, 32, 1), n = unitRows32(K, D, 32, 2);
    const r = await infoNCEGpu(dev, q, k, n, { B, K, D, tau, gradScale: -2.5 });
    const ref = infoNCEReference(q, k, n, { B, D, tau });
    expect(Math.abs(r.loss - ref.loss) / ref.loss).toBeLessThan(1e-5);
    check('dq * -2.5', r.dQ, ref.dQ.map((v) => -2.5 * v), 1e-4);
    check('dk * -2.5', r.dKPos, ref.dKPos.map((v) => -2.5 * v), 1e-4);
  });

  it('rejects mismatched sizes with InvalidArgumentError', async () => {
    const dev = await getDevice();
    await expect(infoNCEGpu(dev, new Float32Array(8), new Float32Array(8), new Float32Array(12), { B: 2, K: 3, D: 3, tau: 0.1 })).rejects.toThrow(InvalidArgumentError);
    await expect(infoNCEGpu(dev, new Float32Array(6), new Float32Array(6), new Float32Array(9), { B: 2, K: 3, D: 3, tau: 0 })).rejects.toThrow(/tau/);
    const nan = new Float32Array(6).fill(0.1);
    nan[4] = NaN;
    await expect(infoNCEGpu(dev, nan, new Float32Array(6), new Float32Array(9), { B: 2, K: 3, D: 3, tau: 0.1 })).rejects.toThrow(/NaN or Infinity/);
  });
});

// The sweep has two layouts (auto: CPU register-blocked on software adapters, the GPU one elsewhere); each
// is forced here so both are checked on whatever adapter runs the tests.
describe('both sweep layouts (forced), vs the float64 reference and the MoCo fixture', () => {
  for (const layout of ['cpu', 'gpu'] as const) {
    const forced = async <T>(fn: () => Promise<T>): Promise<T> => {
      const saved = infoNCETuning.layout;
      infoNCETuning.layout = layout;
      try {
        return await fn();
      } finally {
        infoNCETuning.layout = saved;
      }
    };
    for (const [B, K, D, tau] of [[1, 1, 4, 0.5], [9, 513, 16, 0.2], [17, 300, 128, 0.07]] as const) {
      it(`${layout}: B=${B} K=${K} D=${D} tau=${tau}`, async () => {
        const dev = await getDevice();
        const q = unitRows32(B, D, 32, 0), k = unitRows32(B, D, 32, 1), n = unitRows32(K, D, 32, 2);
        const r = await forced(() => infoNCEGpu(dev, q, k, n, { B, K, D, tau }));
        const ref = infoNCEReference(q, k, n, { B, D, tau });
        expect(Math.abs(r.loss - ref.loss) / Math.abs(ref.loss)).toBeLessThan(1e-5);
        check('dq', r.dQ, ref.dQ, 1e-4);
        check('dk', r.dKPos, ref.dKPos, 1e-4);
        n[(K - 1) * D] = NaN; // the last column of the last chunk
        const e = await forced(() => infoNCEGpu(dev, q, k, n, { B, K, D, tau })).catch((x: unknown) => x);
        expect(e).toBeInstanceOf(NonFiniteError);
        expect((e as NonFiniteError).input).toBe('negatives');
      });
    }
    it(`${layout}: B=128 K=16384 D=128 vs the PyTorch MoCo fixture`, async () => {
      const fx = await loadFixture('contrastive/moco_loss.bin');
      const { B, K, D, tau } = fx.meta as { B: number; K: number; D: number; tau: number };
      const q = unitRows32(B, D, 11, 0), k = unitRows32(B, D, 11, 1), n = unitRows32(K, D, 11, 2);
      const dev = await getDevice();
      const r = await forced(() => infoNCEGpu(dev, q, k, n, { B, K, D, tau }));
      expect(Math.abs(r.loss - fx.f64('loss')[0]) / fx.f64('loss')[0]).toBeLessThan(1e-5);
      check('dq', r.dQ, fx.f64('dq'), 1e-4);
      check('dk', r.dKPos, fx.f64('dk'), 1e-4);
    });
  }
});

describe('fused InfoNCE on WebGPU, negatives read from a split memory bank', () => {
  for (const [N, D, K, B, rows] of [[300, 8, 37, 5, 100], [97, 7, 300, 3, 97], [500, 65, 260, 2, 130]] as const) {
    it(`N=${N} D=${D} K=${K} B=${B}, ${Math.ceil(N / rows)} bank buffer(s) vs the float64 reference`, async () => {
      const dev = await getDevice();
      const bank = await GpuMemoryBank.create(dev, { size: N, dim: D, momentum: 0.5, seed: 8, maxRowsPerBuffer: rows });
      const ref = new MemoryBankReference({ size: N, dim: D, momentum: 0.5, seed: 8 });
      const ys = Array.from({ length: B }, (_, i) => (i * 37) % N);
      const sel = await bank.sample(ys, K, { seed: 5 });
      try {
        const q = unitRows32(B, D, 33, 0), k = unitRows32(B, D, 33, 1);
        const r = await infoNCEBankGpu(dev, q, k, { sel, bank: bank.buffers, rowsPerBuffer: bank.rowsPerBuffer }, { B, K, D, tau: 0.07 });
        // The reference with the same draws, negatives gathered from the float32 bank values.
        const negs = Float64Array.from(ref.gather(ref.sampleIndices(ys, K, { seed: 5 })), Math.fround);
        const want = infoNCEReference(q, k, negs, { B, D, tau: 0.07, perSample: true });
        expect(Math.abs(r.loss - want.loss) / want.loss).toBeLessThan(1e-5);
        check('dq', r.dQ, want.dQ, 1e-4);
        check('dk', r.dKPos, want.dKPos, 1e-4);
      } finally {
        sel.destroy();
        bank.destroy();
      }
    });
  }
});
