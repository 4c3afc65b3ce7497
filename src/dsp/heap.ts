// Growable scratch slots in the DSP module's linear memory. A slot only grows (and the module's memory
// with it) when a call needs more than any earlier call did, so steady-state use allocates nothing:
// memory.buffer.byteLength stays constant after warm-up (tested over 10,000 calls).
import type { DspExports } from './wasm.ts';

export class WasmHeap {
  readonly e: DspExports;
  private buf: ArrayBuffer | null = null;
  private _f32 = new Float32Array(0);
  private _i32 = new Int32Array(0);
  private slots = new Map<string, { ptr: number; bytes: number }>();

  constructor(e: DspExports) {
    this.e = e;
  }

  /** Float32 view of the whole memory (re-created only after the memory grew). */
  get f32(): Float32Array {
    this.refresh();
    return this._f32;
  }

  get i32(): Int32Array {
    this.refresh();
    return this._i32;
  }

  private refresh(): void {
    const b = this.e.memory.buffer as ArrayBuffer;
    if (b !== this.buf) {
      this.buf = b;
      this._f32 = new Float32Array(b);
      this._i32 = new Int32Array(b);
    }
  }

  /** Address of a scratch slot of at least `bytes` (contents undefined). */
  slot(name: string, bytes: number): number {
    const s = this.slots.get(name);
    if (s && s.bytes >= bytes) return s.ptr;
    if (s) this.e.free(s.ptr);
    const size = Math.max(64, Math.ceil(bytes / 64) * 64);
    const ptr = this.e.alloc(size);
    this.slots.set(name, { ptr, bytes: size });
    return ptr;
  }

  /** Permanent allocation holding a copy of `data` (filters, windows, kernels: cached by the caller). */
  persist(data: Float32Array | Int32Array): number {
    const ptr = this.e.alloc(Math.max(16, data.byteLength));
    if (data instanceof Float32Array) this.f32.set(data, ptr >> 2);
    else this.i32.set(data, ptr >> 2);
    return ptr;
  }
}
