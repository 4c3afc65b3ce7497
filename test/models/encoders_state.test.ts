// A state saved by model.saveState() on the GPU after one SGD step (test/fixtures/models/
// gpu_resnet10_tiny_step.safetensors, from test/fixtures/gen/models_gpu_state_ts.ts) loads back with
// loadState() and reproduces the eval embedding stored with it (within 1e-4: it may have been written on
// another adapter). PyTorch loads the same file strictly and reproduces that embedding too:
// /usr/bin/python3 test/fixtures/gen/models_safetensors.py --check-gpu.
import { describe, expect, it } from 'vitest';
import { createModel, getDevice, noGrad, parseSafetensors, Tensor } from '../../src/index.ts';
import { uniformArray } from '../../src/models/rng.ts';
import { expectAllClose } from '../helpers/close.ts';
import { readRepoFile } from '../helpers/files.ts';

describe('saveState from the GPU: committed file round trip', () => {
  it('gpu_resnet10_tiny_step.safetensors -> loadState -> the stored eval embedding; saveState gives the same tensors', async () => {
    const device = await getDevice();
    const bytes = await readRepoFile('test/fixtures/models/gpu_resnet10_tiny_step.safetensors');
    const file = parseSafetensors(bytes);
    const want = Float32Array.from(JSON.parse(file.metadata!.eval_embedding) as number[]);
    const m = await createModel('audio-resnet10', { preset: 'tiny', device, seed: 0 });
    m.loadState(bytes);
    const x = Tensor.fromArray(device, uniformArray(4 * 64 * 64, { seed: 7, stream: 3 }), [4, 1, 64, 64]);
    const got = await noGrad(() => m.eval().forward(x, { head: true })).toArray();
    expectAllClose(got, want, { atol: 1e-4, rtol: 0, what: 'eval embedding' });
    const again = parseSafetensors(await m.saveState());
    expect(again.entries.map((e) => e.name)).toEqual(file.entries.map((e) => e.name));
    for (const e of file.entries) expect(Array.from(again.bytes(e.name))).toEqual(Array.from(file.bytes(e.name)));
    m.dispose();
    x.dispose();
  });
});
