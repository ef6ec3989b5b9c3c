/**
 * VLA throughput: attention variants, forward, and forward + backward + AdamW, per preset and batch size.
 *
 *   npx tsx benchmarks/model.ts [--backend wasm|webgpu|cpu|tensorflow|auto] [--quick] [--presets small,base] [--batches 1,8,32]
 *                               [--torch] [--profile] [--adamw perVariable|flat|fused] [--skip attention,layouts]
 *                               [--no-fused-kernels] [--no-fused-attention] [--submit-batch N] [--calls] [--ab bind-groups|attention]
 *   npm run bench -- model --quick              (the runner passes flags on; BENCH_QUICK=1 also means --quick)
 * On a GPU host: ../shared/device/pack.sh benchmarks/model.ts, then bash .device/boot.sh --backend webgpu.
 *
 * FLOPs counted (multiply-add = 2), per sample with T = P + L + 56 tokens, width D, MLP width F:
 *   forward = 2·P·(ps²·3)·D                       patch embedding
 *           + depth·[2·T·(3D² + D² + 2·D·F)       qkv, output and MLP projections
 *                    + 4·T²·D]                    q·kᵀ and p·v over all heads
 *           + 2·56·D·256                          action head
 *   train   = 3 × forward                         (backward ≈ 2 × forward; AdamW's O(params) is left out)
 * Attention alone: forward 4·B·T²·D, forward + backward 12·B·T²·D.
 * The backward of split2d and of every linear map runs through hand-written gradients (models/attention.ts,
 * models/layers.ts), as training does.
 */
import * as tf from "@tensorflow/tfjs-core";
import { ATTENTION_VARIANTS, type AttentionVariant, attentionCore, defaultAttentionVariant } from "../models/attention.ts";
import { selectBackend } from "../models/backend.ts";
import { numPatches, type VlaConfig, vlaPreset } from "../models/config.ts";
import "../models/gradients.ts";
import { gradientsInOrder } from "../algorithms/gradientApplier.ts";
import { AdamW, type AdamWLayout, defaultAdamWLayout } from "../models/optim.ts";
import { bindGroupCacheStats, setBindGroupCache, webgpuInternals } from "../models/webgpuBackend.ts";
import { fusedKernelsActive, setFusedKernels } from "../models/webgpuKernels.ts";
import { CHECKED_ATTENTION_OUTPUTS, CHECKED_OUTPUTS, fusedAttentionErrors, fusedKernelErrors } from "../models/webgpuKernelsCheck.ts";
import { setFusedAttention } from "../models/webgpuAttention.ts";
import { ACTION_SLOTS, NUM_BINS, type VlaBatch } from "../models/types.ts";
import { Vla } from "../models/vla.ts";
import { machineLine, printTable, timeIt } from "./lib/table.ts";
import { flag, positiveIntFlag } from "./lib/args.ts";

const quick = process.argv.includes("--quick") || process.env.BENCH_QUICK === "1";
const submitBatch = flag("submit-batch", "") === "" ? null : positiveIntFlag("submit-batch", ""); // read before the backend loads
const backend = await selectBackend(flag("backend", "wasm"));
const presets = flag("presets", "small,base").split(",");
const batches = flag("batches", quick ? "1,8" : "1,8,32").split(",").map(Number);
const minMs = quick ? 300 : 1500;
/** The AdamW layout of the training steps in section 2 (default: the backend's). */
const trainLayout = flag("adamw", "") === "" ? undefined : (flag("adamw", "") as AdamWLayout);
const warmup = quick ? 1 : 2;
/** With --submit-batch N: tfjs-webgpu submits its command buffer every N dispatches (its default is 15). */
if (submitBatch !== null) tf.env().set("WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE", submitBatch);
/** With --calls (webgpu only): first time the WebGPU calls one dispatch makes (benchmarks/webgpuCalls.ts). */
if (process.argv.includes("--calls")) await import("./webgpuCalls.ts");
/** Instruction length used throughout: the presets' maxTextLen (pad included), as the tokenizer pads to it. */
const textLen = (c: VlaConfig) => c.maxTextLen;

export function forwardFlops(c: VlaConfig, L: number): number {
  const P = numPatches(c);
  const T = P + L + ACTION_SLOTS;
  const D = c.width;
  const F = D * c.mlpRatio;
  const block = 2 * T * (3 * D * D + D * D + 2 * D * F) + 4 * T * T * D;
  return 2 * P * c.patchSize * c.patchSize * 3 * D + c.depth * block + 2 * ACTION_SLOTS * D * NUM_BINS;
}

function makeBatch(c: VlaConfig, B: number): VlaBatch {
  const S = c.imageSize;
  const L = textLen(c);
  const ids = Int32Array.from({ length: B * L }, (_, i) => (i % L < 12 ? 1 + ((i * 7) % (c.vocabSize - 1)) : 0));
  return { images: tf.randomUniform([B, S, S, 3], 0, 1, "float32", 1) as tf.Tensor4D, text: tf.tensor2d(ids, [B, L], "int32") };
}

/** [B, 56] action tokens to train toward (any fixed pattern: the benchmark times the step, not what it learns). */
function targetTokens(B: number): tf.Tensor2D {
  return tf.tensor2d(Int32Array.from({ length: B * ACTION_SLOTS }, (_, i) => i % NUM_BINS), [B, ACTION_SLOTS], "int32");
}

/** The loss every training step here minimizes: the negative mean token log-prob at temperature 1.6. */
function stepLoss(model: Vla, batch: VlaBatch, tokens: tf.Tensor2D): tf.Scalar {
  return tf.neg(tf.mean(model.logProbs(batch, tokens, 1.6))) as tf.Scalar;
}

/** One training step as timed here: forward, backward and AdamW on the mean token log-prob loss. */
function trainingStep(model: Vla, optimizer: AdamW, batch: VlaBatch, tokens: tf.Tensor2D) {
  return optimizer.minimize(() => stepLoss(model, batch, tokens));
}

/** A training step submitted without waiting for the GPU: resolves once recorded, `info` when it has run. */
async function submitStep(model: Vla, optimizer: AdamW, batch: VlaBatch, tokens: tf.Tensor2D) {
  const vars = model.trainableVariables();
  const { value, grads } = tf.variableGrads(() => stepLoss(model, batch, tokens), vars);
  const submitted = await optimizer.submitGradients(gradientsInOrder(vars, grads));
  tf.dispose([value, ...Object.values(grads)]);
  return submitted;
}

/** Reads one value back so that asynchronous backends finish the work being timed. */
async function settle(t: tf.Tensor): Promise<void> {
  await t.data();
}

console.log(machineLine());
console.log(`backend: ${backend}; default attention here: ${defaultAttentionVariant(backend)}${quick ? "; --quick" : ""}\n`);

const skip = new Set(flag("skip", "").split(","));

// 0) On webgpu: the fused layer-norm and GELU kernels against the op chains they replace, before any timing.
if (fusedKernelsActive()) {
  const rows: (string | number)[][] = [];
  for (const [n, d] of [[7, 33], [300, 256], [32 * 152, 256]]) {
    const errors = await fusedKernelErrors(n, d);
    rows.push([`[${n}, ${d}]`, ...errors]);
  }
  printTable("Fused webgpu kernels vs tfjs op chains: max |fused − chain| / max(1, max |chain|)", ["x", ...CHECKED_OUTPUTS], rows);
  // Attention: odd sizes, the presets' (T = 152, Dh = 64; a few pad keys in every other example).
  const attentionRows: (string | number)[][] = [];
  let worst = 0;
  for (const [B, T, H, Dh, pads] of [[3, 37, 2, 16, 5], [2, 152, 3, 64, 20], [8, 152, 4, 64, 20]]) {
    const errors = await fusedAttentionErrors(B, T, H, Dh, pads);
    worst = Math.max(worst, ...errors);
    attentionRows.push([`B=${B} T=${T} H=${H} Dh=${Dh}, ${pads} pad keys`, ...errors]);
  }
  printTable("Fused attention vs the batched op chain: max |fused − chain| / max(1, max |chain|)", ["sizes", ...CHECKED_ATTENTION_OUTPUTS], attentionRows);
  if (!(worst < 1e-4)) {
    console.log(`FUSED ATTENTION DISAGREES (worst ${worst}): it is switched off for the rest of this run.`);
    setFusedAttention(false);
  }
  if (process.argv.includes("--no-fused-attention")) setFusedAttention(false);
  if (process.argv.includes("--no-fused-kernels")) setFusedKernels(false);
}

// 1) Attention variants on the small preset's shapes.
if (!skip.has("attention")) {
  const c = vlaPreset("small");
  const T = numPatches(c) + textLen(c) + ACTION_SLOTS;
  const D = c.width;
  const rows: (string | number)[][] = [];
  for (const B of batches) {
    const qkv = tf.randomNormal([B * T, 3 * D], 0, 1, "float32", 2) as tf.Tensor2D;
    const bias = tf.zeros([B, T]) as tf.Tensor2D;
    const up = tf.randomNormal([B * T, D], 0, 1, "float32", 3);
    for (const variant of ATTENTION_VARIANTS) {
      if (variant === "unstack" && B > 8 && backend !== "webgpu") continue; // quadratic copies: minutes per call
      if (variant === "split2d" && backend === "webgpu") continue; // reads tensors back synchronously: CPU only
      const dims = { B, T, H: c.heads };
      const fwd = await timeIt(async () => {
        const out = attentionCore(qkv, bias, dims, variant);
        await settle(out);
        out.dispose();
      }, minMs, warmup);
      const grad = tf.grad((x: tf.Tensor) => tf.sum(tf.mul(attentionCore(x as tf.Tensor2D, bias, dims, variant), up)));
      const both = await timeIt(async () => {
        const g = grad(qkv);
        await settle(g);
        g.dispose();
      }, minMs, warmup);
      const flops = 4 * B * T * T * D;
      rows.push([variant, B, fwd, (flops / fwd) / 1e6, both, ((3 * flops) / both) / 1e6]);
    }
    tf.dispose([qkv, up, bias]);
  }
  printTable(
    `Attention core, small preset shapes (T=${T}, D=${D}, H=${c.heads}), ${backend}`,
    ["variant", "B", "forward ms", "forward GFLOP/s", "fwd+bwd ms", "fwd+bwd GFLOP/s"],
    rows,
    ["unstack is skipped above B=8 on CPU backends (each slice copies the whole tensor out of the wasm heap), split2d on webgpu (it reads tensors back)."],
  );
}

/** tfjs timings per "preset/B", for the side-by-side with the PyTorch twin. */
const measured = new Map<string, { fwd: number; train: number; pipelined: number }>();

// 2) Whole model: forward, and a training step (forward + backward + AdamW).
{
  const rows: (string | number)[][] = [];
  for (const name of presets) {
    const c = vlaPreset(name);
    const model = new Vla(c, 0);
    const optimizer = new AdamW(model.trainableVariables(), { lr: 1e-5 }, trainLayout);
    const perSample = forwardFlops(c, textLen(c));
    for (const B of batches) {
      const batch = makeBatch(c, B);
      const tokens = targetTokens(B);
      const fwd = await timeIt(async () => {
        const l = model.logits(batch);
        await settle(l);
        l.dispose();
      }, minMs, warmup);
      const trainStep = () => trainingStep(model, optimizer, batch, tokens);
      await trainStep(); // first-use constants are cached for good; they are not a leak
      const before = tf.memory().numTensors;
      const train = await timeIt(trainStep, minMs, warmup);
      // Pipelined: each step is submitted without waiting for the GPU (AdamW.submitGradients), as a training
      // loop that reads its losses late runs; the window ends when the last step has run.
      let pipelined = NaN;
      if (optimizer.layout === "fused") {
        const steps = Math.max(8, Math.round(minMs / train));
        for (let k = 0; k < warmup; k++) await (await submitStep(model, optimizer, batch, tokens)).info;
        const t0 = performance.now();
        let last: Promise<unknown> = Promise.resolve();
        for (let k = 0; k < steps; k++) last = (await submitStep(model, optimizer, batch, tokens)).info;
        await last;
        pipelined = (performance.now() - t0) / steps;
      }
      const leaked = tf.memory().numTensors - before;
      rows.push([name, model.numParams(), B, fwd, (1000 * B) / fwd, (B * perSample) / fwd / 1e6, train, Number.isNaN(pipelined) ? "" : pipelined, (1000 * B) / train, (3 * B * perSample) / train / 1e6, leaked]);
      measured.set(`${name}/${B}`, { fwd, train, pipelined });
      tokens.dispose();
      batch.images.dispose();
      batch.text.dispose();
    }
    // The optimizer step alone, on gradients of the model's shapes.
    const grads = model.trainableVariables().map((v) => tf.randomNormal(v.shape, 0, 1e-3, "float32", 4));
    const adam = await timeIt(async () => {
      await optimizer.applyGradients(grads);
    }, minMs, warmup);
    rows.push([name, model.numParams(), "AdamW step alone", "", "", "", adam, "", "", "", ""]);
    tf.dispose(grads);
    optimizer.dispose();
    model.dispose();
  }
  printTable(
    `VLA throughput, ${backend} (attention: ${defaultAttentionVariant(backend)}, AdamW: ${trainLayout ?? defaultAdamWLayout()}, fused kernels: ${fusedKernelsActive() ? "on" : "off"}, text length = maxTextLen)`,
    ["preset", "params", "B", "forward ms", "fwd samples/s", "fwd GFLOP/s", "train step ms", "pipelined step ms", "train samples/s", "train GFLOP/s", "Δ tensors, train steps"],
    rows,
    [
      "train step = forward + backward + AdamW (with global-norm clipping) on the mean token log-prob loss, awaited: each step reads its gradient norm and loss back before the next begins.",
      "pipelined = the same steps submitted back to back (AdamW.submitGradients, fused layout only), each waiting only for the previous step's norm; samples/s and GFLOP/s are of the awaited step.",
    ],
  );
}

// 2a) With --ab bind-groups|attention (webgpu): training steps with the bind-group cache (models/webgpuBackend.ts)
//     or the fused attention (models/webgpuAttention.ts) off and on, interleaved round by round in one process,
//     since step times drift by tens of percent between runs.
const abName = flag("ab", "");
const abToggles: Record<string, (on: boolean) => void> = { "bind-groups": setBindGroupCache, attention: setFusedAttention };
if (abName !== "" && !(abName in abToggles)) throw new Error(`--ab takes one of: ${Object.keys(abToggles).join(", ")}; got '${abName}'.`);
if (abName !== "" && webgpuInternals() !== null) {
  const toggle = abToggles[abName];
  const rows: (string | number)[][] = [];
  const rounds = 5;
  for (const name of presets) {
    const c = vlaPreset(name);
    const model = new Vla(c, 0);
    const optimizer = new AdamW(model.trainableVariables(), { lr: 1e-5 }, trainLayout);
    for (const B of batches) {
      const batch = makeBatch(c, B);
      const tokens = targetTokens(B);
      const trainStep = () => trainingStep(model, optimizer, batch, tokens);
      const times: Record<"off" | "on", number[]> = { off: [], on: [] };
      let hits = 0;
      let calls = 0;
      for (let r = 0; r < rounds; r++) {
        for (const mode of ["off", "on"] as const) {
          toggle(mode === "on");
          const [h0, m0] = [bindGroupCacheStats.hits, bindGroupCacheStats.misses];
          times[mode].push(await timeIt(trainStep, minMs / 3, 1));
          if (mode === "on") {
            hits += bindGroupCacheStats.hits - h0;
            calls += bindGroupCacheStats.hits - h0 + bindGroupCacheStats.misses - m0;
          }
        }
      }
      const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
      // A cached bind group must bind exactly what a fresh one would: the same logits, bit for bit (the fused
      // attention agrees to rounding).
      const logitsWith = async (on: boolean) => {
        toggle(on);
        const l = model.logits(batch);
        const v = (await l.data()) as Float32Array;
        l.dispose();
        return v;
      };
      const [off, on] = [await logitsWith(false), await logitsWith(true)];
      const maxDiff = off.reduce((m, x, i) => Math.max(m, Math.abs(x - on[i])), 0);
      rows.push([name, B, median(times.off), median(times.on), median(times.off) / median(times.on), calls === 0 ? "" : hits / calls, maxDiff]);
      tf.dispose([tokens, batch.images, batch.text]);
    }
    toggle(true);
    optimizer.dispose();
    model.dispose();
  }
  printTable(
    `${abName}, ${backend}: training step ms, off and on interleaved (median of ${rounds} rounds)`,
    ["preset", "B", "train ms, off", "train ms, on", "off / on", "bind-group cache hit rate (on)", "max |logits on − off|"],
    rows,
  );
}

// 2b) The AdamW layouts (models/optim.ts) on this backend: time per step on the model's variables, and how far
//     each lands from the per-variable reference after a few steps of the same gradients.
if (!skip.has("layouts")) {
  // "fused, submitted": the fused layout driven by submitGradients, each step waiting only for the previous one.
  const layouts: (AdamWLayout | "fused, submitted")[] = ["perVariable", "flat", ...(webgpuInternals() !== null ? (["fused", "fused, submitted"] as const) : [])];
  const rows: (string | number)[][] = [];
  for (const name of presets) {
    const c = vlaPreset(name);
    const model = new Vla(c, 0);
    const vars = model.trainableVariables();
    const initial = vars.map((v) => tf.clone(v));
    const grads = vars.map((v, i) => tf.randomNormal(v.shape, 0, 1e-2, "float32", 10 + i));
    const steps = 5;
    let reference: Float32Array[] = [];
    for (const layout of layouts) {
      vars.forEach((v, i) => v.assign(initial[i]));
      const submitted = layout === "fused, submitted";
      const optimizer = new AdamW(vars, { lr: 1e-3, clipNorm: 1.0 }, submitted ? "fused" : layout);
      const step = async () => {
        if (!submitted) return optimizer.applyGradients(grads);
        return (await optimizer.submitGradients(grads)).info;
      };
      let last: unknown = null;
      for (let k = 0; k < steps; k++) last = submitted ? (await optimizer.submitGradients(grads)).info : await optimizer.applyGradients(grads);
      await last;
      const weights = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
      if (layout === "perVariable") reference = weights;
      let maxDiff = 0;
      weights.forEach((w, i) => w.forEach((x, j) => (maxDiff = Math.max(maxDiff, Math.abs(x - reference[i][j])))));
      const before = tf.memory().numTensors;
      const ms = await timeIt(async () => {
        await step();
      }, minMs, warmup);
      const leaked = tf.memory().numTensors - before;
      // A step whose gradients hold a NaN must change nothing, not even the step count.
      let nanSkipped = "";
      if (layout !== "perVariable") {
        const count = optimizer.step;
        const held = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
        const poisoned = grads.map((g, i) => (i === 0 ? tf.mul(g, NaN) : g));
        const info = submitted ? await (await optimizer.submitGradients(poisoned)).info : await optimizer.applyGradients(poisoned);
        const now = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
        const same = now.every((w, i) => w.every((x, j) => Object.is(x, held[i][j])));
        nanSkipped = !info.applied && optimizer.step === count && same ? "yes" : "NO";
        poisoned[0].dispose();
      }
      rows.push([name, model.numParams(), vars.length, layout + (layout === defaultAdamWLayout() ? " (default)" : ""), ms, maxDiff, leaked, nanSkipped]);
      optimizer.dispose();
    }
    tf.dispose([...initial, ...grads]);
    model.dispose();
  }
  printTable(
    `AdamW layouts, ${backend}`,
    ["preset", "params", "variables", "layout", "ms per step", "max |θ − θ_perVariable| after 5 steps", "Δ tensors over the timed steps", "NaN gradient: nothing changed"],
    rows,
    ["Step = global-norm clip (one read back) + decoupled decay + moment update, lr 1e-3; gradients N(0, 0.01²), the same every step."],
  );
}

// 2c) With --profile: the kernels of one training step of each preset at the largest batch, by name.
if (process.argv.includes("--profile")) {
  for (const name of presets) {
    const c = vlaPreset(name);
    const model = new Vla(c, 0);
    const optimizer = new AdamW(model.trainableVariables(), { lr: 1e-5 });
    const B = batches[batches.length - 1];
    const batch = makeBatch(c, B);
    const tokens = targetTokens(B);
    const step = () => trainingStep(model, optimizer, batch, tokens);
    for (let i = 0; i < warmup + 1; i++) await step();
    const t0 = performance.now();
    await step();
    const wall = performance.now() - t0;
    // Where the wall-clock of a step goes: recording forward + backward (CPU), the AdamW step (its norm read
    // back waits for the GPU to finish the recorded work), the loss read back; and the round trip of reading
    // back one scalar that is ready, the floor of every synchronizing read.
    const phases: number[][] = [];
    for (let i = 0; i < 5; i++) {
      const p0 = performance.now();
      const { value, grads } = tf.variableGrads(() => stepLoss(model, batch, tokens), model.trainableVariables());
      const p1 = performance.now();
      await optimizer.applyGradients(gradientsInOrder(model.trainableVariables(), grads));
      const p2 = performance.now();
      await value.data();
      const p3 = performance.now();
      tf.dispose([value, ...Object.values(grads)]);
      const ready = tf.tidy(() => tf.add(tf.slice(batch.images, [0, 0, 0, 0], [1, 1, 1, 1]), 1));
      await ready.data();
      const p4 = performance.now();
      await ready.data();
      const p5 = performance.now();
      ready.dispose();
      // CPU cost of recording one small dispatching kernel: a chain of 200 adds of [8, 8].
      const small = tf.zeros([8, 8]);
      const p6 = performance.now();
      const chained = tf.tidy(() => {
        let a = small;
        for (let k = 0; k < 200; k++) a = tf.add(a, small);
        return a;
      });
      const p7 = performance.now();
      await chained.data();
      tf.dispose([small, chained]);
      phases.push([p1 - p0, p2 - p1, p3 - p2, p5 - p4, p4 - p3, ((p7 - p6) / 200) * 1000]);
    }
    const median = (k: number) => phases.map((r) => r[k]).sort((a, b) => a - b)[2];
    printTable(
      `Phases of one training step, ${name} B=${B}, ${backend} (median of 5)`,
      ["record fwd+bwd ms", "AdamW (norm read back + update) ms", "loss read back ms", "read back of a ready scalar ms", "one tiny op + read back ms", "µs to record one add of [8,8]"],
      [[median(0), median(1), median(2), median(3), median(4), median(5)]],
    );
    let minimizePromise: Promise<unknown> = Promise.resolve();
    const profile = await tf.profile(() => {
      minimizePromise = step();
      return [];
    });
    await minimizePromise;
    const byName = new Map<string, { count: number; ms: number }>();
    for (const k of profile.kernels) {
      if (k.name.endsWith("__op") || k.name === "unnamed scope") continue; // scopes, not kernels
      const e = byName.get(k.name) ?? { count: 0, ms: 0 };
      e.count += 1;
      e.ms += typeof k.kernelTimeMs === "number" ? k.kernelTimeMs : 0;
      byName.set(k.name, e);
    }
    const total = [...byName.values()].reduce((a, e) => ({ count: a.count + e.count, ms: a.ms + e.ms }), { count: 0, ms: 0 });
    const rows = [...byName.entries()].sort((a, b) => b[1].count - a[1].count).slice(0, 25).map(([k, e]) => [k, e.count, e.ms]);
    rows.push(["all kernels", total.count, total.ms]);
    printTable(
      `Kernels of one training step, ${name} B=${B}, ${backend} (unprofiled step: ${wall.toFixed(1)} ms)`,
      ["kernel", "calls", "kernel ms (backend timer)"],
      rows,
      ["tfjs kernel calls that tf.profile records in the synchronous part of the step (forward, backward, the gradient norm of the tfjs layouts; not the update after the read back, nor the fused AdamW's own dispatches); kernel ms is what the backend's timer reports."],
    );
    // Where the most frequent dispatching kernels come from: their commonest input shapes.
    const shapeRows: (string | number)[][] = [];
    for (const kernel of ["Add", "Slice", "Multiply", "Sum", "Transpose", "BatchMatMul"]) {
      const shapes = new Map<string, number>();
      for (const k of profile.kernels) {
        if (k.name !== kernel) continue;
        const key = k.inputShapes.map((sh) => `[${sh}]`).join(" ") + " → " + k.outputShapes.map((sh) => `[${sh}]`).join(" ");
        shapes.set(key, (shapes.get(key) ?? 0) + 1);
      }
      [...shapes.entries()].sort((a, b) => b[1] - a[1]).slice(0, 4).forEach(([key, n]) => shapeRows.push([kernel, n, key]));
    }
    printTable(`Commonest shapes of the frequent kernels, ${name} B=${B}`, ["kernel", "calls", "inputs → outputs"], shapeRows);
    tf.dispose([tokens, batch.images, batch.text]);
    optimizer.dispose();
    model.dispose();
  }
}

// 3) With --torch: the PyTorch twin of the same architecture (benchmarks/native/vla_twin.py), timed on the same
//    machine in the same run (needs python3 with torch and CUDA: the GPU host's image has them).
if (process.argv.includes("--torch")) {
  const { spawnSync } = await import("node:child_process");
  const rows: (string | number)[][] = [];
  for (const name of presets) {
    const r = spawnSync("python3", ["benchmarks/native/vla_twin.py", "--preset", name, "--batches", batches.join(",")], { encoding: "utf8" });
    if (r.status !== 0) {
      console.log(`PyTorch twin not run for ${name}: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}`);
      continue;
    }
    for (const line of r.stdout.trim().split("\n")) {
      const t = JSON.parse(line) as { batch: number; forward_ms: number; train_ms: number; gpu: string };
      const ours = measured.get(`${name}/${t.batch}`);
      if (!ours) continue;
      const pipe = Number.isNaN(ours.pipelined) ? "" : ours.pipelined;
      rows.push([name, t.batch, ours.fwd, t.forward_ms, ours.fwd / t.forward_ms, ours.train, pipe, t.train_ms, ours.train / t.train_ms, pipe === "" ? "" : pipe / t.train_ms, t.gpu]);
    }
  }
  if (rows.length > 0) {
    printTable(
      `tfjs-${backend} vs a PyTorch twin of the same model, same machine, same run`,
      ["preset", "B", "tfjs fwd ms", "torch fwd ms", "fwd ratio", "tfjs train ms", "tfjs pipelined ms", "torch train ms", "train ratio", "pipelined ratio", "device"],
      rows,
      [
        "PyTorch: fp32 with TF32 off, F.scaled_dot_product_attention, torch.optim.AdamW, clip_grad_norm_ 1.0, steps back to back with one synchronize at the end; target: train ratio ≤ 3.",
        "pipelined ratio: our steps timed the same way (AdamW.submitGradients); train ratio: ours awaiting every step.",
      ],
    );
  }
}
