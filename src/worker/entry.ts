// The worker script (compiled to entry.js next to spawn.js; spawnWorker starts it). In Node's
// worker_threads it talks through `parentPort`, in web workers (browsers, Deno) through `self`.
import { nodeBuiltin, nodeProcess } from '../runtime.ts';
import { createService } from './api.ts';
import { exposeOn } from './comlink.ts';
import { nodePortEndpoint, type Endpoint, type NodeMessagePort } from './endpoint.ts';

function hostEndpoint(): Endpoint {
  if (nodeProcess()) {
    const port = nodeBuiltin<{ parentPort: NodeMessagePort | null }>('worker_threads').parentPort;
    if (!port) throw new Error('sscl-sdk worker/entry.js must be started by spawnWorker(), not run as a script');
    return nodePortEndpoint(port);
  }
  return globalThis as unknown as Endpoint;
}

exposeOn(createService(), hostEndpoint());
