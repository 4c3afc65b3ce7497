// `npm test`: the same suites in Node (vitest), Deno and headless Chromium, then the documented examples, one after another; prints
// each runtime's count and fails if any runtime fails. Pass runtime names to run a subset:
//   node test/harness/all.mjs node deno chromium
import { spawnSync } from 'node:child_process';

const all = ['node', 'deno', 'chromium', 'examples'];
const chosen = process.argv.slice(2).filter((a) => all.includes(a));
const runtimes = chosen.length ? chosen : all;
const cmds = {
  node: ['npx', ['vitest', 'run']],
  deno: ['node', ['test/harness/deno.mjs']],
  chromium: ['node', ['test/harness/chromium-run.mjs']],
  examples: ['node', ['test/harness/examples-run.mjs']],
};
const summary = [];
let failed = false;
for (const rt of runtimes) {
  console.log(`\n===== ${rt} =====`);
  const t0 = Date.now();
  const [cmd, args] = cmds[rt];
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  const ok = r.status === 0;
  failed ||= !ok;
  summary.push(`${rt}: ${ok ? 'ok' : `FAILED (exit ${r.status ?? r.signal})`} in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
}
console.log(`\n===== summary =====\n${summary.join('\n')}`);
process.exit(failed ? 1 : 0);
