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
    if (ok) cacheBindGroups((b as WebgpuBackendInternals).device);
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

/**
 * Bind groups, memoized. tfjs-webgpu creates a new bind group for every dispatch, and in Node one
 * device.createBindGroup costs ~28 µs (benchmarks/webgpuCalls.ts on an H200), against ~8 µs to encode the
 * dispatch itself. A training step repeats the same dispatches on buffers from tfjs's pool, so most bind
 * groups recur: they are looked up by layout and by the buffers, offsets and sizes bound. A bind group is
 * immutable, so a cached one is the same as a fresh one; a destroyed buffer is never handed out again, so its
 * entries are never hit (the cache is emptied when it grows past MAX_BIND_GROUPS). getBindGroupLayout, which
 * returns a new wrapper per call, is memoized per pipeline so that layouts can be keys.
 */
const MAX_BIND_GROUPS = 16384;

export const bindGroupCacheStats = { on: true, hits: 0, misses: 0 };

/** Turns the bind-group cache off (or on again) for comparisons. */
export function setBindGroupCache(on: boolean): void {
  bindGroupCacheStats.on = on;
}

const patchedDevices = new WeakSet<GPUDevice>();
const layouts = new WeakMap<GPUPipelineBase, Map<number, GPUBindGroupLayout>>();
let layoutsMemoized = false;

function cacheBindGroups(device: GPUDevice): void {
  if (patchedDevices.has(device)) return;
  patchedDevices.add(device);
  if (!layoutsMemoized) memoizeLayouts(device);
  const bufferIds = new WeakMap<GPUBuffer, number>();
  let nextId = 0;
  const idOf = (buffer: GPUBuffer) => {
    let id = bufferIds.get(buffer);
    if (id === undefined) bufferIds.set(buffer, (id = nextId++));
    return id;
  };
  const layoutIds = new WeakMap<GPUBindGroupLayout, number>();
  let nextLayout = 0;
  const groups = new Map<string, GPUBindGroup>();
  const create = device.createBindGroup.bind(device);
  device.createBindGroup = (descriptor: GPUBindGroupDescriptor): GPUBindGroup => {
    if (!bindGroupCacheStats.on) return create(descriptor);
    let layoutId = layoutIds.get(descriptor.layout);
    if (layoutId === undefined) layoutIds.set(descriptor.layout, (layoutId = nextLayout++));
    let key = `${layoutId}|`;
    for (const e of descriptor.entries) {
      const r = e.resource as GPUBufferBinding;
      if (!(r.buffer instanceof GPUBuffer)) return create(descriptor); // only buffer bindings are keyed
      key += `${e.binding}:${idOf(r.buffer)}:${r.offset ?? 0}:${r.size ?? -1};`;
    }
    let group = groups.get(key);
    if (group) {
      bindGroupCacheStats.hits++;
      return group;
    }
    bindGroupCacheStats.misses++;
    if (groups.size >= MAX_BIND_GROUPS) groups.clear();
    group = create(descriptor);
    groups.set(key, group);
    return group;
  };
}

/**
 * Memoizes getBindGroupLayout (every group index: the fused AdamW binds its gradients as group 1) on the shared
 * prototype of the compute pipelines of this WebGPU implementation.
 */
function memoizeLayouts(device: GPUDevice): void {
  layoutsMemoized = true;
  const probe = device.createComputePipeline({
    layout: "auto",
    compute: { module: device.createShaderModule({ code: "@compute @workgroup_size(1) fn main() {}" }), entryPoint: "main" },
  });
  const pipelineProto = Object.getPrototypeOf(probe) as GPUComputePipeline;
  const getLayout = pipelineProto.getBindGroupLayout;
  pipelineProto.getBindGroupLayout = function (this: GPUComputePipeline, index: number): GPUBindGroupLayout {
    if (!bindGroupCacheStats.on) return getLayout.call(this, index);
    let byIndex = layouts.get(this);
    if (!byIndex) layouts.set(this, (byIndex = new Map()));
    let layout = byIndex.get(index);
    if (!layout) byIndex.set(index, (layout = getLayout.call(this, index)));
    return layout;
  };
}
