// The content of test/fixtures/models/ts_written.safetensors: the state_dict of the torch module
// `Sequential(Conv3d(3, 4, [1,3,3]), BatchNorm3d(4), Flatten(), Linear(4, 3))` (see
// test/fixtures/gen/models_safetensors.py::torch_module) with entry j = counter stream j under seed 77,
// num_batches_tracked = 11, plus a U8 and an empty tensor. Shared by the test and the writer script.
import type { SafetensorsInput } from '../../src/models/safetensors.ts';
import { uniformArray } from '../../src/models/rng.ts';
import { initState } from '../../src/models/init.ts';
import { modelSpec } from '../../src/models/spec.ts';
import { stateToSafetensors } from '../../src/models/state.ts';

export const TS_WRITTEN_METADATA = { format: 'pt', written_by: 'sscl-sdk serializeSafetensors' };

export function tsWrittenContent(): [string, SafetensorsInput][] {
  const state: [string, number[]][] = [
    ['0.weight', [4, 3, 1, 3, 3]], ['0.bias', [4]], ['1.weight', [4]], ['1.bias', [4]], ['1.running_mean', [4]],
    ['1.running_var', [4]], ['1.num_batches_tracked', []], ['3.weight', [3, 4]], ['3.bias', [3]],
  ];
  const out: [string, SafetensorsInput][] = state.map(([name, shape], j) => {
    if (name.endsWith('num_batches_tracked')) return [name, { dtype: 'I64', shape, data: BigInt64Array.of(11n) }];
    const n = shape.reduce((a, b) => a * b, 1);
    return [name, { dtype: 'F32', shape, data: uniformArray(n, { seed: 77, stream: j }) }];
  });
  out.push(['extra.u8', { dtype: 'U8', shape: [5], data: Uint8Array.of(0, 1, 2, 254, 255) }]);
  out.push(['extra.empty', { dtype: 'F32', shape: [0, 3], data: new Float32Array(0) }]);
  return out;
}

/** The tiny audio ResNet-10 with head, 'test' init under seed 5, saved by stateToSafetensors. */
export const TS_RESNET_METADATA = { format: 'pt', arch: 'audio-resnet10', preset: 'tiny', init: 'test/5' };
export function tsResnetTinyBytes(): Uint8Array<ArrayBuffer> {
  const spec = modelSpec('audio-resnet10', 'tiny');
  return stateToSafetensors(spec.state, initState(spec.state, { seed: 5, scheme: 'test' }), TS_RESNET_METADATA);
}
