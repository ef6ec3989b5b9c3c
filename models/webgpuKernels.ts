/**
 * Layer norm and GELU, forward and backward, as single WebGPU kernels on the webgpu backend.
 *
 * Why: written with tfjs ops, one layer norm is 9 kernels forward and ~12 backward, one GELU 5 and ~10, and
 * tfjs records each as its own dispatch at a CPU cost of tens of µs (BENCHMARKS.md, "model": the forward and
 * backward of a `base` training step were ~1,100 tfjs kernel calls). Here a layer norm is 1 dispatch forward
 * and 3 backward, a GELU 1 and 1.
 *
 * The kernels are registered with tfjs under their own names for the `webgpu` backend and run through
 * `tf.engine().runKernel`, so their outputs are ordinary tracked tensors; models/layers.ts calls them inside
 * its tf.customGrad wrappers in place of the op chains, with the same formulas (see there) and the same
 * float32 arithmetic up to summation order. They record into tfjs's own command encoder and compute pass
 * exactly as its programs do (same per-call uniform buffers, same deferred-disposal bookkeeping), which
 * reaches into @tensorflow/tfjs-backend-webgpu 4.x internals, checked by `webgpuInternals()`.
 */
import * as tf from "@tensorflow/tfjs-core";
import { gpuBuffer, type WebgpuBackendInternals, webgpuInternals } from "./webgpuBackend.ts";

const ROW_GROUP = 64; // threads per row in the layer-norm kernels
const ELEMENT_GROUP = 256; // threads per workgroup in element-wise kernels
export const MAX_GROUPS = 65535; // most workgroups along x; kernels loop with a grid stride beyond

/**
 * The declarations `dispatch` binds to: the read-only inputs from binding 0, then the outputs, then the
 * uniform struct `p: Params` with the given fields, all float32 arrays but the struct.
 */
export function bindings(params: string, inputs: string[], outputs: string[]): string {
  const storage = [...inputs.map((n) => `read> ${n}`), ...outputs.map((n) => `read_write> ${n}`)];
  return [
    `struct Params { ${params} }`,
    ...storage.map((decl, i) => `@group(0) @binding(${i}) var<storage, ${decl}: array<f32>;`),
    `@group(0) @binding(${storage.length}) var<uniform> p: Params;`,
  ].join("\n");
}

/** Sum over the workgroup of one value per thread (all threads must call it). */
const ROW_SUM = /* wgsl */ `
var<workgroup> part: array<f32, ${ROW_GROUP}>;
fn rowSum(lid: u32, v: f32) -> f32 {
  part[lid] = v;
  workgroupBarrier();
  for (var k = ${ROW_GROUP / 2}u; k > 0u; k >>= 1u) {
    if (lid < k) { part[lid] += part[lid + k]; }
    workgroupBarrier();
  }
  let s = part[0];
  workgroupBarrier();
  return s;
}`;

/**
 * An entry point with one workgroup per row (p.n rows of p.d values; a grid stride beyond the dispatch):
 * `body` runs for each row with `lid`, `row` and `base` = row·p.d, and may call rowSum.
 */
function perRow(body: string): string {
  return `${ROW_SUM}
@compute @workgroup_size(${ROW_GROUP})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  for (var row = wid.x; row < p.n; row += groups.x) {
    let base = row * p.d;${body}
  }
}`;
}

/** y = x̂·γ + β, x̂ = (x − μ)·r, r = 1/√(σ² + ε) per row; also writes x̂ and r for the backward pass. */
const LAYER_NORM = /* wgsl */ `
${bindings("n: u32, d: u32, eps: f32", ["x", "gamma", "beta"], ["y", "xhat", "rstd"])}
${perRow(`
    var s = 0.0;
    for (var j = lid; j < p.d; j += ${ROW_GROUP}u) { s += x[base + j]; }
    let mean = rowSum(lid, s) / f32(p.d);
    var q = 0.0;
    for (var j = lid; j < p.d; j += ${ROW_GROUP}u) { let c = x[base + j] - mean; q += c * c; }
    let r = inverseSqrt(rowSum(lid, q) / f32(p.d) + p.eps);
    for (var j = lid; j < p.d; j += ${ROW_GROUP}u) {
      let h = (x[base + j] - mean) * r;
      xhat[base + j] = h;
      y[base + j] = h * gamma[j] + beta[j];
    }
    if (lid == 0u) { rstd[row] = r; }`)}`;

/** dx = r·(g − mean(g) − x̂·mean(g·x̂)) with g = dy·γ, per row. */
const LAYER_NORM_DX = /* wgsl */ `
${bindings("n: u32, d: u32", ["dy", "xhat", "rstd", "gamma"], ["dx"])}
${perRow(`
    var a = 0.0;
    var b = 0.0;
    for (var j = lid; j < p.d; j += ${ROW_GROUP}u) {
      let g = dy[base + j] * gamma[j];
      a += g;
      b += g * xhat[base + j];
    }
    let meanG = rowSum(lid, a) / f32(p.d);
    let meanGX = rowSum(lid, b) / f32(p.d);
    let r = rstd[row];
    for (var j = lid; j < p.d; j += ${ROW_GROUP}u) {
      dx[base + j] = r * (dy[base + j] * gamma[j] - meanG - xhat[base + j] * meanGX);
    }`)}`;

/**
 * Partial column sums of dy·x̂ and dy over the rows chunk, chunk + c, chunk + 2c, … (c = p.chunks), for dγ and
 * dβ: partials[chunk·d + j] and partials[(c + chunk)·d + j].
 */
const LAYER_NORM_DPARAMS_PARTIAL = /* wgsl */ `
${bindings("n: u32, d: u32, chunks: u32", ["dy", "xhat"], ["partials"])}
@compute @workgroup_size(${ROW_GROUP})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  let j = wid.x * ${ROW_GROUP}u + lid;
  let chunk = wid.y;
  if (j >= p.d) { return; }
  var sg = 0.0;
  var sb = 0.0;
  for (var row = chunk; row < p.n; row += p.chunks) {
    let g = dy[row * p.d + j];
    sg += g * xhat[row * p.d + j];
    sb += g;
  }
  partials[chunk * p.d + j] = sg;
  partials[(p.chunks + chunk) * p.d + j] = sb;
}`;

/** dγ and dβ from the partial sums. */
const LAYER_NORM_DPARAMS_REDUCE = /* wgsl */ `
${bindings("d: u32, chunks: u32", ["partials"], ["dgamma", "dbeta"])}
@compute @workgroup_size(${ROW_GROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>) {
  let j = gid.x;
  if (j >= p.d) { return; }
  var sg = 0.0;
  var sb = 0.0;
  for (var c = 0u; c < p.chunks; c++) {
    sg += partials[c * p.d + j];
    sb += partials[(p.chunks + c) * p.d + j];
  }
  dgamma[j] = sg;
  dbeta[j] = sb;
}`;

/** erf as tfjs computes it (Abramowitz & Stegun 7.1.26, max error 1.5e-7), so GELU matches tf.erf. */
const ERF = /* wgsl */ `
fn erfApprox(a: f32) -> f32 {
  let t = 1.0 / (1.0 + ${tf.backend_util.ERF_P} * abs(a));
  let poly = ((((${tf.backend_util.ERF_A5} * t + ${tf.backend_util.ERF_A4}) * t + ${tf.backend_util.ERF_A3}) * t + ${tf.backend_util.ERF_A2}) * t + ${tf.backend_util.ERF_A1}) * t;
  return sign(a) * (1.0 - poly * exp(-a * a));
}`;

/** gelu(x) = x·Φ(x), Φ(x) = ½·(1 + erf(x/√2)). */
const GELU = /* wgsl */ `
${bindings("n: u32", ["x"], ["y"])}
${ERF}
@compute @workgroup_size(${ELEMENT_GROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var i = gid.x; i < p.n; i += groups.x * ${ELEMENT_GROUP}u) {
    let v = x[i];
    y[i] = v * (0.5 * (1.0 + erfApprox(v * ${Math.SQRT1_2})));
  }
}`;

/** dx = dy·(Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π). */
const GELU_GRAD = /* wgsl */ `
${bindings("n: u32", ["dy", "x"], ["dx"])}
${ERF}
@compute @workgroup_size(${ELEMENT_GROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  for (var i = gid.x; i < p.n; i += groups.x * ${ELEMENT_GROUP}u) {
    let v = x[i];
    let cdf = 0.5 * (1.0 + erfApprox(v * ${Math.SQRT1_2}));
    let pdf = exp(v * v * -0.5) * ${1 / Math.sqrt(2 * Math.PI)};
    dx[i] = dy[i] * (cdf + v * pdf);
  }
}`;

export const FUSED_KERNEL_WGSL = {
  layerNorm: LAYER_NORM,
  layerNormDx: LAYER_NORM_DX,
  layerNormDParamsPartial: LAYER_NORM_DPARAMS_PARTIAL,
  layerNormDParamsReduce: LAYER_NORM_DPARAMS_REDUCE,
  gelu: GELU,
  geluGrad: GELU_GRAD,
};

export type Uniform = { type: "float32" | "uint32"; data: number[] };

/** Compiled pipelines, per device (a new backend instance brings a new device). */
const pipelines = new WeakMap<GPUDevice, Map<string, GPUComputePipeline>>();

function pipeline(device: GPUDevice, code: string): GPUComputePipeline {
  let cache = pipelines.get(device);
  if (!cache) pipelines.set(device, (cache = new Map()));
  let p = cache.get(code);
  if (!p) {
    p = device.createComputePipeline({ layout: "auto", compute: { module: device.createShaderModule({ code }), entryPoint: "main" } });
    cache.set(code, p);
  }
  return p;
}

/**
 * Records one dispatch of `code` into tfjs's open compute pass: bindings are the inputs, then the outputs,
 * then one uniform struct, in that order; an output given as a shape is a new tensor, one given as a tensor
 * is written in place (a kernel filling its own columns of a shared result). (A kernel with one output must
 * hand tfjs that TensorInfo, not a one-element array, or runKernel returns the array.)
 */
export function dispatch(b: WebgpuBackendInternals, code: string, inputs: tf.TensorInfo[], outputShapes: (number[] | tf.TensorInfo)[], uniforms: Uniform[], groups: [number, number?]): tf.TensorInfo[] {
  const outputs = outputShapes.map((o) => (Array.isArray(o) ? b.makeTensorInfo(o, "float32") : o));
  const all = [...inputs, ...outputs];
  // inputs on the CPU are copied up; outputs get buffers
  const entries: GPUBindGroupEntry[] = all.map((t, i) => ({ binding: i, resource: { buffer: gpuBuffer(b, t) } }));
  entries.push({ binding: all.length, resource: b.makeUniforms(uniforms) });
  for (const t of all) b.commandQueueOwnedIds.add(t.dataId);
  const p = pipeline(b.device, code);
  const bindGroup = b.device.createBindGroup({ layout: p.getBindGroupLayout(0), entries });
  b.ensureCommandEncoderReady();
  if (!b.computePassEncoder) b.computePassEncoder = b.commandEncoder!.beginComputePass({});
  b.computePassEncoder.setPipeline(p);
  b.computePassEncoder.setBindGroup(0, bindGroup);
  b.computePassEncoder.dispatchWorkgroups(groups[0], groups[1] ?? 1);
  b.dispatchCountInPass++;
  if ((tf.env().get("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE") as number) <= b.dispatchCountInPass) {
    b.endComputePassEncoder();
    b.submitQueue();
  }
  return outputs;
}

const rowsAndWidth = (x: tf.TensorInfo) => ({ n: x.shape.slice(0, -1).reduce((a, c) => a * c, 1), d: x.shape[x.shape.length - 1] });
const groupsFor = (count: number, size: number) => Math.max(1, Math.min(MAX_GROUPS, Math.ceil(count / size)));

const KERNELS: tf.KernelConfig[] = [
  {
    kernelName: "SvlaLayerNorm",
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { x, gamma, beta } = inputs as { x: tf.TensorInfo; gamma: tf.TensorInfo; beta: tf.TensorInfo };
      const { n, d } = rowsAndWidth(x);
      const eps = (attrs as { eps: number }).eps;
      return dispatch(backend as unknown as WebgpuBackendInternals, LAYER_NORM, [x, gamma, beta], [x.shape, x.shape, [n, 1]],
        [{ type: "uint32", data: [n] }, { type: "uint32", data: [d] }, { type: "float32", data: [eps] }], [Math.min(n, MAX_GROUPS)]);
    },
  },
  {
    kernelName: "SvlaLayerNormGrad",
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend }) => {
      const b = backend as unknown as WebgpuBackendInternals;
      const { dy, xHat, rstd, gamma } = inputs as { dy: tf.TensorInfo; xHat: tf.TensorInfo; rstd: tf.TensorInfo; gamma: tf.TensorInfo };
      const { n, d } = rowsAndWidth(dy);
      const [dx] = dispatch(b, LAYER_NORM_DX, [dy, xHat, rstd, gamma], [dy.shape],
        [{ type: "uint32", data: [n] }, { type: "uint32", data: [d] }], [Math.min(n, MAX_GROUPS)]);
      // Enough row chunks to fill the GPU, each at least ~64 rows long.
      const chunks = Math.max(1, Math.min(256, Math.ceil(n / 64)));
      const [partials] = dispatch(b, LAYER_NORM_DPARAMS_PARTIAL, [dy, xHat], [[2 * chunks * d]],
        [{ type: "uint32", data: [n] }, { type: "uint32", data: [d] }, { type: "uint32", data: [chunks] }], [Math.ceil(d / ROW_GROUP), chunks]);
      const [dgamma, dbeta] = dispatch(b, LAYER_NORM_DPARAMS_REDUCE, [partials], [[d], [d]],
        [{ type: "uint32", data: [d] }, { type: "uint32", data: [chunks] }], [Math.ceil(d / ROW_GROUP)]);
      b.disposeData(partials.dataId); // released once the queue is submitted
      return [dx, dgamma, dbeta];
    },
  },
  {
    kernelName: "SvlaGelu",
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend }) => {
      const { x } = inputs as { x: tf.TensorInfo };
      const n = tf.util.sizeFromShape(x.shape);
      return dispatch(backend as unknown as WebgpuBackendInternals, GELU, [x], [x.shape], [{ type: "uint32", data: [n] }], [groupsFor(n, ELEMENT_GROUP)])[0];
    },
  },
  {
    kernelName: "SvlaGeluGrad",
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend }) => {
      const { dy, x } = inputs as { dy: tf.TensorInfo; x: tf.TensorInfo };
      const n = tf.util.sizeFromShape(x.shape);
      return dispatch(backend as unknown as WebgpuBackendInternals, GELU_GRAD, [dy, x], [x.shape], [{ type: "uint32", data: [n] }], [groupsFor(n, ELEMENT_GROUP)])[0];
    },
  },
];

let registered = false;
let enabled = true;

/** Turns the fused kernels off (or on again) for comparisons; they are on by default where available. */
export function setFusedKernels(on: boolean): void {
  enabled = on;
}

/**
 * Whether layers.ts should use the fused kernels now: webgpu is active, the tfjs internals they record with
 * are there (else the op chains run, as on other backends), and they are not turned off.
 */
export function fusedKernelsActive(): boolean {
  if (!enabled || webgpuInternals() === null) return false;
  if (!registered) {
    for (const k of KERNELS) tf.registerKernel(k);
    registered = true;
  }
  return true;
}

/** Layer norm forward: [y, x̂, r] for x [N, D], γ and β [D]. */
export function fusedLayerNorm(x: tf.Tensor2D, gamma: tf.Tensor1D, beta: tf.Tensor1D, eps: number): [tf.Tensor2D, tf.Tensor2D, tf.Tensor2D] {
  return tf.engine().runKernel("SvlaLayerNorm", { x, gamma, beta }, { eps } as never) as never;
}

/** Layer norm backward: [dx, dγ, dβ]. */
export function fusedLayerNormGrad(dy: tf.Tensor, xHat: tf.Tensor, rstd: tf.Tensor, gamma: tf.Tensor): [tf.Tensor2D, tf.Tensor1D, tf.Tensor1D] {
  return tf.engine().runKernel("SvlaLayerNormGrad", { dy, xHat, rstd, gamma }) as never;
}

export function fusedGelu(x: tf.Tensor2D): tf.Tensor2D {
  return tf.engine().runKernel("SvlaGelu", { x }) as tf.Tensor2D;
}

export function fusedGeluGrad(dy: tf.Tensor, x: tf.Tensor): tf.Tensor2D {
  return tf.engine().runKernel("SvlaGeluGrad", { dy, x }) as tf.Tensor2D;
}
