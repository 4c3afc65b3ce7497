// Tiny S3D, train mode: why our float32 GPU gradients are up to ~3e-2 of a tensor's peak away from float64 on
// the B = 16 'distinct clips' input (test/fixtures/gen/models_f32_conditioning.py) and ~5e-3 on the B = 4
// fixture input (docs/models.md, "Tiny S3D train gradients"). Each case runs
//   GPU      createModel on the engine (float32), recording every ReLU input, max-pool input/argmax, BN output;
//   ref      the float64 reference (src/models/reference.ts, via ./s3d_masks.ts) with its own decisions;
//   ref+gpu  the same float64 reference with every ReLU mask and max-pool argmax taken from the GPU run,
//   rounded  ref+gpu with every layer output stored as float32 (float64 arithmetic): the input's conditioning,
// and checks: (1) ref == torch float64 (fixtures); (2) GPU == ref+gpu within 1e-3 of every gradient's peak at
// B = 16 (the engine's arithmetic, given the same decisions; 1e-2 at the ill-conditioned B = 4) and within 30x
// of rounded's deviation; (3) any larger GPU-vs-ref gap comes with decision flips, and every flip is a near-tie
// in float64 (within 1e-5 of the tensor's peak): float32 rounding, not a wrong op. (4) On the input chosen by
// test/fixtures/gen/models_s3d_screen.py (s3d_tiny_train.bin, B = 8): every max-pool window's float64 gap exceeds
// 2 x our measured max error on that pool input (no window can flip) and no argmax differs; the ReLU mask flips
// are counted and logged (encoders.test.ts holds that input to 1e-3 against torch float64).
import { describe, expect, it } from 'vitest';
import { createModel, getDevice, Tensor } from '../../src/index.ts';
import type { Node } from '../../src/models/graph.ts';
import { initState } from '../../src/models/init.ts';
import { newRun, poolArgmax, refBackward, refInput, refNode, type RefState } from '../../src/models/reference.ts';
import { uniformArray } from '../../src/models/rng.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { type Fixture, loadFixture } from '../helpers/fixture.ts';
import { distinctClips, maskedWalk, poolGaps, type Decisions } from './s3d_masks.ts';

const MODEL_SEED = 42, INPUT_SEED = 7, STREAM = 2;
const absMax = (a: ArrayLike<number>): number => {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
};
type Pool = Extract<Node, { op: 'maxpool' }>;
interface GpuDecisions { reluIn: Float32Array[]; poolArg: Int32Array[]; poolIn: Float32Array[] }

interface Case { what: string; fixture: string; input: (fx: Fixture) => { shape: number[]; x: Float32Array; c: Float32Array }; tol: number; screened?: boolean }
const coef = (B: number, stream: number): Float32Array => uniformArray(B * 128, { seed: INPUT_SEED, stream });
const cases: Case[] = [
  { what: 'B=16 distinct clips', fixture: 'models/s3d_b16_probe.bin', tol: 1e-3,
    input: () => ({ shape: [16, 3, 8, 32, 32], x: distinctClips([16, 3, 8, 32, 32], INPUT_SEED, STREAM), c: coef(16, STREAM + 2) }) },
  { what: 'B=4 fixture input', fixture: 'models/s3d_tiny.bin', tol: 1e-2,
    input: () => ({ shape: [4, 3, 8, 32, 32], x: uniformArray(4 * 3 * 8 * 32 * 32, { seed: INPUT_SEED, stream: STREAM }), c: coef(4, STREAM + 2) }) },
  // the input models_s3d_screen.py picked (away from every max-pool kink by > 5x torch float32's error)
  { what: 'B=8 screened', fixture: 'models/s3d_tiny_train.bin', tol: 1e-3, screened: true,
    input: (fx) => {
      const meta = fx.meta as { input_shape: number[]; input_stream: number; coef_stream: number };
      return { shape: meta.input_shape, x: distinctClips(meta.input_shape, INPUT_SEED, meta.input_stream), c: coef(meta.input_shape[0], meta.coef_stream) };
    } },
];

describe('tiny S3D train gradients: GPU vs float64 with the same ReLU / max-pool decisions', () => {
  for (const cs of cases) {
    it(`${cs.what}: the gap to float64 is float32 decision flips at near-ties plus conditioning`, async () => {
      const device = await getDevice();
      const fx = await loadFixture(cs.fixture);
      const { shape, x: x32, c } = cs.input(fx);
      const model = await createModel('s3d', { preset: 'tiny', device, seed: MODEL_SEED, init: 'test' });
      const st = initState(model.spec.state, { seed: MODEL_SEED, scheme: 'test' });
      // Record every node's input/output by wrapping the model's private per-node step (it recurses through it).
      const rec: { relu: Tensor[]; pool: [Tensor, Tensor, Pool][] } = { relu: [], pool: [] };
      const m = model as unknown as { node: (n: Node, x: Tensor) => Tensor };
      const orig = m.node.bind(model);
      m.node = (n: Node, x: Tensor): Tensor => {
        const y = orig(n, x);
        if (n.op === 'relu') rec.relu.push(x);
        else if (n.op === 'maxpool') rec.pool.push([x, y, n]);
        return y;
      };
      const x = Tensor.fromArray(device, x32, shape);
      const e = model.forward(x, { head: true });
      const gpu: GpuDecisions = { reluIn: [], poolArg: [], poolIn: [] };
      for (const t of rec.relu) gpu.reluIn.push(await t.toArray());
      for (const [xi, yi, n] of rec.pool) {
        const xv = await xi.toArray(), yv = await yi.toArray();
        const arg = poolArgmax(xv, [...xi.shape], n);
        arg.forEach((a, k) => expect(yv[k]).toBe(xv[a])); // the host argmax reproduces the GPU pool's output
        gpu.poolArg.push(arg);
        gpu.poolIn.push(xv);
      }
      e.backward(c);
      const gpuGrads = new Map<string, Float32Array>();
      for (const [name, p] of model.namedParameters()) gpuGrads.set(name, await p.grad!.toArray());

      const runRef = (use?: GpuDecisions, round = false) => {
        const state: RefState = new Map([...st].map(([k, v]) => [k, v instanceof BigInt64Array ? v : Float64Array.from(v)]));
        const run = newRun(state, 'train');
        const seen: Decisions = { reluIn: [], poolArg: [], poolIn: [], bnOut: new Map() };
        const t = maskedWalk(run, model.spec.trunk, refInput(x32, shape), seen, use, round);
        const z = maskedWalk(run, model.spec.head, refNode(run, model.spec.pool, t), seen, use, round);
        refBackward(run, z, c);
        return { run, seen, z };
      };
      const own = runRef();
      const withGpu = runRef(gpu);
      const rounded = runRef(gpu, true);

      // (1) the float64 reference with its own decisions is torch float64.
      expect(maxRelToPeak(own.z.data, fx.f64('train/embedding'))).toBeLessThan(1e-5);
      // (scale max(tensor peak, 1e-8 x the largest gradient) as reference.test.ts: some gradients are analytically 0)
      const fxGrads = fx.names.filter((k) => k.startsWith('grad/'));
      const fxPeak = Math.max(...fxGrads.map((n) => absMax(fx.f64(n))));
      for (const n of fxGrads) {
        const r = fx.f64(n), peak = absMax(r);
        expect((maxRelToPeak(own.run.grads.get(n.slice(5))!, r) * peak) / Math.max(peak, 1e-8 * fxPeak), n).toBeLessThan(1e-5);
      }

      // Decisions: ReLU sign flips and max-pool argmax changes, with their float64 margins.
      let reluFlips = 0, poolFlips = 0, widest = 0;
      own.seen.reluIn.forEach((r, i) => {
        const g = gpu.reluIn[i], peak = absMax(r);
        for (let k = 0; k < r.length; k++) if (r[k] > 0 !== g[k] > 0) reluFlips++, (widest = Math.max(widest, Math.abs(r[k]) / peak));
      });
      let tightest = Infinity;
      own.seen.poolArg.forEach((a, i) => {
        const xin = own.seen.poolIn[i], gin = gpu.poolIn[i], peak = absMax(xin);
        // Distance to the nearest kink (float64 gap between a window's max and its runner-up) against our
        // float32 error on this pool input: a window can flip only if gap < |e1 - e2| <= 2 max |e|.
        const gaps = poolGaps(xin, rec.pool[i][0].shape, rec.pool[i][2]);
        const gap = gaps.reduce((m, v) => Math.min(m, v), Infinity), e = maxRelToPeak(gin, xin) * peak;
        tightest = Math.min(tightest, gap / (2 * e));
        console.log(`max-pool ${i} input [${rec.pool[i][0].shape}]: GPU vs float64 ${maxRelToPeak(gin, xin).toExponential(2)} of peak; smallest float64 gap ${(gap / peak).toExponential(2)} of peak = ${(gap / (2 * e)).toFixed(1)} x 2 max |err|`);
        a.forEach((v, k) => {
          const g = gpu.poolArg[i][k];
          if (v === g) return;
          poolFlips++;
          widest = Math.max(widest, (xin[v] - xin[g]) / peak);
          console.log(`  output ${k}: float64 picks input ${v} (${xin[v]}), GPU picks ${g} (float64 ${xin[g]}); GPU values ${gin[v]} / ${gin[g]}; float64 gap ${((xin[v] - xin[g]) / peak).toExponential(2)} of peak`);
        });
      });

      // Gradients, scaled as encoders.test.ts: max |err| / max(tensor peak, 1e-6 x the largest gradient).
      const names = model.namedParameters().map(([n]) => n);
      const globalPeak = Math.max(...names.map((n) => absMax(own.run.grads.get(n)!)));
      const err = (a: ArrayLike<number>, r: Float64Array): number => {
        const peak = absMax(r);
        return (maxRelToPeak(a, r) * peak) / Math.max(peak, 1e-6 * globalPeak);
      };
      const worst = (ref: Map<string, Float64Array>): [number, string] => names.reduce<[number, string]>((w, n) => {
        const v = err(gpuGrads.get(n)!, ref.get(n)!);
        return v > w[0] ? [v, n] : w;
      }, [0, '']);
      const [wOwn, nOwn] = worst(own.run.grads), [wGpu, nGpu] = worst(withGpu.run.grads);
      const [wRnd, nRnd] = names.reduce<[number, string]>((w, n) => {
        const v = err(rounded.run.grads.get(n)!, withGpu.run.grads.get(n)!);
        return v > w[0] ? [v, n] : w;
      }, [0, '']);
      console.log(`${cs.what}: float64 with float32-stored activations (GPU decisions) vs float64 (GPU decisions): worst gradient ${wRnd.toExponential(2)} (${nRnd})`);
      const first = names.slice().reverse().filter((n) => err(gpuGrads.get(n)!, own.run.grads.get(n)!) > 1e-3).slice(0, 4);
      console.log(`${cs.what}: first gradients (backward order) above 1e-3 GPU vs float64: ${first.map((n) => `${n} ${err(gpuGrads.get(n)!, own.run.grads.get(n)!).toExponential(1)}`).join(', ') || 'none'}`);
      console.log(`${cs.what}: ReLU flips ${reluFlips}, max-pool argmax flips ${poolFlips} (widest float64 margin ${widest.toExponential(2)} of peak); ` +
        `worst gradient GPU vs float64 ${wOwn.toExponential(2)} (${nOwn}), GPU vs float64 with the GPU's decisions ${wGpu.toExponential(2)} (${nGpu})`);
      // (2) same decisions -> the engine's gradients are float64's within cs.tol: the issue's 1e-3 at B = 16; 1e-2 at
      // B = 4 (no flips there: its 5e-3 is conditioning, see wRnd), and within 30x of what float32 storage of the
      // activations alone does (measured ~11x on Node + lavapipe; torch's own float32 run: 4-7x).
      expect(wGpu).toBeLessThan(cs.tol);
      expect(wGpu).toBeLessThan(30 * wRnd);
      // (3) a gap beyond that (here 2x) only with decision flips, and those only at float64 near-ties.
      if (wOwn > 2 * wGpu) expect(reluFlips + poolFlips).toBeGreaterThan(0);
      else expect(wOwn).toBeLessThan(cs.tol);
      expect(widest).toBeLessThan(1e-5);
      // (4) the screened input: no max-pool window can flip (every float64 gap > 2 x our max error on that pool
      // input), and, with the decisions equal, the GPU gradients are float64's within the issue's 1e-3.
      if (cs.screened) {
        console.log(`${cs.what}: tightest max-pool gap / (2 x GPU max error) ${tightest.toFixed(2)}; ReLU flips ${reluFlips}`);
        expect(tightest).toBeGreaterThan(1);
        expect(poolFlips).toBe(0);
      }
      model.dispose();
      x.dispose();
    }, 600_000);
  }
});
