// Bind groups reused across launches. Creating one costs ~9 us of CPU in Dawn for 3 bindings (Node, this
// 2-core dev VM, quiet; more with more bindings or load) against ~2.3 us to set a cached one and dispatch
// (`node bench/engine/bindgroups.mjs`); a training step records
// hundreds of dispatches over the same pooled buffers, so most bind groups recur. The engine's uniforms sit
// at a per-dispatch offset of one ring buffer, bound with a dynamic offset, so they do not break the reuse.
//
// Keys name each bound buffer by a per-object id (never reused: a destroyed buffer's id never matches a
// live one) with its offset and size. The cache is cleared when it holds `max` groups; a dropped group
// may still be referenced by recorded work, which keeps it alive until that work is done.

const ids = new WeakMap<object, number>();
let nextId = 1;

/** A small integer naming `o` for as long as it lives (pipelines, layouts, buffers). */
export function idOf(o: object): number {
  let id = ids.get(o);
  if (id === undefined) ids.set(o, (id = nextId++));
  return id;
}

/** One resource of a bind group: a whole buffer, or a range of one. */
export type BoundBuffer = GPUBuffer | { buffer: GPUBuffer; offset?: number; size?: number };

export class BindGroupCache {
  private readonly groups = new Map<string, GPUBindGroup>();
  /** Bind groups created (misses) and reused (hits), for tests and benchmarks. */
  created = 0;
  reused = 0;

  constructor(
    private readonly gpu: GPUDevice,
    readonly max = 4096,
  ) {}

  get size(): number {
    return this.groups.size;
  }

  /** The bind group of `layout` with `resources` at bindings 0, 1, ... (in order), made on first use. */
  get(layout: GPUBindGroupLayout, resources: readonly BoundBuffer[]): GPUBindGroup {
    let key = String(idOf(layout));
    for (const r of resources) {
      if ('buffer' in r) key += `|${idOf(r.buffer)}@${r.offset ?? 0}+${r.size ?? -1}`;
      else key += `|${idOf(r)}`;
    }
    let g = this.groups.get(key);
    if (g) {
      this.reused++;
      return g;
    }
    if (this.groups.size >= this.max) this.groups.clear();
    g = this.gpu.createBindGroup({ layout, entries: resources.map((r, binding) => ({ binding, resource: 'buffer' in r ? r : { buffer: r } })) });
    this.groups.set(key, g);
    this.created++;
    return g;
  }

  clear(): void {
    this.groups.clear();
  }
}
