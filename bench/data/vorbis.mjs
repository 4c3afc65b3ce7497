// Ogg Vorbis decode speed of our decoder on Debian's recordings (needs ktuberling-data and
// tuxpaint-stamps-default). npm run build:ts && node bench/data/vorbis.mjs
import { readFileSync } from 'node:fs';
import { decodeOggVorbis } from '../../build/tsc/src/data/media/vorbis/index.js';

const files = ['/usr/share/ktuberling/sounds/en/ball.ogg', '/usr/share/tuxpaint/stamps/animals/amphibians/frog-1_desc_ca.ogg', '/usr/share/tuxpaint/stamps/animals/amphibians/frog.ogg'].map((f) => new Uint8Array(readFileSync(f)));
for (const b of files) decodeOggVorbis(b); // warm-up (tables, JIT)
const t = performance.now();
let samples = 0;
for (let r = 0; r < 3; r++) {
  for (const b of files) {
    const a = decodeOggVorbis(b);
    samples += a.channels[0].length * a.channels.length;
  }
}
const s = (performance.now() - t) / 1000;
console.log(`decodeOggVorbis: ${(samples / s / 1e6).toFixed(2)} M channel-samples/s (${samples} in ${s.toFixed(2)} s), node ${process.version}`);
