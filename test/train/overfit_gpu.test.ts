// The issue-5 overfit test on the GPU: tiny S3D + tiny audio ResNet-10 with heads ('default' init, seeds 42 /
// 43), one fixed batch of 8 (video, audio) pairs (uniform inputs seed 7, streams 10 / 11, as
// test/fixtures/gen/models_overfit.py), cross-modal InfoNCE with in-batch negatives in both directions
// (tau 0.07) composed from engine ops, plain SGD lr 0.05. Checked: the step-0 loss equals torch's float64
// value (overfit.bin) within 1e-4 relative, the loss falls below 0.05 (torch: at step 14), and every
// video retrieves its audio and vice versa. Retrieval runs with train-mode BN (batch statistics), as torch's
// fixture does: S3D's BN momentum 1e-3 leaves the running stats nearly untouched after ~20 steps, so eval
// mode retrieves 1/8 in torch too (docs/models.md).
// Later steps drift from torch's float64 trajectory (measured: 0.2% at step 1, 3% at step 2): tiny S3D's
// train-mode BN over 4-8 values per channel amplifies float32 rounding (see test/models/encoders.test.ts),
// so only step 0 is compared value-for-value; the claim checked afterwards is the recipe's outcome.
// Runs in Node, Deno and Chromium: in Node (lavapipe) the run takes 32-132 s on the 2-core machine (Deno 139 s);
// Chromium (SwiftShader) 158 s for the 17 steps at load ~12, hence the 10-min timeout.
import { describe, expect, it } from 'vitest';
import { createModel, F, getDevice, noGrad, optim, Tensor, tidy } from '../../src/index.ts';
import { uniformArray } from '../../src/models/rng.ts';
import { loadFixture } from '../helpers/fixture.ts';

const B = 8, TAU = 0.07, LR = 0.05, MAX_STEPS = 40;
const targets = Array.from({ length: B }, (_, i) => i);

/** 0.5 (CE(v a^T / tau, i) + CE(a v^T / tau, i)): row i's positive is column i, the other 7 are negatives. */
function crossModalInfoNCE(v: Tensor, a: Tensor): Tensor {
  const va = F.mul(F.linear(v, a), 1 / TAU); // (B, B) = v a^T / tau
  const av = F.mul(F.linear(a, v), 1 / TAU);
  return F.mul(F.add(F.crossEntropy(va, targets), F.crossEntropy(av, targets)), 0.5);
}

/** Fraction of rows whose argmax is the diagonal, for s (B, B) row-major and its transpose. */
function retrieval(s: Float32Array): { v2a: number; a2v: number } {
  let v2a = 0, a2v = 0;
  for (let i = 0; i < B; i++) {
    let br = 0, bc = 0;
    for (let j = 1; j < B; j++) {
      if (s[i * B + j] > s[i * B + br]) br = j;
      if (s[j * B + i] > s[bc * B + i]) bc = j;
    }
    v2a += +(br === i);
    a2v += +(bc === i);
  }
  return { v2a: v2a / B, a2v: a2v / B };
}

describe('overfit on the GPU: tiny video + audio encoders, cross-modal InfoNCE, SGD', () => {
  it('step-0 loss equals torch, falls below 0.05, and all 8 pairs retrieve each other', async () => {
    const device = await getDevice();
    const fx = await loadFixture('models/overfit.bin');
    const torchLoss = fx.f64('loss');
    const video = await createModel('s3d', { preset: 'tiny', device, seed: 42 });
    const audio = await createModel('audio-resnet10', { preset: 'tiny', device, seed: 43 });
    const xv = Tensor.fromArray(device, uniformArray(B * 3 * 8 * 32 * 32, { seed: 7, stream: 10 }), [B, 3, 8, 32, 32]);
    const xa = Tensor.fromArray(device, uniformArray(B * 64 * 64, { seed: 7, stream: 11 }), [B, 1, 64, 64]);
    const opt = new optim.SGD([...video.parameters(), ...audio.parameters()], { lr: LR });
    const losses: number[] = [];
    const t0 = performance.now();
    for (let step = 0; step < MAX_STEPS; step++) {
      const loss = tidy(() => {
        opt.zeroGrad();
        const l = crossModalInfoNCE(video.forward(xv, { head: true }), audio.forward(xa, { head: true }));
        l.backward();
        return l;
      });
      opt.step();
      losses.push(await loss.item());
      loss.dispose();
      if (losses[step] < 0.05) break;
    }
    const ms = performance.now() - t0;
    console.log(`GPU overfit: ${losses.length} steps in ${ms.toFixed(0)} ms; losses ${losses.map((l) => l.toFixed(4)).join(' ')}; torch first ${Array.from(torchLoss.slice(0, 3), (l) => l.toFixed(4)).join(' ')}, below 0.05 at step ${torchLoss.findIndex((l) => l < 0.05)}`);
    expect(Math.abs(losses[0] - torchLoss[0]) / torchLoss[0]).toBeLessThan(1e-4);
    expect(losses[losses.length - 1]).toBeLessThan(0.05);
    const s = await noGrad(() => F.linear(video.forward(xv, { head: true }), audio.forward(xa, { head: true }))).toArray();
    const r = retrieval(s);
    console.log(`GPU overfit retrieval (train-mode BN): video->audio ${r.v2a}, audio->video ${r.a2v}`);
    expect(r.v2a).toBe(1);
    expect(r.a2v).toBe(1);
    video.dispose();
    audio.dispose();
    xv.dispose();
    xa.dispose();
  }, 600_000);
});
