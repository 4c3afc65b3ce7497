// The architecture specs against torchvision 0.14 (test/fixtures/models/arch.json, written by
// test/fixtures/gen/models_arch.py from the real torch modules): every state_dict key, shape and dtype in
// order, parameter counts, BN hyper-parameters and trunk output shapes.
import { describe, expect, it } from 'vitest';
import { ModelSpecError } from '../../src/errors.ts';
import { countParameters, stateEntries, type Node } from '../../src/models/graph.ts';
import { s3dClassifier } from '../../src/models/s3d/spec.ts';
import { MODEL_ARCHS, MODEL_PRESETS, modelCost, modelSpec } from '../../src/models/spec.ts';
import { readRepoJson } from '../helpers/files.ts';

interface ArchFixture {
  torchvision_s3d: { params_with_classifier: number; params_features: number; trunk_output_16x112x112: number[] };
  torchvision_resnet10: { params_without_fc: number };
  models: Record<string, { state: [string, number[], string][]; trainable: string[]; trunk_params: number; head_params: number; input: number[]; trunk_output: number[]; bn_eps: number[]; bn_momentum: number[] }>;
}
const fx = await readRepoJson<ArchFixture>('test/fixtures/models/arch.json');

function bnHyper(node: Node, out: { eps: Set<number>; momentum: Set<number> } = { eps: new Set(), momentum: new Set() }) {
  if (node.op === 'bn') out.eps.add(node.eps), out.momentum.add(node.momentum);
  if (node.op === 'seq') node.children.forEach((c) => bnHyper(c, out));
  if (node.op === 'concat') node.branches.forEach((c) => bnHyper(c, out));
  if (node.op === 'residual') [node.body, node.shortcut].forEach((c) => c && bnHyper(c, out));
  return out;
}

describe('model specs vs torchvision', () => {
  it('paper parameter counts are the published ones', () => {
    const s3d = modelSpec('s3d', 'paper');
    // torchvision's S3D_Weights meta num_params (with the 400-way classifier) and its features trunk.
    expect(countParameters(s3d.trunk) + countParameters(s3dClassifier(400))).toBe(8_320_048);
    expect(countParameters(s3d.trunk)).toBe(7_910_048);
    expect(countParameters(modelSpec('audio-resnet10', 'paper').trunk)).toBe(4_899_520);
    // ... and the same numbers counted by torch itself.
    expect(fx.torchvision_s3d.params_with_classifier).toBe(8_320_048);
    expect(fx.torchvision_s3d.params_features).toBe(7_910_048);
    expect(fx.torchvision_resnet10.params_without_fc).toBe(4_899_520);
  });

  it('S3D trunk on 16x112x112 ends at 1024 x 2 x 3 x 3 (so the pool must be adaptive)', () => {
    const c = modelCost(modelSpec('s3d', 'paper'), [3, 16, 112, 112]);
    expect(c.trunkOutput).toEqual([1024, 2, 3, 3]);
    expect(c.trunkOutput).toEqual(fx.torchvision_s3d.trunk_output_16x112x112);
  });

  for (const arch of MODEL_ARCHS) {
    for (const preset of MODEL_PRESETS) {
      it(`${arch}/${preset}: state_dict keys, shapes, dtypes, trainables, counts, BN and output shape equal torch's`, () => {
        const spec = modelSpec(arch, preset);
        const ref = fx.models[`${arch}/${preset}`];
        expect(spec.state.map((e) => [e.name, e.shape, e.dtype])).toEqual(ref.state);
        expect(spec.state.filter((e) => e.trainable).map((e) => e.name)).toEqual(ref.trainable);
        const cost = modelCost(spec);
        expect(cost.trunkParameters).toBe(ref.trunk_params);
        expect(cost.headParameters).toBe(ref.head_params);
        expect(spec.input).toEqual(ref.input);
        expect(cost.trunkOutput).toEqual(ref.trunk_output);
        const h = bnHyper(spec.trunk);
        expect([...h.eps]).toEqual(ref.bn_eps);
        expect([...h.momentum]).toEqual(ref.bn_momentum);
      });
    }
  }

  it('state list is the concatenation of trunk and head entries, with unique names', () => {
    const s = modelSpec('s3d', 'tiny');
    expect(s.state).toHaveLength(stateEntries(s.trunk).length + 4);
    expect(new Set(s.state.map((e) => e.name)).size).toBe(s.state.length);
    expect(s.state.slice(-4).map((e) => e.name)).toEqual(['head.0.weight', 'head.0.bias', 'head.2.weight', 'head.2.bias']);
  });

  it('FLOPs: paper S3D conv MACs match an independent per-layer sum', () => {
    // Hand-check of the stem: conv [1,7,7] s[1,2,2] on 3x16x112x112 -> 64x16x56x56, then [7,1,1] s[2,1,1] -> 64x8x56x56.
    const c = modelCost(modelSpec('s3d', 'paper'));
    const stem = 64 * 16 * 56 * 56 * 3 * 49 + 64 * 8 * 56 * 56 * 64 * 7;
    expect(c.macs).toBeGreaterThan(stem);
    expect(c.flops).toBe(2 * c.macs);
    // ResNet-10 on 1x128x128: stem 64x64x64 x 49, layer1 2 x (64x32x32 x 64x9), layer2 128x16x16 x (64x9 + 128x9 + 64), ...
    const r = modelCost(modelSpec('audio-resnet10', 'paper'));
    const trunk = 64 * 64 * 64 * 49 + 2 * 64 * 32 * 32 * 64 * 9 + 128 * 16 * 16 * (64 * 9 + 128 * 9 + 64) + 256 * 8 * 8 * (128 * 9 + 256 * 9 + 128) + 512 * 4 * 4 * (256 * 9 + 512 * 9 + 256);
    expect(r.macs).toBe(trunk + 512 * 512 + 512 * 128);
  });

  it('rejects unknown archs/presets and too-small inputs with ModelSpecError', () => {
    expect(() => modelSpec('resnet50' as 's3d')).toThrow(ModelSpecError);
    expect(() => modelSpec('s3d', 'huge' as 'tiny')).toThrow(ModelSpecError);
    expect(() => modelCost(modelSpec('s3d', 'tiny'), [3, 1, 4, 4])).toThrow(ModelSpecError);
    expect(() => modelCost(modelSpec('s3d', 'tiny'), [1, 8, 32, 32])).toThrow(/3 input channels/);
  });
});

describe('public barrel', () => {
  it('exports the engine-free model API from the package entry', async () => {
    const sdk = await import('../../src/index.ts');
    expect(sdk.modelSpec('s3d', 'tiny').featureDim).toBe(128);
    expect(sdk.modelCost(sdk.modelSpec('audio-resnet10', 'paper')).trunkParameters).toBe(4_899_520);
    expect(typeof sdk.parseSafetensors).toBe('function');
    expect(typeof sdk.stateToSafetensors).toBe('function');
    expect(new sdk.SafetensorsError('x', 't').tensor).toBe('t');
  });
});
