// Renders a contact sheet of AV-Digits clips: one row per clip, its T frames left to right, plus a strip of
// the audio waveform under each row. Writes a PNG (and the clips' audio as WAV files next to it).
//
//   npm run build:ts && node examples/contact-sheet/contact-sheet.mjs [out.png] [--dataset avdigits|tuxav] [--preset tiny|small|paper] [--rows 6] [--split test] [--seed 0] [--scale 2] [--wav]
import { writeFileSync } from 'node:fs';
import { PNG } from 'pngjs';
import { datasets } from '../../build/tsc/src/index.js';

const args = process.argv.slice(2);
const opt = (name, dflt) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : dflt;
};
const out = args[0] && !args[0].startsWith('--') ? args[0] : 'contact-sheet.png';
const preset = opt('preset', 'tiny');
const rows = Number(opt('rows', 6));
const scale = Number(opt('scale', preset === 'tiny' ? 3 : 1));
const split = opt('split', 'test');
const seed = Number(opt('seed', 0));
const noise = Number(opt('noise', 0.2));

const which = opt('dataset', 'avdigits');
const ds = which === 'tuxav' ? await datasets.tuxAv({ split, seed, noise, preset }) : await datasets.avDigits({ split, seed, size: Math.max(rows, 10), noise, preset });
const { frames: T, height: H, width: W } = ds.preset;
const pad = 2;
const waveH = 24 * Math.max(1, Math.round(scale / 2));
const cellW = W * scale + pad;
const rowH = H * scale + waveH + 3 * pad;
const png = new PNG({ width: T * cellW + pad, height: rows * rowH + pad });
png.data.fill(255);
const put = (x, y, r, g, b) => {
  const i = (y * png.width + x) * 4;
  png.data[i] = r;
  png.data[i + 1] = g;
  png.data[i + 2] = b;
  png.data[i + 3] = 255;
};
for (let row = 0; row < rows; row++) {
  const item = await ds.get(row);
  const n = T * H * W;
  const y0 = pad + row * rowH;
  for (let t = 0; t < T; t++) {
    const x0 = pad + t * cellW;
    for (let y = 0; y < H * scale; y++) {
      for (let x = 0; x < W * scale; x++) {
        const i = t * H * W + Math.floor(y / scale) * W + Math.floor(x / scale);
        const c = (k) => Math.round(255 * Math.min(1, Math.max(0, item.video[k * n + i])));
        put(x0 + x, y0 + y, c(0), c(1), c(2));
      }
    }
  }
  // waveform strip across the row, with the clip's frame times as ticks
  const wy = y0 + H * scale + pad;
  const width = T * cellW - pad;
  const per = item.audio.length / width;
  for (let x = 0; x < width; x++) {
    let peak = 0;
    for (let k = Math.floor(x * per); k < Math.floor((x + 1) * per); k++) peak = Math.max(peak, Math.abs(item.audio[k]));
    const h = Math.min(waveH / 2, Math.round(peak * waveH));
    for (let y = -h; y <= h; y++) put(pad + x, wy + waveH / 2 + y, 40, 90, 200);
  }
  if (args.includes('--wav')) writeFileSync(out.replace(/\.png$/, `-${row}.wav`), wav(item.audio, item.sampleRate));
  console.log(`row ${row}: label ${item.label ?? '-'} audio ${item.audioLabel ?? '-'}${item.identity !== undefined ? ` ${ds.catalogue.stamps[item.identity].id} (${item.language})` : ''}`);
}
writeFileSync(out, PNG.sync.write(png));
console.log(`wrote ${out} (${png.width}x${png.height}, ${which}, preset ${preset}, split ${split}, seed ${seed})`);

function wav(x, sr) {
  const b = Buffer.alloc(44 + 2 * x.length);
  b.write('RIFF', 0); b.writeUInt32LE(36 + 2 * x.length, 4); b.write('WAVEfmt ', 8); b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20); b.writeUInt16LE(1, 22); b.writeUInt32LE(sr, 24); b.writeUInt32LE(2 * sr, 28);
  b.writeUInt16LE(2, 32); b.writeUInt16LE(16, 34); b.write('data', 36); b.writeUInt32LE(2 * x.length, 40);
  for (let i = 0; i < x.length; i++) b.writeInt16LE(Math.round(32767 * Math.max(-1, Math.min(1, x[i]))), 44 + 2 * i);
  return b;
}
