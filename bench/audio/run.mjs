// bench/audio: SSCL_AUDIO log-mel clips per second, one thread, side by side with JS/WASM peers and
// numpy/scipy, plus WASM memory flatness over 10,000 calls. Writes bench/audio/RESULTS.md.
// Run (after `npm run build:wasm && npm run build:ts`):  node bench/audio/run.mjs [secondsPerPeer]
import { readFileSync, writeFileSync } from 'node:fs';
import { execSync, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { makeJsLogMel, reflectPadInto } from './js_logmel.mjs';

const require = createRequire(import.meta.url);
const root = new URL('../../', import.meta.url);
const { AudioFrontend, SSCL_AUDIO } = await import(new URL('build/tsc/src/index.js', root).href);
const { melFilterbank, sparseFilterbank } = await import(new URL('build/tsc/src/dsp/filters.js', root).href);
const SECONDS = Number(process.argv[2] ?? 1.5);
const P = SSCL_AUDIO;
const N = P.clipSamples;
const BINS = P.nFft / 2 + 1;
const x = new Float32Array(N).map((_, i) => Math.sin(i * 0.01) + 0.1 * Math.sin(i * 1.3));
const fbDense = melFilterbank(BINS, P.fMin, P.fMax, P.nMels, P.sampleRate, P.norm, P.melScale); // (bins, mels)
const fbSparse = sparseFilterbank(fbDense, BINS, P.nMels);

function measure(fn, seconds = SECONDS) {
  for (let i = 0; i < 20; i++) fn(); // warm-up (JIT, caches)
  let count = 0;
  const t0 = performance.now();
  let t = t0;
  while (t - t0 < seconds * 1000) {
    for (let i = 0; i < 10; i++) fn();
    count += 10;
    t = performance.now();
  }
  return (count * 1000) / (t - t0);
}

// max |a - b| over the log-mel cells whose mel power (exp(b) - 1e-6) is above 1e-6 of the clip's peak
// (the issue's tolerance region; below it float32 FFT round-off dominates every implementation)
function maxAbsDiff(a, b) {
  let peak = 0;
  for (let i = 0; i < b.length; i++) peak = Math.max(peak, Math.exp(b[i]) - 1e-6);
  let e = 0;
  for (let i = 0; i < a.length; i++) if (Math.exp(b[i]) - 1e-6 > 1e-6 * peak) e = Math.max(e, Math.abs(a[i] - b[i]));
  return e;
}

const rows = [];
const loadAvg = readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
const row = (name, cps, note = '') => {
  rows.push({ name, cps, note });
  console.log(`${name.padEnd(44)} ${cps === null ? 'n/a' : cps.toFixed(0).padStart(7)} clips/s  ${note}`);
};

// ---- ours ----
const fe = await AudioFrontend.create({ wasm: readFileSync(new URL('build/wasm/sscl-dsp.simd.wasm', root)) });
const ref = fe.melSpectrogram(x, P).data;
const outOne = new Float32Array(P.nMels * 128);
row('sscl-sdk melSpectrogram (WASM SIMD), 1 clip/call into out', measure(() => fe.melSpectrogram(x, P, outOne)));
row('sscl-sdk melSpectrogram, 1 clip/call, new result array', measure(() => fe.melSpectrogram(x, P)));
const B = 16;
const clips = new Float32Array(B * N);
for (let b = 0; b < B; b++) clips.set(x, b * N);
const outB = new Float32Array(B * P.nMels * 128);
row(`sscl-sdk melSpectrogramBatch (${B} clips/call)`, B * measure(() => fe.melSpectrogramBatch(clips, N, outB, P)));
const feScalar = await AudioFrontend.create({ wasm: readFileSync(new URL('build/wasm/sscl-dsp.scalar.wasm', root)) });
row('sscl-sdk melSpectrogram (WASM scalar build) into out', measure(() => feScalar.melSpectrogram(x, P, outOne)));

// ---- fft.js + the same mel/log in JS ----
const jsOut = new Float32Array(P.nMels * 128);
const jsLogMel = makeJsLogMel(P, fbSparse, P.nMels);
jsLogMel(x, jsOut);
const fftjs = measure(() => jsLogMel(x, jsOut));
row('fft.js 4.0.4 + sparse mel + log in JS', fftjs, `max abs diff vs ours ${maxAbsDiff(jsOut, ref).toExponential(1)}`);

// ---- meyda: its own power spectrum per frame (fft.js inside), then the same mel/log ----
try {
  const Meyda = require('meyda');
  Meyda.bufferSize = P.nFft;
  Meyda.sampleRate = P.sampleRate;
  Meyda.windowingFunction = 'hanning';
  const pad = new Float32Array(N + P.nFft);
  const frame = new Float32Array(P.nFft);
  const out = new Float32Array(P.nMels * 128);
  const run = () => {
    reflectPadInto(pad, x, P.nFft / 2);
    for (let f = 0; f < 128; f++) {
      frame.set(pad.subarray(f * P.hopLength, f * P.hopLength + P.nFft));
      const pw = Meyda.extract('powerSpectrum', frame);
      for (let m = 0; m < P.nMels; m++) {
        let acc = 0;
        for (let j = 0; j < fbSparse.len[m]; j++) acc += fbSparse.weights[fbSparse.off[m] + j] * (pw[fbSparse.start[m] + j] ?? 0);
        out[m * 128 + f] = Math.log(acc + 1e-6);
      }
    }
  };
  run();
  row('meyda 5.6.3 powerSpectrum + same mel/log', measure(run), `max abs diff vs ours ${maxAbsDiff(out, ref).toExponential(1)} (meyda's hanning is symmetric; its power spectrum has no Nyquist bin)`);
} catch (err) {
  row('meyda', null, `failed: ${err.message}`);
}

// ---- essentia.js: Windowing -> Spectrum -> MelBands (htk, power, no norm) per frame ----
try {
  const { EssentiaWASM, Essentia } = require('essentia.js');
  const es = new Essentia(EssentiaWASM);
  const pad = new Float32Array(N + P.nFft);
  const out = new Float32Array(P.nMels * 128);
  const run = () => {
    reflectPadInto(pad, x, P.nFft / 2);
    for (let f = 0; f < 128; f++) {
      const v = es.arrayToVector(pad.subarray(f * P.hopLength, f * P.hopLength + P.nFft));
      const w = es.Windowing(v, false, P.nFft, 'hann', 0, false);
      const s = es.Spectrum(w.frame, P.nFft);
      const mb = es.MelBands(s.spectrum, P.fMax, BINS, false, P.fMin, 'unit_max', P.nMels, P.sampleRate, 'power', 'htkMel', 'warping');
      const a = es.vectorToArray(mb.bands);
      for (let m = 0; m < P.nMels; m++) out[m * 128 + f] = Math.log(a[m] + 1e-6);
      v.delete?.(); w.frame.delete?.(); s.spectrum.delete?.(); mb.bands.delete?.();
    }
  };
  run();
  row(`essentia.js ${es.version ?? '0.1.3'} Windowing+Spectrum+MelBands`, measure(run), "essentia's own mel weighting; its functional JS API builds and configures the algorithms on every call");
} catch (err) {
  row('essentia.js', null, `failed: ${err.message}`);
}

// ---- tfjs, wasm backend, one thread ----
try {
  const tf = require('@tensorflow/tfjs');
  const wasmBackend = require('@tensorflow/tfjs-backend-wasm');
  wasmBackend.setWasmPaths(new URL('node_modules/@tensorflow/tfjs-backend-wasm/dist/', root).pathname);
  wasmBackend.setThreadsCount?.(1);
  await tf.setBackend('wasm');
  // tfjs-backend-wasm registers no FFT/Complex kernel, so tf.signal.stft cannot run there; the STFT is
  // done the way that backend can: frames x (windowed cos | sin) DFT bases as one matMul.
  const nF = P.nFft;
  const basis = new Float32Array(nF * 2 * BINS);
  for (let t = 0; t < nF; t++) {
    const w = 0.5 - 0.5 * Math.cos((2 * Math.PI * t) / nF);
    for (let k = 0; k < BINS; k++) {
      const a = (-2 * Math.PI * ((k * t) % nF)) / nF;
      basis[t * 2 * BINS + k] = w * Math.cos(a);
      basis[t * 2 * BINS + BINS + k] = w * Math.sin(a);
    }
  }
  const basisT = tf.tensor2d(basis, [nF, 2 * BINS]);
  const melT = tf.tensor2d(Float32Array.from(fbDense), [BINS, P.nMels]);
  const run = () => {
    const r = tf.tidy(() => {
      const s = tf.mirrorPad(tf.tensor1d(x), [[P.nFft / 2, P.nFft / 2]], 'reflect');
      const frames = tf.signal.frame(s, P.nFft, P.hopLength); // (128, nFft)
      const z = tf.matMul(frames, basisT); // (128, 2 * bins)
      const [re, im] = tf.split(z, 2, 1);
      const pw = tf.add(tf.square(re), tf.square(im));
      return tf.log(tf.add(tf.matMul(pw, melT), 1e-6)).transpose();
    });
    const d = r.dataSync();
    r.dispose();
    return d;
  };
  const d = run();
  row(`tfjs ${tf.version.tfjs} (wasm backend, 1 thread) DFT-matMul+mel+log`, measure(run, Math.min(SECONDS, 1)), `no FFT kernel in tfjs-backend-wasm: DFT as matMul; max abs diff vs ours ${maxAbsDiff(d, ref).toExponential(1)}`);
} catch (err) {
  row('tfjs (wasm backend)', null, `failed: ${String(err.message).split('\n')[0]}`);
}

// ---- numpy / scipy ----
const py = '/usr/bin/python3';
try {
  const dense = [];
  for (let m = 0; m < P.nMels; m++) {
    const r = [];
    for (let k = 0; k < BINS; k++) r.push(fbDense[k * P.nMels + m]);
    dense.push(r);
  }
  const r = spawnSync(py, [new URL('bench/audio/peer_numpy.py', root).pathname, String(SECONDS)], { input: JSON.stringify(dense), env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1' }, maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(String(r.stderr).slice(0, 200));
  const j = JSON.parse(String(r.stdout));
  let e = 0;
  let peak = 0;
  for (const v of ref) peak = Math.max(peak, Math.exp(v) - 1e-6);
  for (let m = 0; m < P.nMels; m++) if (Math.exp(ref[m * 128 + 5]) - 1e-6 > 1e-6 * peak) e = Math.max(e, Math.abs(j.sample[m] - ref[m * 128 + 5]));
  row(`numpy ${j.numpy} + scipy ${j.scipy} (pocketfft rfft, CSR mel)`, j.clipsPerSec, `frame 5 max abs diff vs ours ${e.toExponential(1)}`);
} catch (err) {
  row('numpy/scipy', null, `not run: ${err.message}`);
}

// ---- memory flatness over 10,000 calls ----
for (let i = 0; i < 20; i++) fe.melSpectrogram(x, P, outOne);
const before = fe.memoryBytes;
const heapBefore = process.memoryUsage().heapUsed;
const t0 = performance.now();
for (let i = 0; i < 10000; i++) fe.melSpectrogram(x, P, outOne);
const memMs = performance.now() - t0;
const after = fe.memoryBytes;
global.gc?.();
const mem = `WASM memory.buffer.byteLength before/after 10,000 calls: ${before} / ${after} bytes (${after === before ? 'flat' : 'GREW'}); took ${(memMs / 1000).toFixed(1)} s`;
console.log(mem);

// The machine is shared: measure ours and fft.js again, interleaved in short slices, so load changes hit
// both equally; the headline ratio comes from this.
// Also counts CPU time (process.cpuUsage): on a loaded machine the wall clock includes time the
// process spent waiting for a core, CPU time mostly does not.
function interleaved(fns, rounds = 8, slice = 0.25) {
  const counts = fns.map(() => 0);
  const times = fns.map(() => 0);
  const cpu = fns.map(() => 0);
  for (let r = 0; r < rounds; r++) {
    fns.forEach((fn, k) => {
      const c0 = process.cpuUsage();
      const t0 = performance.now();
      let t = t0;
      while (t - t0 < slice * 1000) {
        fn();
        counts[k]++;
        t = performance.now();
      }
      times[k] += t - t0;
      const c = process.cpuUsage(c0);
      cpu[k] += (c.user + c.system) / 1000;
    });
  }
  return { wall: counts.map((c, k) => (c * 1000) / times[k]), cpu: counts.map((c, k) => (c * 1000) / cpu[k]) };
}
const inter = interleaved([() => fe.melSpectrogram(x, P, outOne), () => jsLogMel(x, jsOut)]);
const [oursI, fftI] = inter.wall;
const [oursC, fftC] = inter.cpu;
const ours = oursI;
const ratio = oursI / fftI;
console.log(`interleaved: ours ${oursI.toFixed(0)} clips/s, fft.js ${fftI.toFixed(0)} clips/s (per CPU-second: ${oursC.toFixed(0)} vs ${fftC.toFixed(0)})`);
console.log(`ratio vs fft.js: ${ratio.toFixed(2)}x`);
const cpu = (readFileSync('/proc/cpuinfo', 'utf8').match(/model name\s*:\s*(.*)/) ?? [])[1] ?? cpus()[0]?.model;
const md = `# bench/audio results

Command: \`npm run build:wasm && npm run build:ts && node bench/audio/run.mjs ${SECONDS}\`
Date: ${new Date().toISOString()} — machine: \`nproc\` = ${execSync('nproc').toString().trim()}, CPU: ${cpu}, Node ${process.version}.
"max abs diff" is over the log-mel cells whose power is above 1e-6 of the clip's peak (the issue's tolerance
region); meyda and essentia use their own window/filters, so they differ by design.
Task: SSCL_AUDIO log-mel of one 2 s clip at 24 kHz (48,000 samples -> 128 mels x 128 frames, nFft 1024, hop 376,
reflect-centred, periodic Hann, power 2, HTK mel 0-12 kHz, ln(x + 1e-6)), one thread, ${SECONDS} s per peer after warm-up.
The machine is shared (2 cores, other jobs running), so absolute numbers move by ~10-20% between runs; the
ratio within one run is the meaningful figure.

| implementation | clips/s | note |
|---|---:|---|
${rows.map((r) => `| ${r.name} | ${r.cps === null ? 'n/a' : r.cps.toFixed(0)} | ${r.note} |`).join('\n')}

Interleaved re-measurement (8 rounds of 0.25 s each, alternating, so machine load hits both alike):
sscl-sdk ${oursI.toFixed(0)} clips/s, fft.js ${fftI.toFixed(0)} clips/s wall-clock; per CPU-second of this process
(less sensitive to the other jobs on the machine): sscl-sdk ${oursC.toFixed(0)}, fft.js ${fftC.toFixed(0)}
(ratio ${(oursC / fftC).toFixed(2)}x). Load average when the run started: ${loadAvg}.

**sscl-sdk (one clip per call, written into a caller buffer, as the fft.js pipeline does) vs fft.js in this run: ${ratio.toFixed(2)}x** (target >= 3x); absolute target 3,300 clips/s (wall-clock): ${ours >= 3300 ? "met" : "not met"} in this run (${ours.toFixed(0)} clips/s single-clip interleaved; table: ${rows[0].cps.toFixed(0)} single-clip, ${rows[2].cps.toFixed(0)} batched).

Memory: ${mem}.
`;
writeFileSync(new URL('bench/audio/RESULTS.md', root), md);
console.log('wrote bench/audio/RESULTS.md');
