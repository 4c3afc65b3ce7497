// GPU-side guards: kernels that detect bad input (NaN/Inf features) raise a flag on the GPU instead of the
// host reading every op's output. Each guard owns one u32 word (in its own 256-byte slot, so a kernel can
// bind it at an offset) of a context-wide flag buffer; kernels `atomicOr`/`atomicAdd` into it. The words
// are sticky until the next read: GpuContext.read copies the used slots into the same staging buffer as
// the data (no extra submit, no extra map), clears them, and throws the first tripped guard's typed error
// (after running every tripped guard's `onTrip`, e.g. to resync host mirrors of GPU state).
import { InvalidArgumentError } from '../errors.ts';

export const GUARD_SLOT_BYTES = 256; // >= minStorageBufferOffsetAlignment on every adapter (spec max)
const MAX_SLOTS = 256;

export interface GuardSpec {
  /** Turns a non-zero flag word into the error to throw (or null to only run onTrip). */
  decode(word: number): Error | null;
  /** Runs on every tripped read, before the error is thrown. */
  onTrip?(word: number): void;
}

/** Where a kernel writes the flag: bind `{ buffer, offset, size: 4 }` as `atomic<u32>` storage. */
export interface GuardBinding {
  buffer: GPUBuffer;
  offset: number;
  size: number;
}

export class GuardSlots {
  private buffer: GPUBuffer | null = null;
  private readonly specs: Array<GuardSpec | null> = [];
  private readonly free: number[] = [];
  private readonly pendingFree: number[] = []; // released, word not yet cleared by a collect

  constructor(private readonly gpu: GPUDevice) {}

  /** Registers a guard; its word starts at 0. Release it with `release(binding)` when its owner goes. */
  acquire(spec: GuardSpec): GuardBinding {
    let i = this.free.pop();
    if (i === undefined) {
      if (this.specs.length >= MAX_SLOTS) throw new InvalidArgumentError(`more than ${MAX_SLOTS} live GPU guards (each contrastive queue and memory bank holds one); dispose() the ones no longer used`);
      i = this.specs.length;
      this.specs.push(null);
    }
    this.specs[i] = spec;
    this.buffer ??= this.gpu.createBuffer({ size: MAX_SLOTS * GUARD_SLOT_BYTES, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST, label: 'sscl-guards' });
    return { buffer: this.buffer, offset: i * GUARD_SLOT_BYTES, size: 4 };
  }

  /** Frees a slot (its word must be cleared by the next read before reuse: it is, see `encodeCollect`). */
  release(b: GuardBinding): void {
    const i = b.offset / GUARD_SLOT_BYTES;
    if (this.specs[i]) {
      this.specs[i] = null;
      this.pendingFree.push(i);
    }
  }

  /** Bytes of the flag buffer a read must collect (0 when no guard was ever made). */
  get bytes(): number {
    return this.buffer ? this.specs.length * GUARD_SLOT_BYTES : 0;
  }

  /** Records: copy the used slots to `dst` at `dstOffset`, then zero them (for the next batch). */
  encodeCollect(enc: GPUCommandEncoder, dst: GPUBuffer, dstOffset: number): number {
    const n = this.bytes;
    if (!n || !this.buffer) return 0;
    enc.copyBufferToBuffer(this.buffer, 0, dst, dstOffset, n);
    enc.clearBuffer(this.buffer, 0, n);
    // Slots released before this collect are zero from here on: reusable.
    this.free.push(...this.pendingFree.splice(0));
    return n;
  }

  /** Checks collected words; runs onTrip hooks; returns the first error to throw, or null. */
  check(words: ArrayBuffer): Error | null {
    const w = new Uint32Array(words);
    let first: Error | null = null;
    this.specs.forEach((s, i) => {
      const v = w[(i * GUARD_SLOT_BYTES) / 4] ?? 0;
      if (!v || !s) return;
      s.onTrip?.(v);
      first ??= s.decode(v);
    });
    return first;
  }
}
