// Message endpoints in comlink's shape (postMessage + addEventListener('message', ev => ev.data)).
// Web workers (browsers, Deno) and their `self` already are one. Node's worker_threads speak EventEmitter
// (`on('message', data => …)`): nodePortEndpoint adapts them. Our own few lines, in the spirit of comlink's
// node-adapter, so nothing here imports a Node module.

/** What comlink needs from a message channel. */
export interface Endpoint {
  postMessage(message: unknown, transfer?: Transferable[]): void;
  addEventListener(type: string, listener: MessageListener): void;
  removeEventListener(type: string, listener: MessageListener): void;
  start?(): void;
}

type MessageListener = ((ev: { data: unknown }) => void) | { handleEvent(ev: { data: unknown }): void };

/** A Node `Worker` (main side) or `parentPort` / `MessagePort` (worker side), reduced to what we use. */
export interface NodeMessagePort {
  on(event: 'message', listener: (data: unknown) => void): unknown;
  off(event: 'message', listener: (data: unknown) => void): unknown;
  postMessage(message: unknown, transfer?: readonly unknown[]): void;
  start?(): void;
}

/** Wraps a Node worker_threads port (or Worker) as a web-style Endpoint. */
export function nodePortEndpoint(port: NodeMessagePort): Endpoint {
  const handlers = new WeakMap<MessageListener, (data: unknown) => void>();
  return {
    postMessage: (message, transfer) => port.postMessage(message, transfer),
    addEventListener(type, listener) {
      if (type !== 'message') return;
      const h = (data: unknown) => {
        const ev = { data };
        if (typeof listener === 'function') listener(ev);
        else listener.handleEvent(ev);
      };
      handlers.set(listener, h);
      port.on('message', h);
    },
    removeEventListener(type, listener) {
      const h = handlers.get(listener);
      if (type !== 'message' || !h) return;
      port.off('message', h);
      handlers.delete(listener);
    },
    start: port.start ? () => port.start!() : undefined,
  };
}
