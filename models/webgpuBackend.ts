/**
 * The parts of @tensorflow/tfjs-backend-webgpu's backend object that our hand-written WebGPU code uses
 * (models/webgpuAdamW.ts, models/webgpuKernels.ts): its device and queue, its tensor map, its command encoder
 * and compute pass, and the bookkeeping with which its own programs record (tfjs-backend-webgpu 4.22,
 * src/backend_webgpu.ts). They are internals: `webgpuInternals` checks that every one is there, and the
 * callers fall back to tfjs ops when they are not.
 */
import * as tf from "@tensorflow/tfjs-core";

export interface WebgpuBackendInternals {
  device: GPUDevice;
  queue: GPUQueue;
  tensorMap: { get(dataId: object): { resource: unknown; values: unknown } | undefined };
  commandEncoder: GPUCommandEncoder | null;
  computePassEncoder: GPUComputePassEncoder | null;
  commandQueueOwnedIds: WeakSet<object>;
  dispatchCountInPass: number;
  uploadToGPU(dataId: object): void;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  refCount(dataId: object): number;
  makeTensorInfo(shape: number[], dtype: tf.DataType): tf.TensorInfo;
  disposeData(dataId: object): boolean;
  makeUniforms(u: { type: "float32" | "int32" | "uint32"; data: number[] }[]): GPUBufferBinding;
}

const METHODS = [
  "uploadToGPU", "ensureCommandEncoderReady", "endComputePassEncoder", "submitQueue", "refCount", "makeTensorInfo", "disposeData", "makeUniforms",
] as const;

/** Whether a backend object has every member above (checked once per backend instance). */
const complete = new WeakMap<object, boolean>();

/** The active backend's internals when it is tfjs's webgpu backend with every member used here, else null. */
export function webgpuInternals(): WebgpuBackendInternals | null {
  if (tf.getBackend() !== "webgpu") return null;
  const b = tf.backend() as unknown as Partial<WebgpuBackendInternals>;
  let ok = complete.get(b);
  if (ok === undefined) {
    ok = b.device !== undefined && b.queue !== undefined && b.tensorMap !== undefined && "computePassEncoder" in b &&
      b.commandQueueOwnedIds instanceof WeakSet && typeof b.dispatchCountInPass === "number" && METHODS.every((k) => typeof b[k] === "function");
    complete.set(b, ok);
  }
  return ok ? (b as WebgpuBackendInternals) : null;
}

/** The GPU buffer holding tensor x, uploading it first if it still lives on the CPU (or allocating it, if new). */
export function gpuBuffer(b: WebgpuBackendInternals, x: tf.TensorInfo): GPUBuffer {
  b.uploadToGPU(x.dataId);
  const resource = b.tensorMap.get(x.dataId)?.resource;
  if (!(resource instanceof GPUBuffer)) throw new Error(`Tensor [${x.shape}] is not held in a GPU buffer.`);
  return resource;
}
