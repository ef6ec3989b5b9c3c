import * as tf from "@tensorflow/tfjs-core";
import { parseWgsl, validate } from "naga-wasm";
import { describe, expect, test } from "vitest";
import { probeWebgpu, selectBackend } from "../../models/backend.ts";
import { AdamW, defaultAdamWLayout } from "../../models/optim.ts";
import { FUSED_ADAMW_WGSL } from "../../models/webgpuAdamW.ts";
import { attentionWgsl } from "../../models/webgpuAttention.ts";
import { FUSED_KERNEL_WGSL } from "../../models/webgpuKernels.ts";
import { CHECKED_ATTENTION_OUTPUTS, CHECKED_OUTPUTS, fusedAttentionErrors, fusedKernelErrors } from "../../models/webgpuKernelsCheck.ts";

const validateWgsl = (code: string) => validate(parseWgsl(code));

describe("hand-written WebGPU shaders (checked without a GPU by naga, wgpu's shader compiler)", () => {
  const attention = [16, 64, 128].flatMap((dh) => Object.entries(attentionWgsl(dh)).map(([k, code]) => [`attention ${k}, Dh ${dh}`, code]));
  test.each([...Object.entries(FUSED_ADAMW_WGSL), ...Object.entries(FUSED_KERNEL_WGSL), ...attention])("%s parses and validates", (_, code) => {
    expect(() => validateWgsl(code)).not.toThrow();
  });

  test("the validator does reject a broken variant (writing θ through a read-only binding)", () => {
    const broken = FUSED_ADAMW_WGSL.update.replace("var<storage, read_write> theta", "var<storage, read> theta");
    expect(broken).not.toBe(FUSED_ADAMW_WGSL.update);
    expect(() => validateWgsl(broken)).toThrow();
  });
});

describe("fused AdamW off the GPU", () => {
  test("is not the default and is refused with the reason on a CPU backend", async () => {
    await selectBackend("wasm");
    expect(defaultAdamWLayout()).toBe("perVariable");
    const x = tf.variable(tf.zeros([2]));
    expect(() => new AdamW([x], {}, "fused")).toThrow(/layout 'fused' needs the webgpu backend; the active backend is 'wasm'/);
    x.dispose();
  });
});

const probe = await probeWebgpu();
describe("fused AdamW on a WebGPU adapter", () => {
  test.skipIf(!probe.ok)(`agrees with the per-variable layout, keeps shared data intact and leaks nothing${probe.ok ? "" : ` (skipped: ${probe.reason})`}`, async () => {
    await selectBackend("webgpu");
    expect(defaultAdamWLayout()).toBe("fused");
    const source = tf.tensor2d([[1, -2], [0.5, 3]]);
    const run = async (layout: "fused" | "perVariable") => {
      // The first variable shares `source`'s data (tf.variable does not copy): an in-place update must not touch it.
      const vars = [tf.variable(source), tf.variable(tf.tensor1d([0.1, 0.2, 0.3])), tf.variable(tf.tensor1d([4]))];
      const opt = new AdamW(vars, { lr: 0.05, weightDecay: 0.1, clipNorm: 0.5 }, layout);
      const grads = [tf.tensor2d([[0.3, -0.1], [0.2, 0.9]]), tf.tensor1d([-0.5, 0.4, 0.05]), null];
      const norms: number[] = [];
      await opt.applyGradients(grads);
      const before = tf.memory().numTensors;
      for (let i = 0; i < 3; i++) norms.push((await opt.applyGradients(grads)).gradNorm);
      const leaked = tf.memory().numTensors - before;
      const out = { weights: await Promise.all(vars.map((v) => v.data())), state: await opt.getState(), norms, leaked };
      tf.dispose([...vars, ...grads.filter((g) => g !== null)]);
      opt.dispose();
      return out;
    };
    const [fused, per] = [await run("fused"), await run("perVariable")];
    expect(Array.from(await source.data())).toEqual([1, -2, 0.5, 3]);
    expect(fused.leaked).toBe(0);
    fused.norms.forEach((n, i) => expect(n).toBeCloseTo(per.norms[i], 5));
    fused.weights.forEach((w, i) => Array.from(w).forEach((x, j) => expect(x).toBeCloseTo(per.weights[i][j], 6)));
    expect(Array.from(fused.weights[2])).toEqual([4]);
    fused.state.m.forEach((m, i) => Array.from(m).forEach((x, j) => expect(x).toBeCloseTo(per.state.m[i][j], 7)));
    source.dispose();
  });
});

describe("fused AdamW submitted without waiting (webgpu)", () => {
  test.skipIf(!probe.ok)(`pipelined steps equal awaited ones; a non-finite norm changes nothing, not even the count${probe.ok ? "" : ` (skipped: ${probe.reason})`}`, async () => {
    await selectBackend("webgpu");
    const grads = [tf.tensor2d([[3, -1], [2, 9]]), tf.tensor1d([-5, 4, 0.5])];
    const run = async (pipelined: boolean) => {
      const vars = [tf.variable(tf.tensor2d([[1, -2], [0.5, 3]])), tf.variable(tf.tensor1d([0.1, 0.2, 0.3]))];
      const opt = new AdamW(vars, { lr: 0.05, weightDecay: 0.1, clipNorm: 0.5 }, "fused");
      const infos: Promise<{ gradNorm: number; applied: boolean }>[] = [];
      for (let i = 0; i < 4; i++) {
        if (pipelined) infos.push((await opt.submitGradients(grads)).info);
        else infos.push(Promise.resolve(await opt.applyGradients(grads)));
      }
      const out = { norms: (await Promise.all(infos)).map((x) => x.gradNorm), weights: await Promise.all(vars.map((v) => v.data())), step: opt.step, opt, vars };
      return out;
    };
    const [a, b] = [await run(true), await run(false)];
    expect(a.step).toBe(4);
    a.norms.forEach((n, i) => expect(n).toBe(b.norms[i]));
    a.weights.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(b.weights[i])));
    // A NaN gradient: skipped on the GPU, reported, and the count stays.
    const bad = [tf.tensor2d([[NaN, 0], [0, 0]]), tf.tensor1d([1, 1, 1])];
    const before = await Promise.all(a.vars.map((v) => v.data()));
    const info = await (await a.opt.submitGradients(bad)).info;
    expect(info.applied).toBe(false);
    expect(a.opt.step).toBe(4);
    const after = await Promise.all(a.vars.map((v) => v.data()));
    after.forEach((w, i) => expect(Array.from(w)).toEqual(Array.from(before[i])));
    for (const r of [a, b]) {
      r.opt.dispose();
      tf.dispose(r.vars);
    }
    tf.dispose([...grads, ...bad]);
  });
});

describe("fused layer norm and GELU on a WebGPU adapter", () => {
  test.skipIf(!probe.ok)(`match the tfjs op chains forward and backward, odd sizes included${probe.ok ? "" : ` (skipped: ${probe.reason})`}`, async () => {
    await selectBackend("webgpu");
    for (const [n, d] of [[7, 33], [300, 256]]) {
      const errors = await fusedKernelErrors(n, d);
      errors.forEach((e, k) => expect(e, `${CHECKED_OUTPUTS[k]} at [${n}, ${d}]`).toBeLessThan(1e-4));
    }
  });
});

describe("fused attention on a WebGPU adapter", () => {
  test.skipIf(!probe.ok)(`matches the batched op chain forward and backward, with pad keys and T off the tile${probe.ok ? "" : ` (skipped: ${probe.reason})`}`, async () => {
    await selectBackend("webgpu");
    for (const [B, T, H, Dh, pads] of [[3, 37, 2, 16, 5], [2, 152, 3, 64, 20]]) {
      const errors = await fusedAttentionErrors(B, T, H, Dh, pads);
      errors.forEach((e, k) => expect(e, `${CHECKED_ATTENTION_OUTPUTS[k]} at B=${B} T=${T} H=${H} Dh=${Dh}`).toBeLessThan(1e-4));
    }
  });
});
