// deno run -A --unstable-webgpu examples/deno/info.ts
// From a local checkout (after `npm run build`); from npm use: import { info } from 'npm:sscl-sdk';
import { info, formatInfo } from '../../dist/index.js';

const result = await info();
console.log(formatInfo(result));
if (Deno.args.includes('--json')) console.log(JSON.stringify(result));
Deno.exit(result.selfTest === 'ok' ? 0 : 1);
