// Diagnostic: does SSCL self-instance training make two augmented views of the same train clip retrieve
// each other? Audio (ResNet-10 tiny) or video (S3D tiny) teacher alone, on a small AV-Digits train set.
// Usage: node --import ./test/harness/node-ts-worker.mjs bench/train/learn_diag.ts [modality] [clips] [steps] [key=value ...]
import { datasets, getDevice, sscl } from '../../src/index.ts';
import { contextOf } from '../../src/tensor/tensor.ts';
import { noGrad } from '../../src/tensor/tape.ts';
import { mixSeed } from '../../src/data/rng.ts';
import { recordStep } from '../../src/train/sscl/step.ts';
import { batchIndices } from '../../src/train/sscl/data.ts';

const [mod = 'audio', nClips = '64', nSteps = '60', ...kv] = process.argv.slice(2);
const m = mod as 'audio' | 'video';
const extra: Record<string, unknown> = {};
for (const s of kv) { const [k, v] = s.split('='); extra[k] = v === 'true' ? true : v === 'false' ? false : Number(v); }
const N = Number(nClips), STEPS = Number(nSteps);
const device = await getDevice();
const gpu = contextOf(device).gpu;
const ds = await datasets.avDigits({ split: 'train', seed: 0, size: N, preset: 'tiny' });
const trainer = await sscl.createTrainer({ device, preset: 'tiny', dataset: ds, seed: 0, ...extra });
const o = trainer.options;
console.log(`opts lr ${o.lr} warm ${o.warmupSteps} K ${o.queueSize} m ${o.keyMomentum} B ${o.batchSize} tau ${o.tau} augment ${o.augment}`);

async function emb(enc: sscl.SsclEncoder, idx: number[], seed: number, augment: boolean): Promise<Float32Array[]> {
  const out: Float32Array[] = [];
  for (let s = 0; s < idx.length; s += 16) {
    const b = await ds.batch(idx.slice(s, s + 16), { augment, seed, device: gpu });
    const z = noGrad(() => enc.forward(m === 'video' ? b.video : b.audio, { head: true }));
    const a = await z.toArray();
    z.dispose(); b.dispose();
    const d = a.length / Math.min(16, idx.length - s);
    for (let i = 0; i * d < a.length; i++) {
      const r = Float32Array.from(a.subarray(i * d, (i + 1) * d));
      const n = Math.hypot(...r); for (let j = 0; j < d; j++) r[j] /= n;
      out.push(r);
    }
  }
  return out;
}
const dot = (a: Float32Array, b: Float32Array) => { let s = 0; for (let i = 0; i < a.length; i++) s += a[i] * b[i]; return s; };

async function measure(tag: string): Promise<void> {
  const idx = Array.from({ length: Math.min(N, 64) }, (_, i) => i);
  const q = await emb(trainer.encoder(m, 'query'), idx, 101, true);
  const k = await emb(trainer.encoder(m, 'key'), idx, 202, true);
  // the same keys computed in other batch groupings (a fixed shuffle of the 64): batch-norm statistics differ
  const perm = idx.map((_, i) => (i * 37 + 11) % idx.length);
  const kp = await emb(trainer.encoder(m, 'key'), perm, 202, true);
  const kShuf: Float32Array[] = []; perm.forEach((p, j) => { kShuf[p] = kp[j]; });
  let r1s = 0, ranks = 0;
  for (let i = 0; i < idx.length; i++) {
    const s = kShuf.map((kk) => dot(q[i], kk));
    const better = s.filter((x, j) => j !== i && x >= s[i]).length;
    if (better === 0) r1s++; ranks += better + 1;
  }
  console.log(`${tag}: keys in shuffled batch groups: R@1 ${(100 * r1s / idx.length).toFixed(1)}%, mean rank ${(ranks / idx.length).toFixed(1)}`);
  const k0 = await emb(trainer.encoder(m, 'key'), idx, 0, false);
  let r1 = 0, rank = 0, pos = 0, neg = 0, negK = 0;
  for (let i = 0; i < idx.length; i++) {
    const s = k.map((kk) => dot(q[i], kk));
    const better = s.filter((x, j) => j !== i && x >= s[i]).length;
    if (better === 0) r1++;
    rank += better + 1; pos += s[i];
    neg += (s.reduce((a, b) => a + b, 0) - s[i]) / (idx.length - 1);
    for (let j = 0; j < idx.length; j++) if (j !== i) negK += dot(k0[i], k0[j]) / (idx.length - 1);
  }
  const n = idx.length;
  console.log(`${tag}: instance R@1 ${(100 * r1 / n).toFixed(1)}% (chance ${(100 / n).toFixed(1)}), mean rank ${(rank / n).toFixed(1)} of ${n}, cos pos ${(pos / n).toFixed(3)} neg ${(neg / n).toFixed(3)}, clean keys mean pairwise cos ${(negK / n).toFixed(3)}`);
}

await measure('init');
const t0 = performance.now();
const losses: string[] = [];
for (let step = 0; step < STEPS; step++) {
  const indices = batchIndices(ds.length, o.batchSize, o.seed, step);
  const views = [];
  for (let v = 0; v < 2; v++) views.push(await ds.batch(indices, { augment: o.augment, seed: mixSeed(o.seed, step, v + 1), device: gpu }));
  trainer.state.opt.lr = trainer.lrAt(step);
  const rec = recordStep(trainer.state, { phase: 'self-instance', teacher: m, student: m === 'audio' ? 'video' : 'audio', step, stage: 1, phaseStep: step } as never, views, indices, o);
  const loss = await rec.loss.item(); rec.loss.dispose();
  rec.apply(); views.forEach((b) => b.dispose());
  losses.push(loss.toFixed(2));
  if ((step + 1) % 20 === 0) { console.log(`step ${step + 1} losses ${losses.slice(-20).join(' ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`); await measure(`after ${step + 1}`); }
}
trainer.dispose();
