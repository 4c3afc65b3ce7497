import { describe, expect, it } from 'vitest';
import { F, ShapeError } from '../../src/index.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { CONV_TUNING } from '../../src/ops/conv/conv.ts';
import { phaseDims } from '../../src/ops/conv/conv.wgsl.ts';
import { conv3dBackwardRef, conv3dRef, convOutSize, type ConvRefGeom } from '../../src/ops/conv/reference.ts';
import { expectAllClose, maxRelToPeak } from '../helpers/close.ts';
import { dev, numericGrad, rand, t } from './util.ts';

const cases: Array<[string, ConvRefGeom]> = [
  ['1x1x1 kernel, size-1 dims', { N: 1, Ci: 1, T: 1, H: 1, W: 1, Co: 1, k: [1, 1, 1], s: [1, 1, 1], p: [0, 0, 0], d: [1, 1, 1] }],
  ['S3D stem (1,7,7) stride (1,2,2) pad (0,3,3), primes', { N: 2, Ci: 3, T: 3, H: 11, W: 13, Co: 5, k: [1, 7, 7], s: [1, 2, 2], p: [0, 3, 3], d: [1, 1, 1] }],
  ['S3D temporal (3,1,1) stride 1 pad (1,0,0)', { N: 1, Ci: 7, T: 5, H: 3, W: 4, Co: 67, k: [3, 1, 1], s: [1, 1, 1], p: [1, 0, 0], d: [1, 1, 1] }],
  ['17 input channels (dX not transposed), spatial stride 2', { N: 1, Ci: 17, T: 2, H: 5, W: 7, Co: 3, k: [1, 3, 3], s: [1, 2, 2], p: [0, 1, 1], d: [1, 1, 1] }],
  ['temporal stride 2, dilation 2', { N: 2, Ci: 2, T: 9, H: 5, W: 6, Co: 3, k: [3, 3, 1], s: [2, 1, 2], p: [1, 2, 0], d: [2, 1, 1] }],
  // dX by phases: stride 3 > kernel 2 leaves a phase with no tap (zero gradient), stride 2 beside a
  // dilated stride-1 dim, padding larger than the stride, 19 input channels (not transposed)
  ['stride 3 > kernel 2, dilated stride-1 dim, big padding', { N: 2, Ci: 3, T: 7, H: 8, W: 11, Co: 5, k: [2, 3, 5], s: [3, 1, 2], p: [1, 2, 3], d: [1, 2, 1] }],
  ['stride (2,2,1), 1 input channel, W 13 (direct dX strips of 8 cut at the edge)', { N: 2, Ci: 1, T: 4, H: 5, W: 13, Co: 3, k: [2, 3, 3], s: [2, 2, 1], p: [1, 0, 1], d: [1, 1, 1] }],
  ['stride (2,3,2), 19 input channels', { N: 1, Ci: 19, T: 5, H: 7, W: 9, Co: 6, k: [3, 3, 4], s: [2, 3, 2], p: [1, 1, 2], d: [1, 1, 1] }],
];
// dX of strided convs runs by phases on software adapters and as one col2im GEMM on GPUs; test both.
const phaseModes = ['always', 'never'] as const;

describe('conv3d', () => {
  const runs = [
    ...cases.flatMap(([n, g]) => phaseModes.map((m) => [`${n} (dX phases: ${m})`, g, false, m] as const)),
    [`${cases[4][0]} (sizes baked in)`, cases[4][1], true, 'never'] as const,
    [`${cases[1][0]} (sizes baked in, dX phases)`, cases[1][1], true, 'always'] as const,
    // Ci <= 4 phases run the direct kernel (dx_direct.wgsl.ts); the narrow GEMM it replaces stays for
    // W dims with dilation > 1, so test it too
    [`${cases[1][0]} (dX phases by the narrow GEMM)`, cases[1][1], false, 'always', false] as const,
    [`${cases[5][0]} (dX phases by the narrow GEMM)`, cases[5][1], false, 'always', false] as const,
  ];
  for (const [name, g, special, phaseDx, directDx] of runs) {
    it(`GPU forward and backward match the float64 reference: ${name}`, async () => {
      CONV_TUNING.specializeAbove = special ? 0 : 2 ** 27;
      CONV_TUNING.phaseDx = phaseDx;
      CONV_TUNING.directDx = directDx ?? true;
      const d = await dev();
      const [To, Ho, Wo] = convOutSize(g);
      const xs = [g.N, g.Ci, g.T, g.H, g.W];
      const ws = [g.Co, g.Ci, ...g.k];
      const xd = rand(xs.reduce((a, b) => a * b), 1);
      const wd = rand(ws.reduce((a, b) => a * b), 2, 0.5);
      const bd = rand(g.Co, 3);
      const x = t(d, xd, xs, true);
      const w = t(d, wd, ws, true);
      const b = t(d, bd, [g.Co], true);
      const y = F.conv3d(x, w, b, { stride: g.s, padding: g.p, dilation: g.d });
      expect(y.shape).toEqual([g.N, g.Co, To, Ho, Wo]);
      const ref = conv3dRef(g, xd, wd, bd);
      expectAllClose(await y.toArray(), ref, { atol: 1e-5, rtol: 1e-4, what: 'conv3d forward' });
      const gd = rand(ref.length, 4);
      y.backward(t(d, gd, [...y.shape]));
      const r = conv3dBackwardRef(g, gd, xd, wd);
      expect(maxRelToPeak(await x.grad!.toArray(), r.dX)).toBeLessThan(1e-5);
      expect(maxRelToPeak(await w.grad!.toArray(), r.dW)).toBeLessThan(1e-5);
      expect(maxRelToPeak(await b.grad!.toArray(), r.dB)).toBeLessThan(1e-5);
      CONV_TUNING.specializeAbove = 2 ** 27;
      CONV_TUNING.phaseDx = 'software';
      CONV_TUNING.directDx = true;
    });
  }

  // Forced on (GPU adapters would otherwise not run these paths); the GPU paths under low limits are
  // test/tensor/limits.test.ts's.
  it('software-adapter paths (dX by phases, per-element split-K sum) under 3 workgroups/dim and 16 KiB bindings', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const geoms: ConvRefGeom[] = [
      // RGB-stem-like (narrow 8x4 tile); its dW GEMM has K = 512 over 2 tiles, so it is split-K
      { N: 1, Ci: 3, T: 2, H: 32, W: 31, Co: 4, k: [1, 5, 5], s: [1, 2, 2], p: [0, 2, 2], d: [1, 1, 1] },
      // 17 input channels (phase GEMMs not transposed), temporal stride 2
      { N: 1, Ci: 17, T: 5, H: 6, W: 5, Co: 3, k: [3, 1, 3], s: [2, 1, 1], p: [1, 0, 1], d: [1, 1, 1] },
    ];
    const saved = ctx.software;
    try {
      for (const software of [true]) {
        ctx.software = software;
        for (const g of geoms) {
          const xs = [g.N, g.Ci, g.T, g.H, g.W];
          const ws = [g.Co, g.Ci, ...g.k];
          const xd = rand(xs.reduce((a, b) => a * b), 11);
          const wd = rand(ws.reduce((a, b) => a * b), 12, 0.5);
          const ref = conv3dRef(g, xd, wd, null);
          const gd = rand(ref.length, 13);
          const r = conv3dBackwardRef(g, gd, xd, wd);
          const run = async () => {
            const x = t(d, xd, xs, true);
            const w = t(d, wd, ws, true);
            const y = F.conv3d(x, w, null, { stride: g.s, padding: g.p });
            y.backward(t(d, gd, [...y.shape]));
            return { y: await y.toArray(), dX: await x.grad!.toArray(), dW: await w.grad!.toArray() };
          };
          const before = ctx.dispatches;
          await run();
          const unsplit = ctx.dispatches - before;
          const got = await ctx.withLimits({ maxComputeWorkgroupsPerDimension: 3, maxStorageBufferBindingSize: 16384 }, run);
          expect(ctx.dispatches - before - unsplit).toBeGreaterThan(unsplit); // grids were split into several dispatches
          const what = `software=${software} Ci=${g.Ci}`;
          expect(maxRelToPeak(got.y, ref), what).toBeLessThan(1e-5);
          expect(maxRelToPeak(got.dX, r.dX), what).toBeLessThan(1e-5);
          expect(maxRelToPeak(got.dW, r.dW), what).toBeLessThan(1e-5);
        }
      }
    } finally {
      ctx.software = saved;
    }
  }, 600_000); // ~30 pipelines to compile: minutes on a loaded software adapter

  it('phaseDims: every (input, tap) pair that meets an output lands in exactly one phase', () => {
    for (const [I, k, s, p, dd] of [[11, 7, 2, 3, 1], [7, 2, 3, 1, 1], [9, 3, 1, 2, 2], [5, 4, 4, 0, 1], [1, 1, 3, 0, 1]]) {
      const O = Math.floor((I + 2 * p - dd * (k - 1) - 1) / s) + 1;
      const want = new Set<string>();
      for (let i = 0; i < I; i++) for (let a = 0; a < k; a++) {
        const num = i + p - a * dd;
        if (num % s === 0 && num / s >= 0 && num / s < O) want.add(`${i},${a},${num / s}`);
      }
      const got: string[] = [];
      for (const ph of phaseDims(I, k, s, p, dd)) for (let j = 0; j < ph.n; j++) for (let tt = 0; tt < ph.k; tt++) {
        const o = ph.b + j - tt * ph.q;
        if (o >= 0 && o < O) got.push(`${ph.z + s * j},${ph.f + ph.as * tt},${o}`);
      }
      expect(got.length, `I=${I} k=${k} s=${s}`).toBe(want.size);
      expect(got.sort()).toEqual([...want].sort());
    }
  });

  it('the CPU backward matches float64 central differences', () => {
    const g: ConvRefGeom = { N: 1, Ci: 2, T: 3, H: 4, W: 3, Co: 2, k: [2, 3, 2], s: [1, 2, 1], p: [1, 1, 0], d: [1, 1, 2] };
    const xd = Float64Array.from(rand(72, 5));
    const wd = Float64Array.from(rand(2 * 2 * 12, 6));
    const out = conv3dRef(g, xd, wd, null);
    const gd = rand(out.length, 7);
    const r = conv3dBackwardRef(g, gd, xd, wd);
    expectAllClose(r.dX, numericGrad((x) => conv3dRef(g, x, wd, null), xd, gd), { atol: 1e-7, rtol: 1e-6, what: 'dX' });
    expectAllClose(r.dW, numericGrad((w) => conv3dRef(g, xd, w, null), wd, gd), { atol: 1e-7, rtol: 1e-6, what: 'dW' });
  });

  it('conv2d is conv3d with T = 1', async () => {
    const d = await dev();
    const g: ConvRefGeom = { N: 2, Ci: 3, T: 1, H: 7, W: 5, Co: 4, k: [1, 3, 3], s: [1, 2, 1], p: [0, 1, 1], d: [1, 1, 1] };
    const xd = rand(2 * 3 * 35, 8);
    const wd = rand(4 * 3 * 9, 9);
    const x = t(d, xd, [2, 3, 7, 5], true);
    const w = t(d, wd, [4, 3, 3, 3], true);
    const y = F.conv2d(x, w, null, { stride: [2, 1], padding: 1 });
    expectAllClose(await y.toArray(), conv3dRef(g, xd, wd, null), { atol: 1e-5, rtol: 1e-4 });
    const gd = rand(y.size, 10);
    y.backward(t(d, gd, [...y.shape]));
    const r = conv3dBackwardRef(g, gd, xd, wd);
    expect(maxRelToPeak(await x.grad!.toArray(), r.dX)).toBeLessThan(1e-5);
    expect(maxRelToPeak(await w.grad!.toArray(), r.dW)).toBeLessThan(1e-5);
  });

  it('shape errors are typed and name the shapes', async () => {
    const d = await dev();
    const x = t(d, rand(2 * 3 * 4 * 4 * 4, 1), [2, 3, 4, 4, 4]);
    const w = t(d, rand(5 * 2 * 27, 1), [5, 2, 3, 3, 3]);
    expect(() => F.conv3d(x, w)).toThrow(ShapeError);
    expect(() => F.conv3d(x, w)).toThrow(/\[2, 3, 4, 4, 4\]/);
  });
});
