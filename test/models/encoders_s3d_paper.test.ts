// Paper S3D (7.9 M trunk parameters, ~9 GFLOPs per 16x112x112 clip) in eval mode on the GPU vs torchvision
// float32 (test/fixtures/models/s3d_paper_eval.bin from models_forward.py, 'test' init seed 42, input stream 0):
// trunk (1, 1024, 2, 3, 3) and the embedding (adaptive pool + head) within 1e-3 of peak.
// Runs in Node, Deno and Chromium: one 9-GFLOP pass takes 10-90 s on lavapipe here and ~57 s on Chromium's
// SwiftShader (first pass incl. compile; the whole test 83 s at load ~12 on 2 cores), hence the 10-min timeout.
import { describe, expect, it } from 'vitest';
import { createModel, getDevice, noGrad, Tensor } from '../../src/index.ts';
import { uniformArray } from '../../src/models/rng.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { loadFixture } from '../helpers/fixture.ts';

describe('createModel: paper S3D eval == torchvision', () => {
  it('s3d/paper eval on 1x3x16x112x112: trunk, feature, embedding within 1e-3 of peak', async () => {
    const device = await getDevice();
    const fx = await loadFixture('models/s3d_paper_eval.bin');
    const model = (await createModel('s3d', { preset: 'paper', device, seed: 42, init: 'test' })).eval();
    const x = Tensor.fromArray(device, uniformArray(3 * 16 * 112 * 112, { seed: 7, stream: 0 }), [1, 3, 16, 112, 112]);
    const t0 = performance.now();
    const trunk = noGrad(() => model.trunk(x));
    expect(trunk.shape).toEqual([1, 1024, 2, 3, 3]);
    const tr = await trunk.toArray();
    const ms = performance.now() - t0;
    // One more pass (not three: each is ~9 GFLOPs on a software adapter): the embedding goes through the
    // GPU's adaptive pool and the head, so the pooled feature is covered by it (and by the tiny tests).
    const emb = noGrad(() => model.forward(x, { head: true }));
    expect(emb.shape).toEqual([1, 128]);
    const errs = [maxRelToPeak(tr, fx.f64('trunk')), maxRelToPeak(await emb.toArray(), fx.f64('embedding'))];
    console.log(`s3d/paper GPU eval: first trunk pass ${ms.toFixed(0)} ms (incl. compile); error / peak trunk ${errs[0].toExponential(2)}, embedding ${errs[1].toExponential(2)}`);
    for (const e of errs) expect(e).toBeLessThan(1e-3);
    for (const t of [trunk, emb, x]) t.dispose();
    model.dispose();
  }, 600_000);
});
