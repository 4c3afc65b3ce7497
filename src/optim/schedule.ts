// Learning-rate schedules: linear warm-up, then cosine or step decay.
import { InvalidArgumentError } from '../errors.ts';

export interface LrScheduleOptions {
  baseLr: number;
  /** Steps of linear warm-up from baseLr / warmupSteps to baseLr (default 0). */
  warmupSteps?: number;
  /** 'cosine' (default) or 'step'. */
  decay?: 'cosine' | 'step' | 'constant';
  /** Cosine: the step at which lr reaches minLr. */
  totalSteps?: number;
  /** Cosine floor (default 0). */
  minLr?: number;
  /** Step decay: multiply by gamma every stepSize steps after warm-up. */
  stepSize?: number;
  gamma?: number;
}

/**
 * The learning rate at (0-based) `step`.
 *
 * @example
 * ```ts
 * lrAt(0, { baseLr: 0.1, warmupSteps: 10, totalSteps: 100 });  // 0.01
 * lrAt(10, { baseLr: 0.1, warmupSteps: 10, totalSteps: 100 }); // 0.1
 * lrAt(100, { baseLr: 0.1, warmupSteps: 10, totalSteps: 100 }); // 0
 * ```
 */
export function lrAt(step: number, o: LrScheduleOptions): number {
  const warm = o.warmupSteps ?? 0;
  if (!(o.baseLr >= 0) || warm < 0) throw new InvalidArgumentError(`lrAt: need baseLr >= 0 and warmupSteps >= 0, got ${o.baseLr}, ${warm}`);
  if (step < warm) return (o.baseLr * (step + 1)) / warm;
  const t = step - warm;
  const decay = o.decay ?? 'cosine';
  if (decay === 'constant') return o.baseLr;
  if (decay === 'step') {
    if (!o.stepSize || o.stepSize < 1) throw new InvalidArgumentError('lrAt: step decay needs stepSize >= 1');
    return o.baseLr * (o.gamma ?? 0.1) ** Math.floor(t / o.stepSize);
  }
  const total = o.totalSteps;
  if (total === undefined || total <= warm) throw new InvalidArgumentError(`lrAt: cosine decay needs totalSteps > warmupSteps (${warm}), got ${total}`);
  const min = o.minLr ?? 0;
  const frac = Math.min(1, t / (total - warm));
  return min + 0.5 * (o.baseLr - min) * (1 + Math.cos(Math.PI * frac));
}

/** Sets `optimizer.lr` from the schedule; call step() after each optimizer step (torch's scheduler.step()). */
export class LrScheduler {
  private n = 0;
  constructor(private readonly optimizer: { lr: number }, private readonly opts: LrScheduleOptions) {
    optimizer.lr = lrAt(0, opts);
  }
  step(): number {
    this.n++;
    this.optimizer.lr = lrAt(this.n, this.opts);
    return this.optimizer.lr;
  }
  get lastStep(): number {
    return this.n;
  }
}
