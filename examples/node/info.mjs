// node examples/node/info.mjs — the package resolves through its own exports map (the `node` condition).
import { info, formatInfo } from 'sscl-sdk';

const result = await info();
console.log(formatInfo(result));
if (process.argv.includes('--json')) console.log(JSON.stringify(result));
process.exitCode = result.selfTest === 'ok' ? 0 : 1;
