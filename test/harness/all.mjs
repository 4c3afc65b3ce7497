// `npm test`: the same suites in Node (vitest), Deno and headless Chromium, then the documented examples,
// one after another. Each runtime ends with '<runtime>: N passed, N failed, N skipped'; the last line is the
// total over all of them. Fails if any runtime fails. Pass runtime names to run a subset:
//   node test/harness/all.mjs node deno chromium examples
import { spawn } from 'node:child_process';
import { readFileSync, rmSync } from 'node:fs';

const all = ['node', 'deno', 'chromium', 'examples'];
const chosen = process.argv.slice(2).filter((a) => all.includes(a));
const runtimes = chosen.length ? chosen : all;
const VITEST_JSON = 'build/vitest-results.json';
const cmds = {
  node: ['npx', ['vitest', 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${VITEST_JSON}`]],
  deno: ['node', ['test/harness/deno.mjs']],
  chromium: ['node', ['test/harness/chromium-run.mjs']],
  examples: ['node', ['test/harness/examples-run.mjs']],
};
const COUNT = /^(\w+): (\d+) passed, (\d+) failed(?:, (\d+) skipped)?$/;

function run(cmd, args) {
  return new Promise((resolve) => {
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let tail = '';
    child.stdout.on('data', (d) => {
      process.stdout.write(d);
      tail = (tail + d.toString()).slice(-4096);
    });
    child.on('close', (code, signal) => resolve({ code: code ?? 1, signal, tail }));
  });
}

function vitestCounts() {
  try {
    const j = JSON.parse(readFileSync(VITEST_JSON, 'utf8'));
    return { passed: j.numPassedTests, failed: j.numFailedTests + (j.numRuntimeErrorTestSuites ?? 0), skipped: j.numPendingTests + (j.numTodoTests ?? 0) };
  } catch {
    return null;
  }
}

const summary = [];
const total = { passed: 0, failed: 0, skipped: 0 };
let failed = false;
for (const rt of runtimes) {
  console.log(`\n===== ${rt} =====`);
  const t0 = Date.now();
  if (rt === 'node') rmSync(VITEST_JSON, { force: true });
  const [cmd, args] = cmds[rt];
  const r = await run(cmd, args);
  let counts = null;
  if (rt === 'node') {
    counts = vitestCounts();
    if (counts) console.log(`node: ${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped`);
  } else {
    const m = r.tail.trim().split('\n').map((l) => l.trim().match(COUNT)).filter(Boolean).pop();
    if (m) counts = { passed: +m[2], failed: +m[3], skipped: +(m[4] ?? 0) };
  }
  const ok = r.code === 0 && counts !== null && counts.failed === 0 && counts.passed > 0;
  failed ||= !ok;
  if (counts) for (const k of Object.keys(total)) total[k] += counts[k];
  const secs = ((Date.now() - t0) / 1000).toFixed(1);
  summary.push(`${rt}: ${ok ? 'ok' : `FAILED (exit ${r.signal ?? r.code})`} — ${counts ? `${counts.passed} passed, ${counts.failed} failed, ${counts.skipped} skipped` : 'no count'} in ${secs} s`);
}
console.log(`\n===== summary =====\n${summary.join('\n')}`);
console.log(`all runtimes: ${total.passed} passed, ${total.failed} failed, ${total.skipped} skipped`);
process.exit(failed ? 1 : 0);
