// Which test files run where. Every `*.test.ts` under test/ runs in Node (vitest), Deno and Chromium,
// except files named `*.node.test.ts`: those exercise Node-only surfaces (the CLI binary, the npm
// package layout) and each says why at its top.
export const TEST_FILE = /\.test\.ts$/;
export const NODE_ONLY = /\.node\.test\.ts$/;

export function runsEverywhere(path: string): boolean {
  return TEST_FILE.test(path) && !NODE_ONLY.test(path) && !path.includes('/harness/');
}
