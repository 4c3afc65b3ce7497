// Buffer pool: released storage buffers are kept by size class and handed out again, so a training loop
// that allocates the same shapes every step reaches a fixed set of GPU buffers after its first step.
// Reusing a buffer inside the open encoder is safe: commands run in recording order, so a later op's
// writes land after every earlier op's reads. (Uploads are the exception; GpuContext.upload handles them.)

/** Size classes: multiples of 256 bytes below 64 KiB, then steps of 1/8 of the power of two. */
export function sizeClass(bytes: number): number {
  const b = Math.max(256, bytes);
  if (b <= 65536) return Math.ceil(b / 256) * 256;
  const p = 2 ** Math.floor(Math.log2(b));
  const step = p / 8;
  return Math.ceil(b / step) * step;
}

export class BufferPool {
  private readonly free = new Map<number, GPUBuffer[]>();
  /** Bytes in buffers the pool created and has not destroyed (live + free). */
  allocatedBytes = 0;
  /** Buffers created over the pool's life. */
  created = 0;

  constructor(private readonly gpu: GPUDevice) {}

  acquire(bytes: number): GPUBuffer {
    const size = sizeClass(bytes);
    const list = this.free.get(size);
    const hit = list?.pop();
    if (hit) return hit;
    this.created++;
    this.allocatedBytes += size;
    return this.gpu.createBuffer({ size, usage: GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST });
  }

  release(buffer: GPUBuffer): void {
    let list = this.free.get(buffer.size);
    if (!list) this.free.set(buffer.size, (list = []));
    list.push(buffer);
  }

  /** Destroys every free buffer (live ones are untouched). Call only when no recorded work is pending. */
  trim(): void {
    for (const list of this.free.values()) {
      for (const b of list) {
        this.allocatedBytes -= b.size;
        b.destroy();
      }
    }
    this.free.clear();
  }
}
