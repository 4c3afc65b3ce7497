// Still pictures animated into clips: a Tux Paint stamp (RGBA) panning and zooming over a background.
import type { DecodedImage } from '../media/image.ts';

/** A stamp ready to draw: premultiplied RGB (3, h, w) and alpha (h, w), at most ~`maxSide` pixels a side. */
export interface Prepared {
  w: number;
  h: number;
  rgb: Float32Array;
  alpha: Float32Array;
}

/** Premultiplies and halves the image (2x2 box average) until its longer side is <= maxSide. */
export function prepareStamp(img: DecodedImage, maxSide: number): Prepared {
  let w = img.width, h = img.height;
  let n = w * h;
  let rgb = new Float32Array(3 * n);
  let alpha = img.alpha.slice();
  for (let c = 0; c < 3; c++) for (let i = 0; i < n; i++) rgb[c * n + i] = img.rgb[c * n + i] * alpha[i];
  while (Math.max(w, h) > maxSide && w >= 2 && h >= 2) {
    const w2 = w >> 1, h2 = h >> 1, n2 = w2 * h2;
    const r2 = new Float32Array(3 * n2), a2 = new Float32Array(n2);
    for (let y = 0; y < h2; y++) {
      for (let x = 0; x < w2; x++) {
        const i00 = 2 * y * w + 2 * x, i01 = i00 + 1, i10 = i00 + w, i11 = i10 + 1, o = y * w2 + x;
        a2[o] = (alpha[i00] + alpha[i01] + alpha[i10] + alpha[i11]) / 4;
        for (let c = 0; c < 3; c++) r2[c * n2 + o] = (rgb[c * n + i00] + rgb[c * n + i01] + rgb[c * n + i10] + rgb[c * n + i11]) / 4;
      }
    }
    w = w2;
    h = h2;
    n = n2;
    rgb = r2;
    alpha = a2;
  }
  return { w, h, rgb, alpha };
}

/** Motion of the stamp: centre moves from (x0, y0) to (x1, y1) and its longer side from s0 to s1 (frame units) over `span` seconds. */
export interface PanZoom {
  x0: number;
  y0: number;
  x1: number;
  y1: number;
  s0: number;
  s1: number;
  span: number;
}

/** Composites the stamp over frame f of a (3, T, H, W) clip already holding the background, at time t. */
export function drawStamp(out: Float32Array, st: Prepared, m: PanZoom, t: number, f: number, T: number, H: number, W: number): void {
  const u = Math.min(1, Math.max(0, t / m.span));
  const cx = m.x0 + (m.x1 - m.x0) * u, cy = m.y0 + (m.y1 - m.y0) * u;
  const size = m.s0 + (m.s1 - m.s0) * u;
  const k = Math.max(st.w, st.h) / size; // image pixels per frame unit
  const n = T * H * W, base = f * H * W, sn = st.w * st.h;
  const px = (c: number, y: number, x: number): number => (y >= 0 && y < st.h && x >= 0 && x < st.w ? (c < 3 ? st.rgb[c * sn + y * st.w + x] : st.alpha[y * st.w + x]) : 0);
  for (let y = 0; y < H; y++) {
    const v = ((y + 0.5) / H - cy) * k + st.h / 2 - 0.5;
    if (v <= -1 || v >= st.h) continue;
    const iv = Math.floor(v), fv = v - iv;
    for (let x = 0; x < W; x++) {
      const uu = ((x + 0.5) / W - cx) * k + st.w / 2 - 0.5;
      if (uu <= -1 || uu >= st.w) continue;
      const iu = Math.floor(uu), fu = uu - iu;
      const bil = (c: number) => (px(c, iv, iu) * (1 - fu) + px(c, iv, iu + 1) * fu) * (1 - fv) + (px(c, iv + 1, iu) * (1 - fu) + px(c, iv + 1, iu + 1) * fu) * fv;
      const a = bil(3);
      if (a <= 0) continue;
      const i = base + y * W + x;
      for (let c = 0; c < 3; c++) out[c * n + i] = out[c * n + i] * (1 - a) + bil(c);
    }
  }
}
