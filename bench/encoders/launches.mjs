// Shared by percall.mjs and tiles.mjs: record the engine launches of one call, and time one launch alone.

/** Runs `fn` (async) with ctx.launch wrapped; returns [its result, the launches it made]. */
export async function captureLaunches(ctx, fn) {
  const launches = [];
  const orig = ctx.launch;
  ctx.launch = function (spec, a, grid, u) {
    launches.push({ spec, a, grid, u });
    return orig.call(this, spec, a, grid, u);
  };
  try {
    return [await fn(), launches];
  } finally {
    ctx.launch = orig;
  }
}

/** Median ms of `reps` runs of one captured launch, each submitted alone (one Dawn round trip included). */
export async function timeAlone(ctx, gpu, L, reps = 5) {
  const ts = [];
  for (let r = 0; r < reps; r++) {
    ctx.launch(L.spec, L.a, L.grid, L.u);
    const t = performance.now();
    ctx.flush();
    await gpu.queue.onSubmittedWorkDone();
    ts.push(performance.now() - t);
  }
  return ts.sort((p, q) => p - q)[reps >> 1];
}
