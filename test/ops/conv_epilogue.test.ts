// The conv's fused forward epilogue (ConvOptions.epilogue: per-channel scale/shift + ReLU in the GEMM
// store) against the float64 reference (conv3dRef then convEpilogueRef).
import { describe, expect, it } from 'vitest';
import { F, InvalidArgumentError, noGrad, ShapeError } from '../../src/index.ts';
import { contextFor } from '../../src/gpu/context.ts';
import { CONV_TUNING } from '../../src/ops/conv/conv.ts';
import { conv3dRef, convEpilogueRef, convOutSize, type ConvRefGeom } from '../../src/ops/conv/reference.ts';
import { maxRelToPeak } from '../helpers/close.ts';
import { dev, rand, t } from './util.ts';

const cases: Array<[string, ConvRefGeom]> = [
  ['1x1x1 kernel, size-1 dims', { N: 1, Ci: 1, T: 1, H: 1, W: 1, Co: 1, k: [1, 1, 1], s: [1, 1, 1], p: [0, 0, 0], d: [1, 1, 1] }],
  ['stem (1,7,7) stride (1,2,2), primes', { N: 2, Ci: 3, T: 3, H: 11, W: 13, Co: 5, k: [1, 7, 7], s: [1, 2, 2], p: [0, 3, 3], d: [1, 1, 1] }],
  ['temporal (3,1,1), 67 output channels (tile edge)', { N: 1, Ci: 7, T: 5, H: 3, W: 4, Co: 67, k: [3, 1, 1], s: [1, 1, 1], p: [1, 0, 0], d: [1, 1, 1] }],
  ['stride (2,3,2), dilation, 19 input channels', { N: 1, Ci: 19, T: 5, H: 7, W: 9, Co: 6, k: [3, 3, 4], s: [2, 3, 2], p: [1, 1, 2], d: [1, 2, 1] }],
];
// [bias, scale, shift, relu]
const variants: Array<[boolean, boolean, boolean, boolean]> = [
  [false, true, true, true],
  [true, true, true, true],
  [true, true, false, false],
  [false, false, true, true],
  [false, false, false, true],
];

type Dev = Awaited<ReturnType<typeof dev>>;

/** Synchronous up to the readback, so that withLimits (restored when fn returns) covers the launches. */
function build(d: Dev, g: ConvRefGeom, [hasB, hasS, hasT, relu]: [boolean, boolean, boolean, boolean], seed: number, nd: 2 | 3 = 3) {
  const [To, Ho, Wo] = convOutSize(g);
  const xs = [g.N, g.Ci, g.T, g.H, g.W];
  const ws = [g.Co, g.Ci, ...g.k];
  const xd = rand(xs.reduce((a, b) => a * b), seed);
  const wd = rand(ws.reduce((a, b) => a * b), seed + 1, 0.5);
  const bd = rand(g.Co, seed + 2);
  const sd = rand(g.Co, seed + 3, 2);
  const td = rand(g.Co, seed + 4);
  const sq = (s: number[]) => (nd === 2 ? [s[0], s[1], s[3], s[4]] : s);
  const x = t(d, xd, sq(xs));
  const w = t(d, wd, sq(ws));
  const epilogue = { scale: hasS ? t(d, sd, [g.Co]) : null, shift: hasT ? t(d, td, [g.Co]) : null, relu };
  const y = nd === 3
    ? F.conv3d(x, w, hasB ? t(d, bd, [g.Co]) : null, { stride: g.s, padding: g.p, dilation: g.d, epilogue })
    : F.conv2d(x, w, hasB ? t(d, bd, [g.Co]) : null, { stride: g.s.slice(1), padding: g.p.slice(1), dilation: g.d.slice(1), epilogue });
  expect(y.shape).toEqual(sq([g.N, g.Co, To, Ho, Wo]));
  expect(y.requiresGrad).toBe(false);
  const ref = convEpilogueRef(conv3dRef(g, xd, wd, hasB ? bd : null), g.Co, To * Ho * Wo, hasS ? sd : null, hasT ? td : null, relu);
  if (relu) expect(ref.some((v) => v === 0) && ref.some((v) => v > 0) || ref.length < 4).toBe(true); // both ReLU sides hit
  return { got: y.toArray(), ref };
}

async function check(g: ConvRefGeom, v: [boolean, boolean, boolean, boolean], seed: number, nd: 2 | 3 = 3) {
  const { got, ref } = build(await dev(), g, v, seed, nd);
  return { got: await got, ref };
}

describe('conv epilogue (fused scale/shift/ReLU, forward only)', () => {
  for (const [name, g] of cases) {
    for (const v of variants) {
      it(`matches the float64 reference: ${name}, bias/scale/shift/relu = ${v.map(Number).join('')}`, async () => {
        const { got, ref } = await check(g, v, 21);
        expect(maxRelToPeak(got, ref)).toBeLessThan(1e-5);
      });
    }
  }

  it('sizes baked into the WGSL (specialised pipeline)', async () => {
    CONV_TUNING.specializeAbove = 0;
    try {
      const { got, ref } = await check(cases[3][1], [true, true, true, true], 31);
      expect(maxRelToPeak(got, ref)).toBeLessThan(1e-5);
    } finally {
      CONV_TUNING.specializeAbove = 2 ** 27;
    }
  });

  it('conv2d', async () => {
    const g: ConvRefGeom = { N: 2, Ci: 5, T: 1, H: 9, W: 7, Co: 9, k: [1, 3, 3], s: [1, 2, 1], p: [0, 1, 1], d: [1, 1, 1] };
    const { got, ref } = await check(g, [false, true, true, true], 41, 2);
    expect(maxRelToPeak(got, ref)).toBeLessThan(1e-5);
  });

  it('under 3 workgroups/dim and 16 KiB bindings (split grids and bindings)', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const g: ConvRefGeom = { N: 1, Ci: 3, T: 3, H: 24, W: 23, Co: 9, k: [1, 5, 5], s: [1, 1, 1], p: [0, 2, 2], d: [1, 1, 1] };
    const before = ctx.dispatches;
    const { got, ref } = ctx.withLimits({ maxComputeWorkgroupsPerDimension: 3, maxStorageBufferBindingSize: 16384 }, () => build(d, g, [true, true, true, true], 51));
    expect(ctx.dispatches - before).toBeGreaterThan(3);
    expect(maxRelToPeak(await got, ref)).toBeLessThan(1e-5);
  }, 120_000);

  it('is forward-only: a typed error when an input requires grad, fine under noGrad', async () => {
    const d = await dev();
    const x = t(d, rand(2 * 3 * 4 * 4, 61), [2, 3, 4, 4]);
    const w = t(d, rand(4 * 3 * 3 * 3, 62), [4, 3, 3, 3], true);
    const s = t(d, rand(4, 63), [4]);
    expect(() => F.conv2d(x, w, null, { padding: 1, epilogue: { scale: s, relu: true } })).toThrow(InvalidArgumentError);
    expect(() => F.conv2d(x, w, null, { padding: 1, epilogue: { scale: s, relu: true } })).toThrow(/noGrad/);
    const y = noGrad(() => F.conv2d(x, w, null, { padding: 1, epilogue: { scale: s, relu: true } }));
    expect(y.shape).toEqual([2, 4, 4, 4]);
    expect((await y.toArray()).every((v) => v >= 0)).toBe(true);
  });

  it("'into': two convs write their channels of one output (a cat without the copy)", async () => {
    const d = await dev();
    const g1: ConvRefGeom = { N: 2, Ci: 3, T: 3, H: 5, W: 6, Co: 5, k: [1, 3, 3], s: [1, 1, 1], p: [0, 1, 1], d: [1, 1, 1] };
    const g2: ConvRefGeom = { ...g1, Co: 67, k: [3, 1, 1], p: [1, 0, 0] };
    const xd = rand(2 * 3 * 3 * 5 * 6, 91);
    const w1 = rand(5 * 3 * 9, 92, 0.5);
    const w2 = rand(67 * 3 * 3, 93, 0.5);
    const s2 = rand(67, 94);
    const x = t(d, xd, [2, 3, 3, 5, 6]);
    const out = t(d, new Float32Array(2 * 72 * 90).fill(Number.NaN), [2, 72, 3, 5, 6]);
    const ret = noGrad(() => {
      F.conv3d(x, t(d, w1, [5, 3, 1, 3, 3]), null, { padding: [0, 1, 1], into: { out, channelOffset: 0 } });
      return F.conv3d(x, t(d, w2, [67, 3, 3, 1, 1]), null, { padding: [1, 0, 0], epilogue: { scale: t(d, s2, [67]), relu: true }, into: { out, channelOffset: 5 } });
    });
    expect(ret).toBe(out);
    const r1 = conv3dRef(g1, xd, w1, null);
    const r2 = convEpilogueRef(conv3dRef(g2, xd, w2, null), 67, 90, s2, null, true);
    const ref = new Float64Array(2 * 72 * 90);
    for (let n = 0; n < 2; n++) {
      ref.set(r1.subarray(n * 5 * 90, (n + 1) * 5 * 90), n * 72 * 90);
      ref.set(r2.subarray(n * 67 * 90, (n + 1) * 67 * 90), n * 72 * 90 + 5 * 90);
    }
    expect(maxRelToPeak(await out.toArray(), ref)).toBeLessThan(1e-5); // NaN fill: every element written
    expect(() => noGrad(() => F.conv3d(x, t(d, w2, [67, 3, 3, 1, 1]), null, { padding: [1, 0, 0], into: { out, channelOffset: 6 } }))).toThrow(ShapeError);
  });

  it('residual: relu(conv * scale + shift + r), the ResNet block tail', async () => {
    const d = await dev();
    const g: ConvRefGeom = { N: 2, Ci: 5, T: 1, H: 7, W: 9, Co: 67, k: [1, 3, 3], s: [1, 1, 1], p: [0, 1, 1], d: [1, 1, 1] };
    const xd = rand(2 * 5 * 63, 101);
    const wd = rand(67 * 5 * 9, 102, 0.5);
    const sd = rand(67, 103);
    const td = rand(67, 104);
    const rd = rand(2 * 67 * 63, 105, 2);
    const y = noGrad(() => F.conv2d(t(d, xd, [2, 5, 7, 9]), t(d, wd, [67, 5, 3, 3]), null, { padding: 1, epilogue: { scale: t(d, sd, [67]), shift: t(d, td, [67]), residual: t(d, rd, [2, 67, 7, 9]), relu: true } }));
    const lin = convEpilogueRef(conv3dRef(g, xd, wd, null), 67, 63, sd, td, false);
    const ref = lin.map((v, i) => Math.max(v + rd[i], 0));
    expect(maxRelToPeak(await y.toArray(), ref)).toBeLessThan(1e-5);
    expect(() => noGrad(() => F.conv2d(t(d, xd, [2, 5, 7, 9]), t(d, wd, [67, 5, 3, 3]), null, { padding: 1, epilogue: { residual: t(d, rd, [2, 67, 63]) } }))).toThrow(ShapeError);
  });

  it('scale/shift of the wrong shape are ShapeErrors', async () => {
    const d = await dev();
    const x = t(d, rand(2 * 3 * 4 * 4, 71), [2, 3, 4, 4]);
    const w = t(d, rand(4 * 3 * 3 * 3, 72), [4, 3, 3, 3]);
    expect(() => F.conv2d(x, w, null, { epilogue: { scale: t(d, rand(3, 73), [3]) } })).toThrow(ShapeError);
    expect(() => F.conv2d(x, w, null, { epilogue: { shift: t(d, rand(4, 74), [2, 2]) } })).toThrow(/shift/);
  });

  it('the context tracks writes per buffer (what the encoders\' fold cache keys on)', async () => {
    const d = await dev();
    const ctx = contextFor(d.gpu);
    const a = t(d, rand(8, 81), [8]);
    const b = t(d, rand(8, 82), [8]);
    const va = ctx.writeVersion(a.buffer);
    const vb = ctx.writeVersion(b.buffer);
    F.relu(a); // reads a only
    expect(ctx.writeVersion(a.buffer)).toBe(va);
    ctx.upload(a.buffer, new Float32Array(8));
    expect(ctx.writeVersion(a.buffer)).not.toBe(va);
    expect(ctx.writeVersion(b.buffer)).toBe(vb);
  });
});
