// Kernels described as data (STYLE.md #3). A KernelSpec names its storage bindings, its scalar uniforms,
// its workgroup size and a WGSL body that is only the maths; `buildKernelSource` generates the preamble:
//
//   * every storage binding `x` is reached through accessors `x(i)` / `x_set(i, v)`. When the buffer is
//     bigger than maxStorageBufferBindingSize it is bound as several consecutive ranges (x_0, x_1, ...)
//     and the accessor picks the range, so no kernel body ever knows about the split;
//   * the uniform struct `u` starts with the dispatch base (`u.base`, for grids split into several
//     dispatches because a dimension exceeds maxComputeWorkgroupsPerDimension) and the folded grid width
//     (`u.gridX`), followed by the spec's own scalars;
//   * `main` defines `wid` (global workgroup id), `wlin` (linear workgroup index of a 1-D launch folded
//     into 2-D), `gidx` (linear invocation index), `lid` and `lidx`.
//
// The generated source is the pipeline cache key (it already contains every specialisation). Spec
// builders called on every launch (map, reduce, GEMM) memoise their specs with `memoSpec`, so the context
// finds the pipeline by the spec object and builds the source only the first time (building and hashing
// a GEMM's ~10 KB of WGSL per launch cost more host time than recording its dispatch).

export type ElemType = 'f32' | 'u32' | 'i32';

export interface BindingSpec {
  name: string;
  /** Element type; default f32. */
  type?: ElemType;
  /** True when the kernel writes this binding. */
  write?: boolean;
}

export interface KernelSpec {
  /** Short name for labels and error messages. */
  name: string;
  bindings: BindingSpec[];
  /** Scalar uniforms, in order, readable as `u.<name>`. */
  uniforms?: Array<[string, ElemType]>;
  /** Workgroup size (x, y, z) or x alone. */
  workgroupSize: number | [number, number, number];
  /** Module-scope WGSL: helper functions, `var<workgroup>` arrays, constants. */
  decls?: string;
  /** Body of `main`. */
  body: string;
}

const specs = new Map<string, KernelSpec>();
const SPEC_MEMO_MAX = 4096;

/**
 * The spec `build()` makes, memoised by `key` (which must name everything the spec's text depends on):
 * the same object for the same key, so pipeline lookups can go by identity. Specs are never mutated.
 */
export function memoSpec<S extends KernelSpec>(key: string, build: () => S): S {
  let s = specs.get(key);
  if (!s) {
    if (specs.size >= SPEC_MEMO_MAX) specs.clear();
    specs.set(key, (s = build()));
  }
  return s as S;
}

/** How one binding is split: `chunks` ranges of `chunkElems` elements each (the last may be shorter). */
export interface BindingLayout {
  chunks: number;
  chunkElems: number;
}

export function wgSize(spec: KernelSpec): [number, number, number] {
  return typeof spec.workgroupSize === 'number' ? [spec.workgroupSize, 1, 1] : spec.workgroupSize;
}

/** Byte size of the uniform block: 16 bytes of dispatch header plus 4 per scalar, rounded to 16. */
export function uniformBytes(spec: KernelSpec): number {
  return Math.ceil((16 + 4 * (spec.uniforms?.length ?? 0)) / 16) * 16;
}

function accessors(b: BindingSpec, layout: BindingLayout): string {
  const t = b.type ?? 'f32';
  const n = b.name;
  const E = layout.chunkElems;
  if (layout.chunks === 1) {
    const get = `fn ${n}(i: u32) -> ${t} { return ${n}_0[i]; }`;
    return b.write ? `${get}\nfn ${n}_set(i: u32, v: ${t}) { ${n}_0[i] = v; }` : get;
  }
  const getParts: string[] = [];
  const setParts: string[] = [];
  for (let c = 0; c < layout.chunks; c++) {
    const cond = c < layout.chunks - 1 ? `if (i < ${(c + 1) * E}u) ` : '';
    getParts.push(`${cond}{ return ${n}_${c}[i - ${c * E}u]; }`);
    setParts.push(`${cond}{ ${n}_${c}[i - ${c * E}u] = v; return; }`);
  }
  const get = `fn ${n}(i: u32) -> ${t} {\n  ${getParts.join('\n  ')}\n}`;
  return b.write ? `${get}\nfn ${n}_set(i: u32, v: ${t}) {\n  ${setParts.join('\n  ')}\n}` : get;
}

/** The full WGSL module for a spec with the given binding layouts (one per binding, same order). */
export function buildKernelSource(spec: KernelSpec, layouts: BindingLayout[]): string {
  const [x, y, z] = wgSize(spec);
  const lines: string[] = [];
  const fields = (spec.uniforms ?? []).map(([n, t]) => `  ${n}: ${t},`).join('\n');
  lines.push(`struct Uniforms {\n  base: vec3<u32>,\n  gridX: u32,\n${fields}\n}`);
  lines.push('@group(0) @binding(0) var<uniform> u: Uniforms;');
  let slot = 1;
  spec.bindings.forEach((b, i) => {
    const access = b.write ? 'read_write' : 'read';
    for (let c = 0; c < layouts[i].chunks; c++) {
      lines.push(`@group(0) @binding(${slot++}) var<storage, ${access}> ${b.name}_${c}: array<${b.type ?? 'f32'}>;`);
    }
  });
  spec.bindings.forEach((b, i) => lines.push(accessors(b, layouts[i])));
  if (spec.decls) lines.push(spec.decls);
  lines.push(`const WG: u32 = ${x * y * z}u;`);
  lines.push(`@compute @workgroup_size(${x}, ${y}, ${z})
fn main(@builtin(workgroup_id) wg0: vec3<u32>, @builtin(local_invocation_id) lid: vec3<u32>,
        @builtin(local_invocation_index) lidx: u32) {
  let wid = wg0 + u.base;
  let wlin = wid.x + wid.y * u.gridX;
  let gidx = wlin * WG + lidx;
${spec.body}
}`);
  return lines.join('\n');
}

/** Workgroup grids: a 1-D count (folded into 2-D by the launcher) or an explicit (x, y, z). */
export type Grid = number | [number, number, number];

export interface DispatchPiece {
  base: [number, number, number];
  count: [number, number, number];
  gridX: number;
}

/**
 * Splits a grid into dispatches that respect `maxPerDim`. A 1-D count n is folded into (gx, gy) with
 * gx <= maxPerDim (the body reconstructs `wlin` from `u.gridX`); any dimension still above the limit is
 * cut into several dispatches whose offsets arrive as `u.base`.
 */
export function planDispatch(grid: Grid, maxPerDim: number): DispatchPiece[] {
  let full: [number, number, number];
  let gridX: number;
  if (typeof grid === 'number') {
    const gx = Math.max(1, Math.min(grid, maxPerDim));
    full = [gx, Math.max(1, Math.ceil(grid / gx)), 1];
    gridX = gx;
  } else {
    full = grid;
    gridX = grid[0];
  }
  if (full.some((g) => g === 0)) return [];
  const pieces: DispatchPiece[] = [];
  for (let bz = 0; bz < full[2]; bz += maxPerDim) {
    for (let by = 0; by < full[1]; by += maxPerDim) {
      for (let bx = 0; bx < full[0]; bx += maxPerDim) {
        pieces.push({
          base: [bx, by, bz],
          count: [Math.min(maxPerDim, full[0] - bx), Math.min(maxPerDim, full[1] - by), Math.min(maxPerDim, full[2] - bz)],
          gridX,
        });
      }
    }
  }
  return pieces;
}

/**
 * How a buffer of `bytes` is bound when one binding may cover at most `maxBindingBytes`: ranges whose
 * offsets are multiples of `alignment` (minStorageBufferOffsetAlignment).
 */
export function planBinding(bytes: number, elemBytes: number, maxBindingBytes: number, alignment: number): BindingLayout {
  if (bytes <= maxBindingBytes) return { chunks: 1, chunkElems: Math.max(1, Math.ceil(bytes / elemBytes)) };
  const chunkBytes = Math.floor(maxBindingBytes / alignment) * alignment;
  if (chunkBytes <= 0) throw new RangeError(`maxStorageBufferBindingSize ${maxBindingBytes} is below the offset alignment ${alignment}`);
  return { chunks: Math.ceil(bytes / chunkBytes), chunkElems: chunkBytes / elemBytes };
}
