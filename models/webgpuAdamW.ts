/**
 * AdamW as two hand-written WebGPU compute passes, run on the tensors' own GPU buffers (the `fused` layout of
 * models/optim.ts, the webgpu default).
 *
 * Why: tfjs records every op as its own dispatch with a fresh uniform buffer and bind group, ~0.1 ms each from
 * Node, and the op-by-op AdamW (a square, sum and add per gradient for the norm, then a dozen element-wise
 * kernels plus the concatenations and splits of the flat layout) cost 15.6–17 ms of a ~55 ms training step on
 * an H100 (BENCHMARKS.md). Here one step is
 *   pass 1  per gradient, one dispatch of `SUM_SQUARES` (workgroup partial sums of g² into a shared buffer),
 *           then one workgroup of `REDUCE` adds the partials: ‖g‖² lands in a 4-byte buffer; one thread of
 *           `PREPARE` turns it into the clipping factor and whether the step applies (‖g‖ finite);
 *   pass 2  per variable, one dispatch of `UPDATE`, which reads g and writes θ, m and v in place (or nothing,
 *           when the norm is not finite).
 * All of it is one submission; ‖g‖² is copied to a mappable buffer and read back after it, so the CPU need not
 * wait for the step (AdamW.submitGradients) and can record the next one while the GPU runs this one.
 * Pipelines, per-variable size uniforms and the bind groups of θ, m, v are made once; only the gradients'
 * bind groups are new each step.
 *
 * The formulas are models/optim.ts's, term for term (same float32 operations in the same order), so the
 * layouts agree to rounding. The price is reaching into @tensorflow/tfjs-backend-webgpu 4.x internals (its
 * device, its tensor map, its command encoder: models/webgpuBackend.ts); when `webgpuInternals` finds them
 * missing, the optimizer falls back to the `flat` layout.
 */
import * as tf from "@tensorflow/tfjs-core";
import { gpuBuffer, type WebgpuBackendInternals, webgpuInternals } from "./webgpuBackend.ts";

const WORKGROUP = 256;
/** Most workgroups one gradient's partial sum uses; each loops over its share with a grid stride. */
const MAX_PARTIALS = 64;
/** Most workgroups of one update dispatch (grid-stride beyond), well under the 65,535 limit per dimension. */
const MAX_UPDATE_GROUPS = 4096;

const SUM_SQUARES = /* wgsl */ `
struct Info { n: u32, slot: u32 }
@group(0) @binding(0) var<storage, read> g: array<f32>;
@group(0) @binding(1) var<storage, read_write> partials: array<f32>;
@group(0) @binding(2) var<uniform> info: Info;
var<workgroup> acc: array<f32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>,
        @builtin(num_workgroups) groups: vec3<u32>) {
  var s = 0.0;
  for (var i = wid.x * ${WORKGROUP}u + lid; i < info.n; i += groups.x * ${WORKGROUP}u) {
    let x = g[i];
    s += x * x;
  }
  acc[lid] = s;
  workgroupBarrier();
  for (var k = ${WORKGROUP / 2}u; k > 0u; k >>= 1u) {
    if (lid < k) { acc[lid] += acc[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) { partials[info.slot * ${MAX_PARTIALS}u + wid.x] = acc[0]; }
}`;

const REDUCE = /* wgsl */ `
@group(0) @binding(0) var<storage, read> partials: array<f32>;
@group(0) @binding(1) var<storage, read_write> total: array<f32>;
var<workgroup> acc: array<f32, ${WORKGROUP}>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(local_invocation_index) lid: u32) {
  var s = 0.0;
  for (var i = lid; i < arrayLength(&partials); i += ${WORKGROUP}u) { s += partials[i]; }
  acc[lid] = s;
  workgroupBarrier();
  for (var k = ${WORKGROUP / 2}u; k > 0u; k >>= 1u) {
    if (lid < k) { acc[lid] += acc[lid + k]; }
    workgroupBarrier();
  }
  if (lid == 0u) { total[0] = acc[0]; }
}`;

/** The step's scalars, in the order of `Step` below; written once per step. clipNorm 0 = no clipping. */
export interface FusedStepScalars {
  decay: number;
  oneMinusBeta1: number;
  oneMinusBeta2: number;
  epsilon: number;
  stepSize: number;
  invBiasCorrection2: number;
  clipNorm: number;
}

const STEP = `struct Step { decay: f32, oneMinusBeta1: f32, oneMinusBeta2: f32, epsilon: f32,
              stepSize: f32, invBiasCorrection2: f32, clipNorm: f32, pad: f32 }`;

/**
 * clip = [scale, apply]: PyTorch's clip_grad_norm_ factor max_norm / (‖g‖ + 1e-6) when ‖g‖ exceeds max_norm
 * (else 1), and 1 when ‖g‖ is finite (else 0: the step is skipped, as models/optim.ts does on the CPU).
 */
const PREPARE = /* wgsl */ `
${STEP}
@group(0) @binding(0) var<storage, read> total: array<f32>;
@group(0) @binding(1) var<storage, read_write> clip: array<f32>;
@group(0) @binding(2) var<uniform> s: Step;
@compute @workgroup_size(1)
fn main() {
  let norm = sqrt(total[0]);
  // finite ⇔ the exponent bits are not all ones (no isinf/isnan in WGSL; NaN == NaN may be folded away)
  let finite = (bitcast<u32>(norm) & 0x7f800000u) != 0x7f800000u;
  var scale = 1.0;
  if (s.clipNorm > 0.0 && norm > s.clipNorm) { scale = s.clipNorm / (norm + 1e-6); }
  clip[0] = scale;
  clip[1] = select(0.0, 1.0, finite);
}`;

const UPDATE = /* wgsl */ `
${STEP}
struct Info { n: u32, slot: u32 }
@group(0) @binding(0) var<storage, read_write> theta: array<f32>;
@group(0) @binding(1) var<storage, read_write> m: array<f32>;
@group(0) @binding(2) var<storage, read_write> v: array<f32>;
@group(0) @binding(3) var<uniform> info: Info;
@group(0) @binding(4) var<uniform> s: Step;
@group(0) @binding(5) var<storage, read> clip: array<f32>;
@group(1) @binding(0) var<storage, read> grad: array<f32>;
@compute @workgroup_size(${WORKGROUP})
fn main(@builtin(global_invocation_id) gid: vec3<u32>, @builtin(num_workgroups) groups: vec3<u32>) {
  if (clip[1] == 0.0) { return; }
  for (var i = gid.x; i < info.n; i += groups.x * ${WORKGROUP}u) {
    let g = grad[i] * clip[0];
    let m2 = m[i] + s.oneMinusBeta1 * (g - m[i]);           // β₁m + (1−β₁)g
    let v2 = v[i] + s.oneMinusBeta2 * (g * g - v[i]);       // β₂v + (1−β₂)g²
    let denom = sqrt(v2 * s.invBiasCorrection2) + s.epsilon; // √v̂ + ε
    theta[i] = theta[i] * s.decay - s.stepSize * (m2 / denom);
    m[i] = m2;
    v[i] = v2;
  }
}`;

/** One variable's fixed GPU objects. */
interface Slot {
  n: number;
  meta: GPUBuffer;
  /** θ, m, v bind group and the three tensors' data ids it was made for (remade when an assign moves them). */
  state: GPUBindGroup | null;
  stateIds: object[];
}

/**
 * The GPU side of a fused AdamW over fixed variables and their moments (all float32, same order). Holds
 * GPU buffers: call dispose().
 */
export class WebgpuAdamWKernels {
  private readonly b: WebgpuBackendInternals;
  private readonly sumSquares: GPUComputePipeline;
  private readonly reduce: GPUComputePipeline;
  private readonly update: GPUComputePipeline;
  private readonly prepare: GPUComputePipeline;
  private readonly slots: Slot[];
  private readonly partials: GPUBuffer;
  private readonly total: GPUBuffer;
  private readonly readback: GPUBuffer;
  private readonly step: GPUBuffer;
  private readonly clip: GPUBuffer;
  private readonly reduceGroup: GPUBindGroup;
  private readonly prepareGroup: GPUBindGroup;
  /** The read back of the last recorded step's ‖g‖², which the next step waits for before it maps the buffer again. */
  private pending: Promise<number> = Promise.resolve(0);

  constructor(
    private readonly vars: tf.Variable[],
    private readonly m: tf.Variable[],
    private readonly v: tf.Variable[],
  ) {
    const b = webgpuInternals();
    if (b === null) throw new Error("The fused AdamW needs tfjs's webgpu backend (4.x) to be the active backend.");
    this.b = b;
    for (const x of [...vars, ...m, ...v]) {
      if (x.dtype !== "float32") throw new Error(`The fused AdamW updates float32 variables only; '${x.name}' is ${x.dtype}.`);
    }
    const d = b.device;
    const pipeline = (code: string) => d.createComputePipeline({ layout: "auto", compute: { module: d.createShaderModule({ code }), entryPoint: "main" } });
    this.sumSquares = pipeline(SUM_SQUARES);
    this.reduce = pipeline(REDUCE);
    this.update = pipeline(UPDATE);
    this.prepare = pipeline(PREPARE);
    const storage = GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_SRC | GPUBufferUsage.COPY_DST;
    this.partials = d.createBuffer({ size: 4 * MAX_PARTIALS * Math.max(1, vars.length), usage: storage });
    this.total = d.createBuffer({ size: 4, usage: storage });
    this.readback = d.createBuffer({ size: 4, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
    this.step = d.createBuffer({ size: 32, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
    this.clip = d.createBuffer({ size: 8, usage: storage });
    this.reduceGroup = d.createBindGroup({
      layout: this.reduce.getBindGroupLayout(0),
      entries: [{ binding: 0, resource: { buffer: this.partials } }, { binding: 1, resource: { buffer: this.total } }],
    });
    this.prepareGroup = d.createBindGroup({
      layout: this.prepare.getBindGroupLayout(0),
      entries: [this.total, this.clip, this.step].map((buffer, binding) => ({ binding, resource: { buffer } })),
    });
    this.slots = vars.map((x, i) => {
      const meta = d.createBuffer({ size: 8, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
      b.queue.writeBuffer(meta, 0, new Uint32Array([x.size, i]));
      return { n: x.size, meta, state: null, stateIds: [] };
    });
  }

  /**
   * Gives variable x data of its own before it is written in place: a variable made from a tensor, or
   * assigned one, shares that tensor's buffer, which must not change under it.
   */
  private ownData(x: tf.Variable): void {
    // The copy made inside tidy is released when tidy ends, so the variable is its only holder.
    if (this.b.refCount(x.dataId) > 1) tf.tidy(() => x.assign(tf.mul(x, 1)));
  }

  /**
   * Records one AdamW step of every variable whose gradient is not null (clipping and the finite check are
   * done on the GPU) and submits it; the promise gives Σ‖g_i‖², read back once the GPU has run the step. The
   * gradients may be disposed as soon as this returns: their buffers go back to tfjs's pool, and whatever
   * reuses them is submitted later, so the queue runs it after this step. Steps must not overlap: await the previous step's
   * promise before recording the next (AdamW does), since the read-back buffer is reused.
   */
  record(grads: (tf.Tensor | null)[], scalars: FusedStepScalars): Promise<number> {
    const { b } = this;
    const d = b.device;
    const s = scalars;
    // Bind groups first: uploading a tensor, or the copy that gives a variable data of its own, records on
    // tfjs's encoder, which no open pass may hold.
    const work = grads.map((g, i) => {
      if (g === null) return null;
      const slot = this.slots[i];
      const tensors = [this.vars[i], this.m[i], this.v[i]];
      tensors.forEach((x) => this.ownData(x));
      if (slot.state === null || tensors.some((x, k) => x.dataId !== slot.stateIds[k])) {
        slot.stateIds = tensors.map((x) => x.dataId);
        slot.state = d.createBindGroup({
          layout: this.update.getBindGroupLayout(0),
          entries: [
            ...tensors.map((x, k) => ({ binding: k, resource: { buffer: gpuBuffer(this.b, x) } })),
            { binding: 3, resource: { buffer: slot.meta } },
            { binding: 4, resource: { buffer: this.step } },
            { binding: 5, resource: { buffer: this.clip } },
          ],
        });
      }
      const gradBuffer = gpuBuffer(this.b, g);
      const sum = d.createBindGroup({
        layout: this.sumSquares.getBindGroupLayout(0),
        entries: [
          { binding: 0, resource: { buffer: gradBuffer } },
          { binding: 1, resource: { buffer: this.partials } },
          { binding: 2, resource: { buffer: slot.meta } },
        ],
      });
      const grad = d.createBindGroup({ layout: this.update.getBindGroupLayout(1), entries: [{ binding: 0, resource: { buffer: gradBuffer } }] });
      return { n: slot.n, state: slot.state, sum, grad, tensors };
    });
    b.queue.writeBuffer(this.step, 0, new Float32Array([s.decay, s.oneMinusBeta1, s.oneMinusBeta2, s.epsilon, s.stepSize, s.invBiasCorrection2, s.clipNorm, 0]));
    b.ensureCommandEncoderReady();
    b.endComputePassEncoder();
    const encoder = b.commandEncoder!;
    encoder.clearBuffer(this.partials);
    const pass = encoder.beginComputePass();
    pass.setPipeline(this.sumSquares);
    for (const x of work) {
      if (x === null) continue;
      pass.setBindGroup(0, x.sum);
      pass.dispatchWorkgroups(Math.max(1, Math.min(MAX_PARTIALS, Math.ceil(x.n / WORKGROUP))));
    }
    pass.setPipeline(this.reduce);
    pass.setBindGroup(0, this.reduceGroup);
    pass.dispatchWorkgroups(1);
    pass.setPipeline(this.prepare);
    pass.setBindGroup(0, this.prepareGroup);
    pass.dispatchWorkgroups(1);
    pass.setPipeline(this.update);
    for (const x of work) {
      if (x === null) continue;
      pass.setBindGroup(0, x.state);
      pass.setBindGroup(1, x.grad);
      pass.dispatchWorkgroups(Math.max(1, Math.min(MAX_UPDATE_GROUPS, Math.ceil(x.n / WORKGROUP))));
      // Values read back earlier are cached on the CPU by the backend; they are stale now.
      for (const t of x.tensors) this.b.tensorMap.get(t.dataId)!.values = null;
    }
    pass.end();
    encoder.copyBufferToBuffer(this.total, 0, this.readback, 0, 4);
    b.submitQueue();
    this.pending = this.readback.mapAsync(GPUMapMode.READ).then(() => {
      const value = new Float32Array(this.readback.getMappedRange().slice(0))[0];
      this.readback.unmap();
      return value;
    });
    return this.pending;
  }

  /** Resolves once the last recorded step's read back is done (before recording another, or disposing). */
  async settled(): Promise<void> {
    await this.pending.catch(() => undefined);
  }

  dispose(): void {
    for (const buf of [this.partials, this.total, this.readback, this.step, this.clip, ...this.slots.map((s) => s.meta)]) buf.destroy();
  }
}
export const FUSED_ADAMW_WGSL = { sumSquares: SUM_SQUARES, reduce: REDUCE, prepare: PREPARE, update: UPDATE };
