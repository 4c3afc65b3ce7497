// Deno test runner: imports every cross-runtime test file (deno.json maps 'vitest' to mini-vitest.ts),
// runs them and prints one line per test plus 'deno: N passed, N failed, N skipped'.
// Usage: deno run -A test/harness/deno-run.ts [substring filter ...]
import { __beginFile, __formatResult, __run, __summary } from './mini-vitest.ts';
import { runsEverywhere } from './files.ts';

declare const Deno: {
  args: string[];
  cwd(): string;
  readDir(p: string): AsyncIterable<{ name: string; isDirectory: boolean; isFile: boolean }>;
  exit(code: number): never;
};

async function walk(dir: string, out: string[]): Promise<void> {
  for await (const e of Deno.readDir(dir)) {
    const p = `${dir}/${e.name}`;
    if (e.isDirectory && e.name !== 'fixtures') await walk(p, out);
    else if (e.isFile && runsEverywhere(p)) out.push(p);
  }
}

(globalThis as { __SSCL_TEST_RUNTIME?: string }).__SSCL_TEST_RUNTIME = 'deno';
const files: string[] = [];
await walk('test', files);
files.sort();
const filters = Deno.args;
const selected = filters.length ? files.filter((f) => filters.some((x) => f.includes(x))) : files;
for (const f of selected) {
  __beginFile(f);
  await import(new URL(`../../${f}`, import.meta.url).href);
}
const results = await __run((r) => console.log(__formatResult(r)));
const { text, failed } = __summary('deno', results);
console.log(text);
Deno.exit(failed ? 1 : 0);
