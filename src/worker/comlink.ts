// The one import of comlink in the SDK (STYLE: src/worker/ is the only place that knows comlink).
//
// Why a relative path into node_modules instead of `import … from 'comlink'`: the same module must load
//  - from the TypeScript sources (vitest, Deno) and from the tsc output the Chromium runner serves at the
//    source paths, including INSIDE a module worker, where a page's import map does not apply, so a bare
//    'comlink' cannot be resolved there;
//  - from dist/ in a browser without a bundler: rollup.config.mjs maps this path to comlink's ESM build and
//    emits it as dist/vendor/comlink.js (licence header kept, LICENSE copied beside it), so dist/ has no bare
//    'comlink' import either.
// comlink.mjs has no .d.mts next to it, so its types come from the package ('comlink', types only, erased).
import type * as ComlinkApi from 'comlink';
// @ts-ignore -- no comlink.d.mts beside the .mjs (TS7016); the cast below gives it the package's types
import * as comlinkEsm from '../../node_modules/comlink/dist/esm/comlink.mjs';
import type { Endpoint } from './endpoint.ts';

const comlink = comlinkEsm as typeof ComlinkApi;

/** comlink.expose over one of our endpoints. */
export function exposeOn(obj: object, ep: Endpoint): void {
  comlink.expose(obj, ep as unknown as ComlinkApi.Endpoint);
}

/** comlink.wrap over one of our endpoints. The returned proxy must be kept alive while the worker is used. */
export function wrapEndpoint<T>(ep: Endpoint): ComlinkApi.Remote<T> {
  return comlink.wrap<T>(ep as unknown as ComlinkApi.Endpoint);
}

/** comlink.transfer: when `value` is sent (argument or return value), `buffers` are moved, not copied. */
export function comlinkTransfer<T>(value: T, buffers: Transferable[]): T {
  return comlink.transfer(value, buffers);
}
