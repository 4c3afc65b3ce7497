// The issue-5 overfit recipe (test/fixtures/gen/models_overfit.py: tiny S3D + tiny audio ResNet-10 with
// heads, cross-modal in-batch InfoNCE, B=8, tau 0.07, SGD lr 0.05, float64 torch) run by our float64 CPU
// references (models/reference.ts + train/contrastive/reference.ts): step-0 loss and gradients, then the
// losses after one and two SGD updates, within 1e-6 relative. Torch's full 60-step run reaches loss < 0.05
// at step 14 and retrieves all 8 pairs (fixture meta), which the WebGPU version must reproduce.
import { describe, expect, it } from 'vitest';
import { initState } from '../../src/models/init.ts';
import { newRun, refBackward, refInput, refNode, type RefState } from '../../src/models/reference.ts';
import { uniformArray } from '../../src/models/rng.ts';
import { modelSpec, type ModelSpec } from '../../src/models/spec.ts';
import { crossModalInBatchReference } from '../../src/train/contrastive/reference.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { loadFixture } from '../helpers/fixture.ts';

const B = 8;

function toF64(state: Map<string, Float32Array | BigInt64Array>): RefState {
  return new Map([...state].map(([k, v]) => [k, v instanceof BigInt64Array ? v : Float64Array.from(v)]));
}

function forward(spec: ModelSpec, state: RefState, x: Float32Array, shape: number[]) {
  const run = newRun(state, 'train');
  const emb = refNode(run, { op: 'seq', children: [spec.trunk, spec.pool, spec.head] }, refInput(x, shape));
  return { run, emb };
}

describe('overfit recipe: CPU reference == PyTorch (first SGD steps)', () => {
  it('step-0 loss and gradients, losses after 1 and 2 updates', async () => {
    const fx = await loadFixture('models/overfit.bin');
    const meta = fx.meta as { tau: number; lr: number; accuracy: Record<string, number> };
    const refLoss = fx.f64('loss');
    const vSpec = modelSpec('s3d', 'tiny'), aSpec = modelSpec('audio-resnet10', 'tiny');
    const vState = toF64(initState(vSpec.state, { seed: 42 })), aState = toF64(initState(aSpec.state, { seed: 43 }));
    const xv = uniformArray(B * 3 * 8 * 32 * 32, { seed: 7, stream: 10 }), xa = uniformArray(B * 64 * 64, { seed: 7, stream: 11 });
    const losses: number[] = [];
    for (let step = 0; step < 3; step++) {
      const v = forward(vSpec, vState, xv, [B, 3, 8, 32, 32]);
      const a = forward(aSpec, aState, xa, [B, 1, 64, 64]);
      const l = crossModalInBatchReference(v.emb.data, a.emb.data, { B, D: 128, tau: meta.tau });
      losses.push(l.loss);
      refBackward(v.run, v.emb, l.dV);
      refBackward(a.run, a.emb, l.dA);
      if (step === 0) {
        for (const [mod, run] of [['video', v.run], ['audio', a.run]] as const) {
          for (const name of fx.names.filter((n) => n.startsWith(`grad0/${mod}/`))) {
            const p = name.slice(`grad0/${mod}/`.length);
            const e = maxRelToPeak(run.grads.get(p)!, fx.f64(name));
            if (!(e < 1e-5)) throw new Error(`step-0 gradient ${mod} ${p}: error / peak ${e}`);
          }
        }
      }
      for (const [spec, state, run] of [[vSpec, vState, v.run], [aSpec, aState, a.run]] as const) {
        for (const e of spec.state) if (e.trainable) {
          const p = state.get(e.name) as Float64Array, g = run.grads.get(e.name)!;
          for (let i = 0; i < p.length; i++) p[i] -= meta.lr * g[i];
        }
      }
    }
    console.log(`overfit reference losses ${losses.map((x) => x.toFixed(6)).join(', ')} (torch ${Array.from(refLoss.slice(0, 3), (x) => x.toFixed(6)).join(', ')})`);
    losses.forEach((l, i) => expect(Math.abs(l - refLoss[i]) / refLoss[i]).toBeLessThan(1e-6));
    // The recipe itself (from torch's 60 steps): below 0.05 by step 14, perfect train-mode retrieval.
    expect(refLoss[refLoss.length - 1]).toBeLessThan(0.05);
    expect(meta.accuracy.v2a_train).toBe(1);
    expect(meta.accuracy.a2v_train).toBe(1);
  });
});
