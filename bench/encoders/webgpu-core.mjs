// The timed part of bench/encoders/webgpu.mjs, shared by its Chromium page and its Node run: our createModel()
// forward and onnxruntime-web's WebGPU execution provider on the same network (exported from the torch twin by
// export_onnx.py, same weights: 'default' init, seed 1), the same input, on the same adapter kind.
//
// Timing rule, the same for both sides: one warm-up run (pipeline/shader compilation), then `iters` inference
// calls one after another, each uploading the input from a Float32Array and awaiting the (B, 128) embedding
// on the CPU (ort: `await session.run()`, which downloads its output; ours: Tensor.fromArray -> forward ->
// `await toArray()`). Rounds alternate ours / ort so machine load hits both alike; clips/s = B x iters / s
// summed over rounds. The two embeddings are compared (max |diff|): same network, so they must agree.

/**
 * @param {object} o
 * @param {{ noGrad: Function, Tensor: any }} o.engine  our engine module (build/tsc/src/engine.js)
 * @param {Function} o.createModel  build/tsc/src/models/encoder.js createModel
 * @param {any} o.device  our Device (getDevice())
 * @param {{ label: string, ort: any }[]} o.peers  onnxruntime-web builds (env already set), each run with its 'webgpu' EP
 * @param {(name: string) => Promise<Uint8Array>} o.onnx  the bytes of <arch>_<preset>_<B>.onnx
 * @param {[string, string, number, number][]} o.cases  [arch, preset, B, iters]
 * @param {number} [o.rounds]  alternating rounds per case (default 2)
 * @param {(s: string) => void} o.log
 */
export async function runCases(o) {
  const { engine, createModel, device, log } = o;
  const rounds = o.rounds ?? 2;
  const results = [];
  for (const [arch, preset, B, iters] of o.cases) {
    const name = `${arch}_${preset}_${B}`;
    const r = { arch, preset, B, iters, rounds, ours: null, peers: {}, maxAbsDiff: {}, errors: [] };
    let model = null, shape = null, data = null;
    try {
      model = (await createModel(arch, { preset, device, seed: 1 })).eval();
      shape = [B, ...model.spec.input];
      data = Float32Array.from({ length: shape.reduce((a, b) => a * b, 1) }, (_, i) => Math.sin(i));
    } catch (e) {
      r.errors.push(`ours: ${e?.message ?? e}`);
    }
    const ours = async () => {
      const x = engine.Tensor.fromArray(device, data, shape);
      const z = engine.noGrad(() => model.forward(x, { head: true }));
      const out = await z.toArray();
      z.dispose();
      x.dispose();
      return out;
    };
    const side = { ours: { fn: ours, s: 0, first: 0, out: null } };
    const active = model ? ['ours'] : [];
    for (const { label, ort } of model ? o.peers : []) {
      try {
        const t0 = performance.now();
        const session = await ort.InferenceSession.create(await o.onnx(name), { executionProviders: ['webgpu'] });
        const fn = async () => (await session.run({ x: new ort.Tensor('float32', data, shape) })).z.data;
        side[label] = { fn, s: 0, first: 0, out: null, session, create: (performance.now() - t0) / 1000 };
        active.push(label);
      } catch (e) {
        r.errors.push(`${label}: ${e?.message ?? e}`);
      }
    }
    for (const k of active) {
      try {
        const t0 = performance.now();
        side[k].out = await side[k].fn(); // warm-up
        side[k].first = (performance.now() - t0) / 1000;
      } catch (e) {
        r.errors.push(`${k} warm-up: ${e?.message ?? e}`);
        side[k].failed = true;
      }
    }
    for (let round = 0; round < rounds; round++) {
      for (const k of active) {
        if (side[k].failed) continue;
        const t0 = performance.now();
        for (let i = 0; i < iters; i++) side[k].out = await side[k].fn();
        const s = (performance.now() - t0) / 1000;
        side[k].s += s;
        (side[k].perRound ??= []).push((B * iters) / s);
      }
    }
    for (const k of active) {
      if (side[k].failed) continue;
      const v = { clipsPerSec: (B * iters * rounds) / side[k].s, seconds: side[k].s, perRound: side[k].perRound, firstRunSeconds: side[k].first };
      if (k === 'ours') r.ours = v;
      else r.peers[k] = { ...v, createSeconds: side[k].create };
    }
    const f = (v) => (v ? v.clipsPerSec.toFixed(2) : '-');
    const parts = [`ours ${f(r.ours)}`];
    for (const k of active.filter((k) => k !== 'ours')) {
      if (side.ours.out && side[k].out) {
        let d = 0;
        for (let i = 0; i < side.ours.out.length; i++) d = Math.max(d, Math.abs(side.ours.out[i] - side[k].out[i]));
        r.maxAbsDiff[k] = d;
      }
      const ratio = r.ours && r.peers[k] ? (r.ours.clipsPerSec / r.peers[k].clipsPerSec).toFixed(2) : '-';
      parts.push(`${k} ${f(r.peers[k])} (ours/${k} ${ratio}, max|diff| ${r.maxAbsDiff[k]?.toExponential(1) ?? '-'})`);
      await side[k].session.release();
    }
    log(`${arch.padEnd(15)} ${preset.padEnd(6)} B=${String(B).padEnd(2)} clips/s: ${parts.join('  ')}${r.errors.length ? '  ERR ' + r.errors.join('; ') : ''}`);
    results.push(r);
    model?.dispose();
  }
  return results;
}
