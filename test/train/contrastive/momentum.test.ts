// contrastive.momentumUpdate as one kernel over all parameters (issue 7): a model of many parameter
// tensors (20 Linear layers, 40 tensors, awkward sizes) is updated with ONE dispatch (the gathers and
// scatters are buffer copies), equal to MoCo's float32 expression computed here; also under a lowered
// binding-size limit (the engine splits that one launch's bindings) and for a single-parameter model.
import { describe, expect, it } from 'vitest';
import { contrastive, getDevice, nn, Tensor } from '../../../src/index.ts';
import { contextOf } from '../../../src/tensor/tensor.ts';
import { uniformArray } from '../../../src/models/rng.ts';
import { expectAllClose } from '../../helpers/close.ts';

const f = Math.fround;
/** MoCo's update in float32 as the kernel evaluates it: m * k + (1 - m) * q, each step rounded. */
const mocoF32 = (k: Float32Array, q: Float32Array, m: number): Float32Array => {
  const mf = f(m), om = f(1 - mf);
  return k.map((kv, i) => f(f(mf * kv) + f(om * q[i])));
};

describe('contrastive.momentumUpdate: one kernel over all parameters', () => {
  for (const lowered of [false, true]) {
    it(`40 parameter tensors in 1 dispatch${lowered ? ' (binding limit lowered to 4 KiB: the launch splits its bindings)' : ''}`, async () => {
      const dev = await getDevice();
      const ctx = contextOf(dev);
      const make = () => Array.from({ length: 20 }, (_, i) => new nn.Linear(dev, 3 + i, 7 + (i % 5)));
      const kl = make(), ql = make();
      const km = { parameters: () => kl.flatMap((l) => l.parameters()) }, qm = { parameters: () => ql.flatMap((l) => l.parameters()) };
      const kp = km.parameters(), qp = qm.parameters();
      expect(kp.length).toBe(40);
      const kv = kp.map((t, j) => uniformArray(t.size, { seed: 3, stream: j })), qv = qp.map((t, j) => uniformArray(t.size, { seed: 4, stream: j }));
      kp.forEach((t, j) => ctx.upload(t.buffer, kv[j]));
      qp.forEach((t, j) => ctx.upload(t.buffer, qv[j]));
      ctx.flush();
      const before = ctx.dispatches;
      const run = () => contrastive.momentumUpdate(km, qm, 0.999);
      if (lowered) ctx.withLimits({ maxStorageBufferBindingSize: 4096 }, run);
      else run();
      expect(ctx.dispatches - before).toBe(1); // lowered: the launch splits its bindings, not its dispatch
      // within 1 ulp-ish: an adapter may fuse the multiply-add
      for (let j = 0; j < kp.length; j++) expectAllClose(await kp[j].toArray(), mocoF32(kv[j], qv[j], 0.999), { atol: 1e-7, rtol: 2e-7, what: `param ${j}` });
      for (let j = 0; j < qp.length; j++) expect(Array.from(await qp[j].toArray())).toEqual(Array.from(qv[j])); // query untouched
    });
  }

  it('one parameter tensor; m = 0 copies, m = 1 keeps', async () => {
    const dev = await getDevice();
    const k = Tensor.fromArray(dev, [1, 2, 3]), q = Tensor.fromArray(dev, [5, 6, 7]);
    contrastive.momentumUpdate({ parameters: () => [k] }, { parameters: () => [q] }, 1);
    expect(Array.from(await k.toArray())).toEqual([1, 2, 3]);
    contrastive.momentumUpdate({ parameters: () => [k] }, { parameters: () => [q] }, 0);
    expect(Array.from(await k.toArray())).toEqual([5, 6, 7]);
  });
});
