// Diagnostic: which short curriculum moves HELD-OUT evaluation? Trains a trainer built from key=value options
// (any createTrainer option; numbers/booleans/strings parsed) and evaluates the untrained (same seed) and the
// trained query encoders exactly as `sscl train` does: 200 AV-Digits test clips (unseen speakers and digit
// images), cross-modal retrieval R@1/R@10 both ways, linear probes (video: digit on screen, audio: spoken digit)
// on the parity split. Optional `evalAt=a,b,c` also evaluates after those steps.
// Usage: node --import <ts loader> bench/train/xmodal_diag.ts key=value ...
import { getDevice, sscl } from '../../src/index.ts';
import { avDigitsOf } from '../../src/train/sscl/data.ts';
import { contextOf } from '../../src/tensor/tensor.ts';
import { noGrad } from '../../src/tensor/tape.ts';

const extra: Record<string, unknown> = {};
let evalAt: number[] = [], evalSize = 200, baseline = true, viewsOn = false;
for (const s of process.argv.slice(2)) {
  const [k, v] = s.split('=');
  if (k === 'evalAt') { evalAt = v.split(',').map(Number); continue; }
  if (k === 'evalSize') { evalSize = Number(v); continue; }
  if (k === 'views') { viewsOn = v === 'true'; continue; }
  if (k === 'baseline') { baseline = v !== 'false'; continue; }
  extra[k] = v === 'true' ? true : v === 'false' ? false : Number.isNaN(Number(v)) ? v : Number(v);
}
const device = await getDevice();
const t0 = performance.now();
const trainer = await sscl.createTrainer({ device, preset: 'tiny', dataset: { kind: 'avDigits', noise: 0 }, ...extra });
const o = trainer.options;
console.log(`opts ${JSON.stringify({ ...o, device: undefined, encoders: undefined })}`);
const test = await avDigitsOf(o.dataset as sscl.AvDigitsSpec, 'tiny', 'test', evalSize, 16);
const pct = (x: number): string => (100 * x).toFixed(1);

// Held-out self-instance retrieval: query encoder on one augmented view of each test clip against the key
// encoder on another (train-mode BN, batches of 50, state restored). Mean rank of the right view among n.
async function views(m: 'video' | 'audio'): Promise<string> {
  const emb = async (enc: sscl.SsclEncoder, seed: number): Promise<Float32Array[]> => {
    const st = await enc.saveState!();
    const out: Float32Array[] = [];
    for (let s = 0; s < test.length; s += 50) {
      const idx = Array.from({ length: Math.min(50, test.length - s) }, (_, i) => s + i);
      const b = await test.batch(idx, { augment: true, seed, device: contextOf(device).gpu });
      const z = noGrad(() => enc.forward(m === 'video' ? b.video : b.audio, { head: true }));
      const a = await z.toArray(); const d = z.shape[1]; z.dispose(); b.dispose();
      for (let i = 0; i < idx.length; i++) out.push(a.slice(i * d, (i + 1) * d));
    }
    enc.loadState!(st);
    return out;
  };
  const q = await emb(trainer.encoder(m, 'query'), 101), k = await emb(trainer.encoder(m, 'key'), 202);
  const dot = (x: Float32Array, y: Float32Array): number => { let t = 0; for (let i = 0; i < x.length; i++) t += x[i] * y[i]; return t; };
  let rank = 0, r1 = 0;
  for (let i = 0; i < q.length; i++) {
    const si = dot(q[i], k[i]);
    let better = 0; for (let j = 0; j < k.length; j++) if (j !== i && dot(q[i], k[j]) >= si) better++;
    rank += better + 1; if (!better) r1++;
  }
  return `${m} views mean rank ${(rank / q.length).toFixed(1)} R@1 ${pct(r1 / q.length)}`;
}

async function evaluate(tag: string): Promise<void> {
  if (viewsOn) console.log(`VIEWS ${tag}: ${await views('audio')} | ${await views('video')} (chance mean rank ${((test.length + 1) / 2).toFixed(1)})`);
  const te = performance.now();
  const v = await sscl.embed(trainer.encoder('video'), test, { modality: 'video', batchSize: 50, bn: 'batch', device });
  const a = await sscl.embed(trainer.encoder('audio'), test, { modality: 'audio', batchSize: 50, bn: 'batch', device });
  const r = sscl.crossModalRetrieval(v, a);
  const probe = (e: typeof v, labels: Int32Array): number => {
    const s = sscl.splitByParity(e, labels);
    return sscl.linearProbe(s.train, s.test, { dim: e.dim, classes: 10 }).accuracy;
  };
  console.log(`EVAL ${tag}: v->a R@1 ${pct(r.videoToAudio.r1)} R@10 ${pct(r.videoToAudio.r10)} med ${r.videoToAudio.medianRank} | a->v R@1 ${pct(r.audioToVideo.r1)} R@10 ${pct(r.audioToVideo.r10)} med ${r.audioToVideo.medianRank} | probe video ${pct(probe(v, v.labels!))} audio ${pct(probe(a, a.audioLabels!))} (chance R@10 ${pct(r.chance.r10)}, med ${(r.n + 1) / 2}) [eval ${((performance.now() - te) / 1000).toFixed(0)} s]`);
}

if (baseline) await evaluate('untrained');
const losses: string[] = [];
for await (const e of trainer.run()) {
  losses.push(`${e.phase[0]}${e.teacher[0]}:${e.loss.toFixed(2)}`);
  if ((e.step + 1) % 10 === 0) { console.log(`step ${e.step + 1} ${losses.join(' ')} (${((performance.now() - t0) / 1000).toFixed(0)} s)`); losses.length = 0; }
  if (evalAt.includes(e.step + 1)) await evaluate(`after ${e.step + 1}`);
}
if (losses.length) console.log(`step ${trainer.step} ${losses.join(' ')}`);
if (!evalAt.includes(trainer.step)) await evaluate(`after ${trainer.step}`);
console.log(`total ${((performance.now() - t0) / 1000).toFixed(0)} s`);
trainer.dispose();
