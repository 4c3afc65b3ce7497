// Draws the random content of one AV-Digits item (everything but the pixels and samples): which digit
// image, which speaker, trajectories, colours, clutter, noise. The order of draws is fixed, so an item is
// a pure function of (seed, split, index).
import { detCos, detSin } from '../detmath.ts';
import { Rng } from '../rng.ts';
import type { Rgb, Scene, Shape, Sprite } from './render.ts';

function colour(rng: Rng, lo: number, hi: number): Rgb {
  return [rng.range(lo, hi), rng.range(lo, hi), rng.range(lo, hi)];
}

/** A bright, saturated colour (one channel high, one low) for the digit, so it stands out. */
export function brightColour(rng: Rng): Rgb {
  const c: Rgb = [rng.range(0.3, 1), rng.range(0.3, 1), rng.range(0.3, 1)];
  c[rng.int(3)] = rng.range(0.85, 1);
  return c;
}

/** A sprite with a random start, direction, speed (up to `speed` frame units/s), size, rotation. */
export function sprite(rng: Rng, image: Uint8Array, color: Rgb, alpha: number, size: [number, number], speed: number): Sprite {
  const dir = rng.range(0, 2 * Math.PI);
  const sp = rng.range(0, speed);
  return {
    image,
    color,
    alpha,
    x0: rng.range(0.3, 0.7),
    y0: rng.range(0.3, 0.7),
    vx: sp * detCos(dir),
    vy: sp * detSin(dir),
    size0: rng.range(size[0], size[1]),
    growth: rng.range(-0.08, 0.08),
    theta0: rng.range(-0.35, 0.35),
    omega: rng.range(-0.5, 0.5),
  };
}


/** Background: a two-colour gradient in a random direction plus 2-6 translucent rectangles and discs. */
export function background(rng: Rng): Scene['background'] {
  const a = rng.range(0, 2 * Math.PI);
  const shapes: Shape[] = [];
  const n = 2 + rng.int(5);
  for (let k = 0; k < n; k++) {
    shapes.push({
      kind: rng.bernoulli(0.5) ? 'rect' : 'disc',
      cx: rng.uniform(),
      cy: rng.uniform(),
      rx: rng.range(0.05, 0.3),
      ry: rng.range(0.05, 0.3),
      color: colour(rng, 0, 1),
      alpha: rng.range(0.15, 0.45),
    });
  }
  return { c0: colour(rng, 0, 0.45), c1: colour(rng, 0, 0.45), dirX: detCos(a), dirY: detSin(a), shapes };
}
