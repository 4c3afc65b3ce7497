// State dict <-> safetensors for whole models. The committed test/fixtures/models/ts_resnet10_tiny.safetensors
// was written by stateToSafetensors and verified by torch (models_safetensors.py --check-ts: strict
// load_state_dict into the torch module, same values as its own init, same bytes as the reference layout).
import { describe, expect, it } from 'vitest';
import { SafetensorsError } from '../../src/errors.ts';
import { initState } from '../../src/models/init.ts';
import { parseSafetensors, serializeSafetensors, type SafetensorsInput } from '../../src/models/safetensors.ts';
import { modelSpec } from '../../src/models/spec.ts';
import { stateFromSafetensors, stateToSafetensors } from '../../src/models/state.ts';
import { readRepoFile } from '../helpers/files.ts';
import { TS_RESNET_METADATA, tsResnetTinyBytes } from './ts_written_content.ts';
import { thrown } from '../helpers/errors.ts';

const spec = modelSpec('audio-resnet10', 'tiny');
const ref = initState(spec.state, { seed: 5, scheme: 'test' });

const safetensorsError = (fn: () => unknown): SafetensorsError => thrown(fn, SafetensorsError);

/** The tiny model's file with some entries changed: name -> input, or null to drop it. */
function variant(changes: Record<string, SafetensorsInput | null>): Uint8Array {
  const items: [string, SafetensorsInput][] = [];
  for (const e of spec.state) {
    if (e.name in changes) {
      const c = changes[e.name];
      if (c) items.push([e.name, c]);
      continue;
    }
    const v = ref.get(e.name)!;
    items.push([e.name, v instanceof BigInt64Array ? { dtype: 'I64', shape: e.shape, data: v } : { dtype: 'F32', shape: e.shape, data: v }]);
  }
  for (const [k, c] of Object.entries(changes)) if (c && !spec.state.some((e) => e.name === k)) items.push([k, c]);
  return serializeSafetensors(items, { format: 'pt' });
}

describe('model state <-> safetensors', () => {
  it('saving the tiny ResNet-10 reproduces the file torch verified, byte for byte', async () => {
    const committed = await readRepoFile('test/fixtures/models/ts_resnet10_tiny.safetensors');
    expect(Array.from(tsResnetTinyBytes())).toEqual(Array.from(committed));
    expect(parseSafetensors(committed).metadata).toEqual(TS_RESNET_METADATA);
  });

  it('loading it gives back every tensor exactly', async () => {
    const st = stateFromSafetensors(spec.state, await readRepoFile('test/fixtures/models/ts_resnet10_tiny.safetensors'));
    expect([...st.keys()]).toEqual(spec.state.map((e) => e.name));
    for (const [k, v] of ref) expect(Array.from(st.get(k)! as ArrayLike<unknown>)).toEqual(Array.from(v as ArrayLike<unknown>));
  });

  it("trunk-only load of a torchvision-style checkpoint (extra classifier, no head)", () => {
    const bytes = variant({ 'head.0.weight': null, 'head.0.bias': null, 'head.2.weight': null, 'head.2.bias': null, 'fc.weight': { dtype: 'F32', shape: [2, 64], data: new Float32Array(128) } });
    const only = (e: { name: string }): boolean => !e.name.startsWith('head.');
    const st = stateFromSafetensors(spec.state, bytes, { only, allowUnexpected: true });
    expect(st.has('conv1.weight')).toBe(true);
    expect(st.has('head.0.weight')).toBe(false);
    expect(safetensorsError(() => stateFromSafetensors(spec.state, bytes, { only })).tensor).toBe('fc.weight');
    expect(safetensorsError(() => stateFromSafetensors(spec.state, bytes)).tensor).toBe('head.0.weight');
  });

  it('rejects a different preset, a wrong dtype and (optionally) half-precision floats, naming the tensor', () => {
    const small = modelSpec('audio-resnet10', 'small');
    const e = safetensorsError(() => stateFromSafetensors(small.state, tsResnetTinyBytes()));
    expect(e.tensor).toBe('conv1.weight');
    expect(e.message).toMatch(/shape \[8,1,7,7\] but the model needs \[16,1,7,7\]/);
    const i32 = variant({ 'bn1.num_batches_tracked': { dtype: 'I32', shape: [], data: Int32Array.of(0) } });
    expect(safetensorsError(() => stateFromSafetensors(spec.state, i32)).tensor).toBe('bn1.num_batches_tracked');
    const half = variant({ 'head.2.bias': { dtype: 'F16', shape: [128], data: new Uint16Array(128).fill(0x3c00) } });
    expect(Array.from(stateFromSafetensors(spec.state, half).get('head.2.bias') as Float32Array).every((v) => v === 1)).toBe(true);
    expect(safetensorsError(() => stateFromSafetensors(spec.state, half, { convertFloats: false })).tensor).toBe('head.2.bias');
  });

  it('saving refuses a missing or mis-sized tensor', () => {
    const st = new Map(ref);
    st.delete('layer2.0.downsample.0.weight');
    expect(safetensorsError(() => stateToSafetensors(spec.state, st)).tensor).toBe('layer2.0.downsample.0.weight');
    st.set('layer2.0.downsample.0.weight', new Float32Array(3));
    expect(safetensorsError(() => stateToSafetensors(spec.state, st)).message).toMatch(/3 values/);
  });
});
