// The runtime the test runner says it is (set by the runner, not derived from the code under test):
// vitest.setup.ts sets 'node', deno-run.ts 'deno', browser-entry.ts 'browser'.
export function runnerRuntime(): 'node' | 'deno' | 'browser' {
  const r = (globalThis as { __SSCL_TEST_RUNTIME?: 'node' | 'deno' | 'browser' }).__SSCL_TEST_RUNTIME;
  if (!r) throw new Error('__SSCL_TEST_RUNTIME is not set: run tests through npm test / the harness runners');
  return r;
}
