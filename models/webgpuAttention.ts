/**
 * Multi-head attention as single WebGPU kernels: one forward, three backward (models/attention.ts uses them on
 * webgpu in place of the `batched` op chain, with the same arithmetic up to summation order).
 *
 * Why: the batched chain is ~8 tfjs kernels forward (a head transpose, the split, the 1/√Dh scale, q·kᵀ, the
 * key mask, softmax, p·v, the transpose back) and ~16 backward per layer, each a dispatch with a CPU cost of
 * tens of µs in Node (BENCHMARKS.md, "model"). Here the kernels read q, k and v straight out of the fused
 * projection qkv [B·T, 3D] and write the heads side by side, so no transpose is left.
 *
 * The forward pass is the online softmax of FlashAttention (Dao et al. 2022): one thread per query row keeps
 * its running maximum m, normaliser l and output accumulator while key/value tiles stream through workgroup
 * memory; it also saves the log-sum-exp L = m + log l of each row. The backward pass recomputes
 * p_ij = exp(s_ij − L_i) from it instead of storing the [T, T] probabilities, with s = q̂·kᵀ + mask,
 * q̂ = q/√Dh, o = p·v and the upstream gradient dO:
 *   Δ_i = dO_i·o_i,  ds_ij = p_ij·(dO_i·v_j − Δ_i)
 *   dq_i = (Σ_j ds_ij k_j)/√Dh     one thread per query row  (DQ; also stores Δ)
 *   dv_j = Σ_i p_ij dO_i           one thread per key row    (DV)
 *   dk_j = Σ_i ds_ij q̂_i           one thread per key row    (DK)
 * which is models/attention.ts' split2d gradient with Σ_j p_ij dp_ij written as Δ_i (the two are equal since
 * o_i = Σ_j p_ij v_j).
 *
 * Shape letters: B batch, T tokens, D width, H heads, Dh = D / H; bh = b·H + h indexes a (example, head).
 */
import * as tf from "@tensorflow/tfjs-core";
import { type WebgpuBackendInternals } from "./webgpuBackend.ts";
import { bindings, dispatch, MAX_GROUPS, type Uniform } from "./webgpuKernels.ts";

/** Threads per workgroup: rows (query or key) of one (example, head). */
const ROWS = 64;
/** Rows of the other side staged in workgroup memory at a time. */
const TILE = 16;
/** Below any score: exp(NONE − m) is 0 for every finite m. */
const NONE = "-3.0e38";
/** Above any log-sum-exp: exp(s − BIG) is 0 (a query row past T weighs nothing). */
const BIG = "3.0e38";

const PARAMS = "t: u32, h: u32, d: u32, scale: f32";

/** Common preamble: which (example b, head h) and which row of T this thread takes. */
function preamble(): string {
  return `
  let bh = wid.y;
  let b = bh / p.h;
  let head = bh % p.h;
  let row = wid.x * ${ROWS}u + lid;
  let valid = row < p.t;`;
}

/** The workgroup memory of a key/value tile: keys, values and the keys' mask bias (forward and dq kernels). */
function keyTileMemory(dh: number): string {
  return `var<workgroup> ks: array<f32, ${TILE * dh}>;
var<workgroup> vs: array<f32, ${TILE * dh}>;
var<workgroup> bias: array<f32, ${TILE}>;`;
}

/**
 * Stages keys and values j0 … j0 + TILE − 1 and their mask bias (NONE past T), then waits for the whole
 * workgroup; every thread takes part.
 */
function stageKeyTile(dh: number): string {
  return `${stageRows("ks", 1, dh)}
    ${stageRows("vs", 2, dh)}
    if (lid < ${TILE}u) {
      let j = j0 + lid;
      bias[lid] = select(${NONE}, keyBias[b * p.t + min(j, p.t - 1u)], j < p.t);
    }
    workgroupBarrier();`;
}

/** Loads rows j0 … j0 + TILE − 1 of part `part` of qkv into `dst` (zeros past T); all threads take part. */
function stageRows(dst: string, part: number, dh: number): string {
  return `
    for (var e = lid; e < ${TILE * dh}u; e += ${ROWS}u) {
      let j = j0 + e / ${dh}u;
      var x = 0.0;
      if (j < p.t) { x = qkv[(b * p.t + j) * 3u * p.d + ${part}u * p.d + head * ${dh}u + e % ${dh}u]; }
      ${dst}[e] = x;
    }`;
}

function forwardCode(dh: number): string {
  return /* wgsl */ `
${bindings(PARAMS, ["qkv", "keyBias"], ["out", "lse"])}
${keyTileMemory(dh)}
@compute @workgroup_size(${ROWS})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  ${preamble()}
  var q: array<f32, ${dh}>;
  var acc: array<f32, ${dh}>;
  var s: array<f32, ${TILE}>;
  if (valid) {
    for (var c = 0u; c < ${dh}u; c++) { q[c] = qkv[(b * p.t + row) * 3u * p.d + head * ${dh}u + c] * p.scale; }
  }
  var m = ${NONE};
  var l = 0.0;
  for (var j0 = 0u; j0 < p.t; j0 += ${TILE}u) {
    ${stageKeyTile(dh)}
    if (valid) {
      var tileMax = ${NONE};
      for (var jj = 0u; jj < ${TILE}u; jj++) {
        var dot = 0.0;
        for (var c = 0u; c < ${dh}u; c++) { dot += q[c] * ks[jj * ${dh}u + c]; }
        let sc = select(${NONE}, dot + bias[jj], bias[jj] > ${NONE});
        s[jj] = sc;
        tileMax = max(tileMax, sc);
      }
      let mNew = max(m, tileMax);
      let correction = exp(m - mNew);
      l *= correction;
      for (var c = 0u; c < ${dh}u; c++) { acc[c] *= correction; }
      for (var jj = 0u; jj < ${TILE}u; jj++) {
        let pj = exp(s[jj] - mNew);
        l += pj;
        for (var c = 0u; c < ${dh}u; c++) { acc[c] += pj * vs[jj * ${dh}u + c]; }
      }
      m = mNew;
    }
    workgroupBarrier();
  }
  if (valid) {
    for (var c = 0u; c < ${dh}u; c++) { out[(b * p.t + row) * p.d + head * ${dh}u + c] = acc[c] / l; }
    lse[bh * p.t + row] = m + log(l);
  }
}`;
}

/** dq per query row (and Δ_i = dO_i·o_i into delta). */
function dqCode(dh: number): string {
  return /* wgsl */ `
${bindings(PARAMS, ["qkv", "keyBias", "dy", "o", "lse"], ["dqkv", "delta"])}
${keyTileMemory(dh)}
@compute @workgroup_size(${ROWS})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  ${preamble()}
  var q: array<f32, ${dh}>;
  var g: array<f32, ${dh}>;
  var dq: array<f32, ${dh}>;
  var big = 0.0;
  var lRow = 0.0;
  if (valid) {
    let at = (b * p.t + row) * p.d + head * ${dh}u;
    for (var c = 0u; c < ${dh}u; c++) {
      q[c] = qkv[(b * p.t + row) * 3u * p.d + head * ${dh}u + c] * p.scale;
      g[c] = dy[at + c];
      big += g[c] * o[at + c];
    }
    lRow = lse[bh * p.t + row];
    delta[bh * p.t + row] = big;
  }
  for (var j0 = 0u; j0 < p.t; j0 += ${TILE}u) {
    ${stageKeyTile(dh)}
    if (valid) {
      for (var jj = 0u; jj < ${TILE}u; jj++) {
        if (bias[jj] <= ${NONE}) { continue; }
        var sc = bias[jj];
        var dp = 0.0;
        for (var c = 0u; c < ${dh}u; c++) {
          sc += q[c] * ks[jj * ${dh}u + c];
          dp += g[c] * vs[jj * ${dh}u + c];
        }
        let ds = exp(sc - lRow) * (dp - big);
        for (var c = 0u; c < ${dh}u; c++) { dq[c] += ds * ks[jj * ${dh}u + c]; }
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    for (var c = 0u; c < ${dh}u; c++) { dqkv[(b * p.t + row) * 3u * p.d + head * ${dh}u + c] = dq[c] * p.scale; }
  }
}`;
}

/**
 * Per key row: dv (withDk false) or dk (true), streaming query rows: their q̂ and dO through workgroup memory
 * with their log-sum-exp and Δ.
 */
function dkvCode(dh: number, withDk: boolean): string {
  return /* wgsl */ `
${bindings(PARAMS, ["qkv", "keyBias", "dy", "lse", "delta"], ["dqkv"])}
var<workgroup> qs: array<f32, ${TILE * dh}>;
var<workgroup> gs: array<f32, ${TILE * dh}>;
var<workgroup> ls: array<f32, ${TILE}>;
var<workgroup> ds: array<f32, ${TILE}>;
@compute @workgroup_size(${ROWS})
fn main(@builtin(local_invocation_index) lid: u32, @builtin(workgroup_id) wid: vec3<u32>) {
  ${preamble()}
  var k: array<f32, ${dh}>;
  ${withDk ? `var v: array<f32, ${dh}>;` : ""}
  var acc: array<f32, ${dh}>;
  var keyBias_ = 0.0;
  if (valid) {
    for (var c = 0u; c < ${dh}u; c++) {
      k[c] = qkv[(b * p.t + row) * 3u * p.d + p.d + head * ${dh}u + c];
      ${withDk ? `v[c] = qkv[(b * p.t + row) * 3u * p.d + 2u * p.d + head * ${dh}u + c];` : ""}
    }
    keyBias_ = keyBias[b * p.t + row];
  }
  for (var j0 = 0u; j0 < p.t; j0 += ${TILE}u) {
    // query rows j0 … j0 + TILE − 1: q̂ and dO (zeros past T, where the row's weight is made 0 below)
    for (var e = lid; e < ${TILE * dh}u; e += ${ROWS}u) {
      let i = j0 + e / ${dh}u;
      var x = 0.0;
      var y = 0.0;
      if (i < p.t) {
        x = qkv[(b * p.t + i) * 3u * p.d + head * ${dh}u + e % ${dh}u] * p.scale;
        y = dy[(b * p.t + i) * p.d + head * ${dh}u + e % ${dh}u];
      }
      qs[e] = x;
      gs[e] = y;
    }
    if (lid < ${TILE}u) {
      let i = j0 + lid;
      ls[lid] = select(${BIG}, lse[bh * p.t + min(i, p.t - 1u)], i < p.t);
      ds[lid] = select(0.0, delta[bh * p.t + min(i, p.t - 1u)], i < p.t);
    }
    workgroupBarrier();
    if (valid) {
      for (var ii = 0u; ii < ${TILE}u; ii++) {
        var sc = keyBias_;
        ${withDk ? "var dp = 0.0;" : ""}
        for (var c = 0u; c < ${dh}u; c++) {
          sc += qs[ii * ${dh}u + c] * k[c];
          ${withDk ? `dp += gs[ii * ${dh}u + c] * v[c];` : ""}
        }
        let pij = exp(sc - ls[ii]);
        ${withDk
          ? `let w = pij * (dp - ds[ii]);
        for (var c = 0u; c < ${dh}u; c++) { acc[c] += w * qs[ii * ${dh}u + c]; }`
          : `for (var c = 0u; c < ${dh}u; c++) { acc[c] += pij * gs[ii * ${dh}u + c]; }`}
      }
    }
    workgroupBarrier();
  }
  if (valid) {
    for (var c = 0u; c < ${dh}u; c++) { dqkv[(b * p.t + row) * 3u * p.d + ${withDk ? 1 : 2}u * p.d + head * ${dh}u + c] = acc[c]; }
  }
}`;
}

/** The four kernels for head width Dh (generated per width: the per-thread arrays are sized by it). */
export function attentionWgsl(dh: number) {
  return { forward: forwardCode(dh), dq: dqCode(dh), dv: dkvCode(dh, false), dk: dkvCode(dh, true) };
}

const codes = new Map<number, ReturnType<typeof attentionWgsl>>();
const codeFor = (dh: number) => {
  let c = codes.get(dh);
  if (!c) codes.set(dh, (c = attentionWgsl(dh)));
  return c;
};

/** Largest head width the per-thread arrays are generated for (registers: 3·Dh floats per thread). */
export const MAX_FUSED_HEAD_WIDTH = 128;

let enabled = true;

/** Turns the fused attention alone off (or on again), for comparisons; the other fused kernels stay as they are. */
export function setFusedAttention(on: boolean): void {
  enabled = on;
}

/** Whether fusedAttention is on and takes these sizes (else the caller runs the op chain). */
export function fusedAttentionFits(B: number, H: number, Dh: number): boolean {
  return enabled && Dh <= MAX_FUSED_HEAD_WIDTH && B * H <= MAX_GROUPS;
}

interface Sizes {
  T: number;
  H: number;
  D: number;
  Dh: number;
  groups: [number, number];
  uniforms: Uniform[];
}

function sizes(qkv: tf.TensorInfo, keyBias: tf.TensorInfo, H: number): Sizes {
  const [B, T] = keyBias.shape;
  const D = qkv.shape[1] / 3;
  const Dh = D / H;
  const uniforms: Uniform[] = [
    { type: "uint32", data: [T] }, { type: "uint32", data: [H] }, { type: "uint32", data: [D] }, { type: "float32", data: [1 / Math.sqrt(Dh)] },
  ];
  return { T, H, D, Dh, groups: [Math.ceil(T / ROWS), B * H], uniforms };
}

const KERNELS: tf.KernelConfig[] = [
  {
    kernelName: "SvlaAttention",
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const { qkv, keyBias } = inputs as { qkv: tf.TensorInfo; keyBias: tf.TensorInfo };
      const s = sizes(qkv, keyBias, (attrs as { heads: number }).heads);
      const [B] = keyBias.shape;
      return dispatch(backend as unknown as WebgpuBackendInternals, codeFor(s.Dh).forward, [qkv, keyBias], [[B * s.T, s.D], [B * s.H * s.T]], s.uniforms, s.groups);
    },
  },
  {
    kernelName: "SvlaAttentionGrad",
    backendName: "webgpu",
    kernelFunc: ({ inputs, backend, attrs }) => {
      const b = backend as unknown as WebgpuBackendInternals;
      const { dy, qkv, out, lse, keyBias } = inputs as Record<string, tf.TensorInfo>;
      const s = sizes(qkv, keyBias, (attrs as { heads: number }).heads);
      const c = codeFor(s.Dh);
      const [dqkv, delta] = dispatch(b, c.dq, [qkv, keyBias, dy, out, lse], [qkv.shape, lse.shape], s.uniforms, s.groups);
      dispatch(b, c.dv, [qkv, keyBias, dy, lse, delta], [dqkv], s.uniforms, s.groups);
      dispatch(b, c.dk, [qkv, keyBias, dy, lse, delta], [dqkv], s.uniforms, s.groups);
      b.disposeData(delta.dataId); // released once the queue is submitted
      return dqkv;
    },
  },
];

let registered = false;

/** Attention forward: [out [B·T, D], log-sum-exp [B·H·T]] for qkv [B·T, 3D] and keyBias [B, T]. */
export function fusedAttention(qkv: tf.Tensor2D, keyBias: tf.Tensor2D, heads: number): [tf.Tensor2D, tf.Tensor1D] {
  if (!registered) {
    for (const k of KERNELS) tf.registerKernel(k);
    registered = true;
  }
  return tf.engine().runKernel("SvlaAttention", { qkv, keyBias }, { heads } as never) as never;
}

/** Attention backward: dqkv [B·T, 3D]. */
export function fusedAttentionGrad(dy: tf.Tensor, qkv: tf.Tensor, out: tf.Tensor, lse: tf.Tensor, keyBias: tf.Tensor, heads: number): tf.Tensor2D {
  return tf.engine().runKernel("SvlaAttentionGrad", { dy, qkv, out, lse, keyBias }, { heads } as never) as tf.Tensor2D;
}
