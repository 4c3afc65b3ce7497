// Dawn's Node binding (`webgpu` package) rejects a SharedArrayBuffer-backed view in queue.writeBuffer, which
// is what onnxruntime-web passes (its WASM memory is shared). Retry such a call with a copy of the bytes.
/** @param {any} dawn  require('webgpu') */
export function patchWriteBuffer(dawn) {
  const proto = dawn.globals.GPUQueue.prototype;
  const writeBuffer = proto.writeBuffer;
  proto.writeBuffer = function (buffer, offset, data, dataOffset, size) {
    try {
      return writeBuffer.call(this, buffer, offset, data, dataOffset, size);
    } catch (e) {
      if (!(data?.buffer instanceof SharedArrayBuffer || data instanceof SharedArrayBuffer)) throw e;
      const el = ArrayBuffer.isView(data) ? (data.BYTES_PER_ELEMENT ?? 1) : 1;
      const bytes = ArrayBuffer.isView(data) ? new Uint8Array(data.buffer, data.byteOffset, data.byteLength) : new Uint8Array(data);
      const start = (dataOffset ?? 0) * el;
      return writeBuffer.call(this, buffer, offset, bytes.slice(start, size === undefined ? undefined : start + size * el));
    }
  };
}
