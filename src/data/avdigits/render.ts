// Renders an AV-Digits clip: one MNIST digit moving over a cluttered background, with its brightness
// following the loudness of its spoken name (so the pictures carry the sound's timing). Positions are in
// frame units (0..1), times in seconds. Only exactly-specified arithmetic (detmath), so the same scene gives
// the same bytes in every runtime.
import { detCos, detSin } from '../detmath.ts';
import { MNIST_SIZE } from './mnist.ts';

export type Rgb = [number, number, number];

export interface Shape {
  kind: 'rect' | 'disc';
  cx: number;
  cy: number;
  /** Half extents (rect) or radius in x/y (disc), frame units. */
  rx: number;
  ry: number;
  color: Rgb;
  alpha: number;
}

/** A sprite drawn from an MNIST image (the digit itself, or faint clutter fragments). */
export interface Sprite {
  image: Uint8Array; // (28, 28)
  color: Rgb;
  alpha: number;
  /** Centre at t = 0 and velocity (frame units per second); bounces inside the frame. */
  x0: number;
  y0: number;
  vx: number;
  vy: number;
  /** Side of the 28x28 box at t = 0 (frame units) and its change per second. */
  size0: number;
  growth: number;
  /** Rotation at t = 0 (radians) and angular velocity (rad/s). */
  theta0: number;
  omega: number;
}

export interface Scene {
  background: { c0: Rgb; c1: Rgb; dirX: number; dirY: number; shapes: Shape[] };
  clutter: Sprite[];
  digit: Sprite;
  /** Brightness envelope of the digit at time t, in [0, 1]: how loud its spoken name is then. */
  glow: (t: number) => number;
  /** How strongly the digit's brightness follows the envelope (0 = not at all). */
  glowGain: number;
}

/** Reflects x into [lo, hi] (a bouncing trajectory). */
function bounce(x: number, lo: number, hi: number): number {
  const span = hi - lo;
  if (span <= 0) return (lo + hi) / 2;
  let r = (x - lo) % (2 * span);
  if (r < 0) r += 2 * span;
  return lo + (r <= span ? r : 2 * span - r);
}

/** Background of one frame size: gradient + translucent shapes. (3, H, W) */
export function renderBackground(bg: Scene['background'], h: number, w: number): Float32Array {
  const out = new Float32Array(3 * h * w);
  const n = h * w;
  for (let y = 0; y < h; y++) {
    const fy = (y + 0.5) / h;
    for (let x = 0; x < w; x++) {
      const fx = (x + 0.5) / w;
      const g = Math.min(1, Math.max(0, 0.5 + (fx - 0.5) * bg.dirX + (fy - 0.5) * bg.dirY));
      let r = bg.c0[0] + (bg.c1[0] - bg.c0[0]) * g;
      let gg = bg.c0[1] + (bg.c1[1] - bg.c0[1]) * g;
      let b = bg.c0[2] + (bg.c1[2] - bg.c0[2]) * g;
      for (const s of bg.shapes) {
        const dx = (fx - s.cx) / s.rx;
        const dy = (fy - s.cy) / s.ry;
        const inside = s.kind === 'rect' ? Math.abs(dx) <= 1 && Math.abs(dy) <= 1 : dx * dx + dy * dy <= 1;
        if (inside) {
          r += (s.color[0] - r) * s.alpha;
          gg += (s.color[1] - gg) * s.alpha;
          b += (s.color[2] - b) * s.alpha;
        }
      }
      const i = y * w + x;
      out[i] = r;
      out[n + i] = gg;
      out[2 * n + i] = b;
    }
  }
  return out;
}

/** Draws `sp` at time t over plane offsets of frame `f` of a (3, T, H, W) clip, with brightness `gain`. */
function drawSprite(out: Float32Array, sp: Sprite, t: number, f: number, T: number, h: number, w: number, gain: number): void {
  const size = Math.max(0.05, sp.size0 + sp.growth * t);
  const margin = size * 0.35;
  const cx = bounce(sp.x0 + sp.vx * t, margin, 1 - margin);
  const cy = bounce(sp.y0 + sp.vy * t, margin, 1 - margin);
  const th = sp.theta0 + sp.omega * t;
  const c = detCos(th);
  const s = detSin(th);
  const k = MNIST_SIZE / size; // image pixels per frame unit
  const n = T * h * w;
  const base = f * h * w;
  // bounding box of the rotated sprite (half diagonal) to skip empty pixels
  const half = size * 0.7072;
  const y0 = Math.max(0, Math.floor((cy - half) * h));
  const y1 = Math.min(h, Math.ceil((cy + half) * h));
  const x0 = Math.max(0, Math.floor((cx - half) * w));
  const x1 = Math.min(w, Math.ceil((cx + half) * w));
  const img = sp.image;
  const cr = Math.min(1, sp.color[0] * gain), cg = Math.min(1, sp.color[1] * gain), cb = Math.min(1, sp.color[2] * gain);
  for (let y = y0; y < y1; y++) {
    const dy = (y + 0.5) / h - cy;
    for (let x = x0; x < x1; x++) {
      const dx = (x + 0.5) / w - cx;
      // inverse rotation into the sprite's frame, then to image pixel centres
      const u = (c * dx + s * dy) * k + MNIST_SIZE / 2 - 0.5;
      const v = (-s * dx + c * dy) * k + MNIST_SIZE / 2 - 0.5;
      if (u <= -1 || v <= -1 || u >= MNIST_SIZE || v >= MNIST_SIZE) continue;
      const iu = Math.floor(u);
      const iv = Math.floor(v);
      const fu = u - iu;
      const fv = v - iv;
      const px = (yy: number, xx: number): number => (yy >= 0 && yy < MNIST_SIZE && xx >= 0 && xx < MNIST_SIZE ? img[yy * MNIST_SIZE + xx] : 0);
      const a = ((px(iv, iu) * (1 - fu) + px(iv, iu + 1) * fu) * (1 - fv) + (px(iv + 1, iu) * (1 - fu) + px(iv + 1, iu + 1) * fu) * fv) / 255;
      if (a <= 0) continue;
      const al = a * sp.alpha;
      const i = base + y * w + x;
      out[i] += (cr - out[i]) * al;
      out[n + i] += (cg - out[n + i]) * al;
      out[2 * n + i] += (cb - out[2 * n + i]) * al;
    }
  }
}

/** Renders the frames at `times` (seconds): (3, T, H, W) in [0, 1]. */
export function renderClip(scene: Scene, times: number[], h: number, w: number): Float32Array {
  const T = times.length;
  const bg = renderBackground(scene.background, h, w);
  const out = new Float32Array(3 * T * h * w);
  const hw = h * w;
  for (let f = 0; f < T; f++) {
    for (let ch = 0; ch < 3; ch++) out.set(bg.subarray(ch * hw, (ch + 1) * hw), (ch * T + f) * hw);
  }
  for (let f = 0; f < T; f++) {
    const t = times[f];
    for (const c of scene.clutter) drawSprite(out, c, t, f, T, h, w, 1);
    // silent: dimmed by 0.35 * glowGain (18-32 %); at the loudest moment of the spoken name: full brightness
    const gain = 1 - 0.35 * scene.glowGain * (1 - Math.min(1, scene.glow(t)));
    drawSprite(out, scene.digit, t, f, T, h, w, gain);
  }
  return out;
}
