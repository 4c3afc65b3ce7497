// The float64 reference interpreter (src/models/reference.ts) runs our specs with our initialisation and
// must reproduce torchvision's networks: test/fixtures/models/*.bin from test/fixtures/gen/models_forward.py.
// Tiny presets (torch float64, stored float32): eval + train forward, loss, every parameter gradient and the
// BN running-stat update, each within 1e-5 of the tensor's peak. Paper ResNet-10 (torch float32) within 1e-5
// of peak. The reverse pass is also checked against float64 central differences on a small graph.
import { describe, expect, it } from 'vitest';
import type { Node } from '../../src/models/graph.ts';
import { stateEntries } from '../../src/models/graph.ts';
import { initState } from '../../src/models/init.ts';
import { newRun, refBackward, refInput, refNode, type RefState } from '../../src/models/reference.ts';
import { uniformArray, uniformArray64 } from '../../src/models/rng.ts';
import { modelSpec, type ModelArch, type ModelPreset } from '../../src/models/spec.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { loadFixture, type Fixture } from '../helpers/fixture.ts';

const MODEL_SEED = 42, INPUT_SEED = 7;

function runModel(arch: ModelArch, preset: ModelPreset, inShape: number[], stream: number, mode: 'eval' | 'train') {
  const spec = modelSpec(arch, preset);
  const state = initState(spec.state, { seed: MODEL_SEED, scheme: 'test' }) as RefState;
  const run = newRun(state, mode);
  const x = refInput(uniformArray(inShape.reduce((a, b) => a * b, 1), { seed: INPUT_SEED, stream }), inShape);
  const trunk = refNode(run, spec.trunk, x);
  const feature = refNode(run, spec.pool, trunk);
  const embedding = refNode(run, spec.head, feature);
  return { spec, run, trunk, feature, embedding };
}

function expectNear(what: string, got: ArrayLike<number>, ref: ArrayLike<number>, tol: number): void {
  expect(got.length).toBe(ref.length);
  const e = maxRelToPeak(got, ref);
  if (!(e <= tol)) throw new Error(`${what}: max |err| / peak = ${e} > ${tol}`);
}

const tinyCases: [ModelArch, string, number[], number][] = [
  ['s3d', 'models/s3d_tiny.bin', [4, 3, 8, 32, 32], 2],
  ['audio-resnet10', 'models/resnet10_tiny.bin', [4, 1, 64, 64], 3],
];

describe('reference forward/backward == torchvision (tiny presets, float64)', () => {
  for (const [arch, path, shape, stream] of tinyCases) {
    it(`${arch}/tiny eval: trunk, feature, embedding`, async () => {
      const fx = await loadFixture(path);
      const r = runModel(arch, 'tiny', shape, stream, 'eval');
      expectNear('trunk', r.trunk.data, fx.f64('eval/trunk'), 1e-5);
      expectNear('feature', r.feature.data, fx.f64('eval/feature'), 1e-5);
      expectNear('embedding', r.embedding.data, fx.f64('eval/embedding'), 1e-5);
    });

    it(`${arch}/tiny train: loss, every parameter gradient, BN running stats`, async () => {
      const fx: Fixture = await loadFixture(path);
      const r = runModel(arch, 'tiny', shape, stream, 'train');
      expectNear('train/trunk', r.trunk.data, fx.f64('train/trunk'), 1e-5);
      expectNear('train/embedding', r.embedding.data, fx.f64('train/embedding'), 1e-5);
      const c = uniformArray(shape[0] * 128, { seed: INPUT_SEED, stream: stream + 2 });
      let loss = 0;
      r.embedding.data.forEach((v, i) => (loss += c[i] * v));
      expect(Math.abs(loss - fx.f64('train/loss')[0])).toBeLessThan(1e-9 * Math.max(1, Math.abs(loss)));
      refBackward(r.run, r.embedding, c);
      const trainable = r.spec.state.filter((e) => e.trainable);
      expect(trainable.map((e) => `grad/${e.name}`)).toEqual(fx.names.filter((n) => n.startsWith('grad/')));
      let worst = 0;
      // Some gradients are analytically zero (a BN bias whose shift the next train-mode BN removes: torch
      // gives ~3e-16 of rounding noise), so the scale is max(tensor peak, 1e-8 x the largest gradient).
      const globalPeak = Math.max(...trainable.map((e) => Math.max(...fx.f64(`grad/${e.name}`).map(Math.abs))));
      for (const e of trainable) {
        const g = r.run.grads.get(e.name);
        if (!g) throw new Error(`no gradient for ${e.name}`);
        const ref = fx.f64(`grad/${e.name}`);
        const peak = Math.max(...ref.map(Math.abs));
        const err = (maxRelToPeak(g, ref) * peak) / Math.max(peak, 1e-8 * globalPeak);
        worst = Math.max(worst, err);
        if (!(err <= 1e-5)) throw new Error(`grad ${e.name}: max |err| / peak = ${err}`);
      }
      console.log(`${arch}/tiny: ${trainable.length} gradients, worst error / peak ${worst.toExponential(2)}`);
      for (const e of r.spec.state.filter((s) => !s.trainable)) {
        const got = r.run.updated.get(e.name);
        if (!got) throw new Error(`no updated buffer ${e.name}`);
        if (got instanceof BigInt64Array) expect(Array.from(got)).toEqual(Array.from(fx.get(`state/${e.name}`).data as BigInt64Array));
        else expectNear(`state/${e.name}`, got, fx.f64(`state/${e.name}`), 1e-6);
      }
    });
  }

  it('audio-resnet10/paper eval on 2x1x128x128 == torch float32 (1e-5 of peak)', async () => {
    const fx = await loadFixture('models/resnet10_paper_eval.bin');
    const r = runModel('audio-resnet10', 'paper', [2, 1, 128, 128], 1, 'eval');
    expect(r.trunk.shape).toEqual([2, 512, 1, 4, 4]);
    expectNear('trunk', r.trunk.data, fx.f64('trunk'), 1e-5);
    expectNear('feature', r.feature.data, fx.f64('feature'), 1e-5);
    expectNear('embedding', r.embedding.data, fx.f64('embedding'), 1e-5);
  });
});

describe('reference backward == float64 central differences', () => {
  // A small graph using every op: conv3d (bias, stride, padding), BN (train), ReLU, max-pool, concat,
  // residual with a 1x1 shortcut, global pool, linear, L2 normalisation.
  const bn = (name: string, c: number): Node => ({ op: 'bn', name, channels: c, eps: 1e-3, momentum: 0.1 });
  const graph: Node = {
    op: 'seq',
    children: [
      { op: 'conv', name: 'c1', inC: 2, outC: 3, kernel: [2, 3, 3], stride: [1, 2, 1], padding: [1, 1, 0], bias: true },
      bn('b1', 3),
      { op: 'relu' },
      {
        op: 'concat',
        branches: [
          { op: 'conv', name: 'c2', inC: 3, outC: 2, kernel: [1, 1, 1], stride: [1, 1, 1], padding: [0, 0, 0], bias: false },
          { op: 'seq', children: [{ op: 'maxpool', kernel: [3, 3, 3], stride: [1, 1, 1], padding: [1, 1, 1] }, { op: 'conv', name: 'c3', inC: 3, outC: 1, kernel: [1, 3, 1], stride: [1, 1, 1], padding: [0, 1, 0], bias: false }] },
        ],
      },
      { op: 'residual', body: { op: 'seq', children: [{ op: 'conv', name: 'c4', inC: 3, outC: 4, kernel: [1, 1, 1], stride: [1, 1, 1], padding: [0, 0, 0], bias: false }, bn('b4', 4)] }, shortcut: { op: 'conv', name: 'sc', inC: 3, outC: 4, kernel: [1, 1, 1], stride: [1, 1, 1], padding: [0, 0, 0], bias: true } },
      { op: 'relu' },
      { op: 'globalAvgPool' },
      { op: 'linear', name: 'fc', inF: 4, outF: 5, bias: true },
      { op: 'l2normalize', eps: 1e-12 },
    ],
  };
  const entries = stateEntries(graph);
  const base = initState(entries, { seed: 3, scheme: 'test' });
  const xShape = [3, 2, 3, 5, 4];
  const x = uniformArray64(xShape.reduce((a, b) => a * b, 1), { seed: 4, stream: 0 });
  const c = uniformArray64(3 * 5, { seed: 4, stream: 1 });
  const lossOf = (state: RefState): number => {
    const run = newRun(state, 'train');
    const y = refNode(run, graph, refInput(x, xShape));
    return y.data.reduce((s, v, i) => s + c[i] * v, 0);
  };

  it('every parameter gradient within 1e-6 relative (h = 1e-5)', () => {
    const state: RefState = new Map([...base].map(([k, v]) => [k, v instanceof BigInt64Array ? v : Float64Array.from(v)]));
    const run = newRun(state, 'train');
    const y = refNode(run, graph, refInput(x, xShape));
    refBackward(run, y, c);
    for (const e of entries.filter((en) => en.trainable)) {
      const p = state.get(e.name) as Float64Array;
      const g = run.grads.get(e.name)!;
      const h = 1e-5;
      for (let i = 0; i < p.length; i++) {
        const keep = p[i];
        p[i] = keep + h;
        const up = lossOf(state);
        p[i] = keep - h;
        const dn = lossOf(state);
        p[i] = keep;
        const fd = (up - dn) / (2 * h);
        if (!(Math.abs(g[i] - fd) <= 1e-6 * Math.max(1, Math.abs(fd)))) throw new Error(`${e.name}[${i}]: backward ${g[i]} vs central difference ${fd}`);
      }
    }
  });
});
