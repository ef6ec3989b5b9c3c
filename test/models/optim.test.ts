import * as tf from "@tensorflow/tfjs-core";
import { beforeAll, describe, expect, test } from "vitest";
import { selectBackend } from "../../models/backend.ts";
import { AdamW } from "../../models/optim.ts";

beforeAll(async () => {
  await selectBackend("wasm");
});

const values = (v: tf.Tensor) => Array.from(v.dataSync());

describe("AdamW, flat layout (the webgpu default) agrees with the per-variable one", () => {
  test("three steps with clipping, decay and one variable without a gradient give the same weights and state", async () => {
    const run = async (layout: "flat" | "perVariable") => {
      const vars = [tf.variable(tf.tensor2d([[1, -2], [0.5, 3]])), tf.variable(tf.tensor1d([0.1, 0.2, 0.3])), tf.variable(tf.tensor1d([4]))];
      const opt = new AdamW(vars, { lr: 0.05, weightDecay: 0.1, clipNorm: 0.5 }, layout);
      const grads = [tf.tensor2d([[0.3, -0.1], [0.2, 0.9]]), tf.tensor1d([-0.5, 0.4, 0.05]), null];
      for (let i = 0; i < 3; i++) await opt.applyGradients(grads);
      const out = { weights: vars.map(values), state: await opt.getState() };
      tf.dispose([...vars, ...grads.filter((g) => g !== null)]);
      opt.dispose();
      return out;
    };
    const [flat, per] = [await run("flat"), await run("perVariable")];
    flat.weights.flat().forEach((w, i) => expect(w).toBeCloseTo(per.weights.flat()[i], 6));
    expect(flat.weights[2]).toEqual([4]);
    flat.state.m.forEach((m, i) => Array.from(m).forEach((x, j) => expect(x).toBeCloseTo(per.state.m[i][j], 7)));
    const shapes = [tf.variable(tf.zeros([2, 2])), tf.variable(tf.zeros([3])), tf.variable(tf.zeros([1]))];
    const restored = new AdamW(shapes, {}, "flat");
    restored.setState(per.state);
    expect(await restored.getState()).toEqual(per.state);
    tf.dispose(shapes);
    restored.dispose();
  });
});

describe("AdamW", () => {
  test("first step matches the hand-derived update: decay, then lr·m̂/(√v̂+ε) ≈ lr·sign(g)", async () => {
    // θ = [1, −2], g = [0.5, 0.1], lr 0.1, λ 0.01. Decay: θ·(1 − 0.001) = [0.999, −1.998].
    // m = 0.1·g, v = 0.001·g², so m̂ = g and v̂ = g²: the step is lr·g/|g| = [0.1, 0.1] (ε negligible).
    const theta = tf.variable(tf.tensor1d([1, -2]));
    const opt = new AdamW([theta], { lr: 0.1, weightDecay: 0.01, clipNorm: null });
    const g = tf.tensor1d([0.5, 0.1]);
    const info = await opt.applyGradients([g]);
    expect(info.applied).toBe(true);
    expect(info.gradNorm).toBeCloseTo(Math.hypot(0.5, 0.1), 6);
    const [a, b] = values(theta);
    expect(a).toBeCloseTo(0.899, 6);
    expect(b).toBeCloseTo(-2.098, 6);
    const state = await opt.getState();
    expect(state.step).toBe(1);
    expect(state.m[0][0]).toBeCloseTo(0.05, 7);
    expect(state.v[0][1]).toBeCloseTo(1e-5, 9);
    tf.dispose([theta, g]);
    opt.dispose();
  });

  test("setLearningRate changes the next steps' size and decay, not the moments (a schedule's hook)", async () => {
    // Two sign-steps as in the first test: lr 0.1, then lr 0.01 with λ 0 → θ moves by 0.1 then 0.01.
    const theta = tf.variable(tf.tensor1d([1]));
    const opt = new AdamW([theta], { lr: 0.1, weightDecay: 0, clipNorm: null });
    const g = tf.tensor1d([0.5]);
    await opt.applyGradients([g]);
    opt.setLearningRate(0.01);
    await opt.applyGradients([g]);
    expect(values(theta)[0]).toBeCloseTo(1 - 0.1 - 0.01, 6);
    expect(opt.config.lr).toBe(0.01);
    expect(() => opt.setLearningRate(-1)).toThrow(/lr must be a finite number ≥ 0, got -1/);
    expect(() => opt.setLearningRate(Number.NaN)).toThrow(/lr/);
    tf.dispose([theta, g]);
    opt.dispose();
  });

  test("weight decay is decoupled: a zero gradient only shrinks θ by (1 − lr·λ)", async () => {
    const theta = tf.variable(tf.tensor1d([2, -4]));
    const opt = new AdamW([theta], { lr: 0.5, weightDecay: 0.1 });
    const g = tf.zeros([2]);
    await opt.applyGradients([g]);
    expect(values(theta)).toEqual([2 * 0.95, -4 * 0.95].map(Math.fround));
    tf.dispose([theta, g]);
    opt.dispose();
  });

  test("global-norm clipping scales gradients to the clip norm and reports the pre-clip norm", async () => {
    // g = [3, 4], ‖g‖ = 5 > 1: g' = g/(5 + 1e-6) = [0.6, 0.8], so m = 0.1·g' = [0.06, 0.08].
    const theta = tf.variable(tf.tensor1d([0, 0]));
    const opt = new AdamW([theta], { clipNorm: 1 });
    const g = tf.tensor1d([3, 4]);
    expect((await opt.applyGradients([g])).gradNorm).toBeCloseTo(5, 5);
    const m = (await opt.getState()).m[0];
    expect(m[0]).toBeCloseTo(0.06, 6);
    expect(m[1]).toBeCloseTo(0.08, 6);
    tf.dispose([theta, g]);
    opt.dispose();
  });

  test("a NaN gradient is not applied: weights, moments and step count stay as they were", async () => {
    const theta = tf.variable(tf.tensor1d([1, 2]));
    const opt = new AdamW([theta]);
    const g = tf.tensor1d([NaN, 1]);
    const info = await opt.applyGradients([g]);
    expect(info.applied).toBe(false);
    expect(Number.isNaN(info.gradNorm)).toBe(true);
    expect(values(theta)).toEqual([1, 2]);
    expect(opt.step).toBe(0);
    tf.dispose([theta, g]);
    opt.dispose();
  });

  test("a variable without a gradient (null) is left untouched, as PyTorch skips .grad None", async () => {
    const [a, b] = [tf.variable(tf.tensor1d([1])), tf.variable(tf.tensor1d([1]))];
    const opt = new AdamW([a, b], { weightDecay: 0.5, lr: 0.1 });
    const g = tf.tensor1d([1]);
    await opt.applyGradients([g, null]);
    expect(values(b)).toEqual([1]);
    expect(values(a)[0]).toBeLessThan(1);
    tf.dispose([a, b, g]);
    opt.dispose();
  });

  test("getState/setState resumes exactly: the next step equals the uninterrupted one", async () => {
    const run = async (resume: boolean) => {
      const theta = tf.variable(tf.tensor1d([1, -1, 0.5]));
      let opt = new AdamW([theta], { lr: 0.01 });
      const grads = [[0.3, -0.2, 0.1], [0.1, 0.4, -0.3], [-0.2, 0.1, 0.2]].map((g) => tf.tensor1d(g));
      await opt.applyGradients([grads[0]]);
      await opt.applyGradients([grads[1]]);
      if (resume) {
        const state = await opt.getState();
        opt.dispose();
        opt = new AdamW([theta], { lr: 0.01 });
        opt.setState(state);
      }
      await opt.applyGradients([grads[2]]);
      const out = values(theta);
      tf.dispose([theta, ...grads]);
      opt.dispose();
      return out;
    };
    expect(await run(true)).toEqual(await run(false));
  });

  test("bad settings and mismatched gradients are clear errors", async () => {
    const theta = tf.variable(tf.tensor1d([1, 2]));
    expect(() => new AdamW([theta], { beta2: 1 })).toThrow(/beta2 must be in \[0, 1\)/);
    expect(() => new AdamW([theta], {}, "fast" as never)).toThrow(/Unknown AdamW layout 'fast'; valid layouts are: perVariable, flat, fused/);
    const opt = new AdamW([theta]);
    await expect(opt.applyGradients([])).rejects.toThrow(/got 0 gradients for 1 variables/);
    const wrong = tf.zeros([3]);
    await expect(opt.applyGradients([wrong])).rejects.toThrow(/shape \[3\] but its variable has \[2\]/);
    tf.dispose([theta, wrong]);
    opt.dispose();
  });
});
