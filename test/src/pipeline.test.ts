/**
 * The training pipeline end to end on the `tiny` preset: one libero_spatial task, one demo, a few SFT steps,
 * two RL steps of one group × G 4 with 16-step episodes (at most 2 draws each), one held-out trial per
 * evaluation, on the wasm backend. Then the same run interrupted after RL step 1 and resumed to step 2 must
 * write the same metrics (timings aside). A tiny model from scratch solves nothing, so dynamic sampling
 * keeps no group; the direction of an RL update is checked on a hand-made mixed group instead.
 */
import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import * as tf from "@tensorflow/tfjs-core";
import seedrandom from "seedrandom";
import { loadVla } from "../../models/checkpoint.ts";
import { AdamW } from "../../models/optim.ts";
import { ppoUpdate } from "../../algorithms/ppoUpdate.ts";
import { defaultRlConfig } from "../../algorithms/rlConfig.ts";
import type { Rollout } from "../../algorithms/rollout.ts";
import { runCli } from "../../src/cli/errors.ts";
import { loadTrainConfig } from "../../src/config/overrides.ts";
import type { ResolvedTrainConfig } from "../../src/config/trainConfig.ts";
import { readMetrics, type MetricsRecord } from "../../src/metrics.ts";
import { observationEncoder, readExtras } from "../../src/pipeline/policy.ts";
import { runTraining } from "../../src/pipeline/run.ts";

let tmp: string;
let demos: string;
const overrides = { maxDrawsPerBatch: 2 };

function configFor(out: string, steps: number, extra: string[] = []): ResolvedTrainConfig {
  const loaded = loadTrainConfig([
    "--preset", "tiny", "--suite", "libero_spatial", "--tasks", "0", "--per-task", "1", "--backend", "wasm", "--workers", "2",
    "--sft.steps", "8", "--steps", String(steps), "--eval-interval", "1", "--eval-trials", "1", "--out", out, "--demos", demos, ...extra,
  ]);
  if (!("config" in loaded)) throw new Error("expected a config");
  return loaded.config;
}

/** The records without wall-clock values, which differ between any two runs. */
function withoutTimings(records: MetricsRecord[]): Record<string, unknown>[] {
  return records.map((r) => Object.fromEntries(Object.entries(r).filter(([k]) => k !== "time" && !k.startsWith("time/"))));
}

beforeAll(() => {
  tmp = fs.mkdtempSync(path.join(os.tmpdir(), "pipeline-"));
  demos = path.join(tmp, "demos", "libero_spatial");
});

afterAll(() => {
  fs.rmSync(tmp, { recursive: true, force: true });
});

describe("runTraining on the tiny preset", () => {
  const straight = () => path.join(tmp, "straight");
  const lines: string[] = [];

  it("runs demos → SFT → eval → 2 RL steps → eval → report, with finite metrics and a falling SFT loss", async () => {
    const result = await runTraining(configFor(straight(), 2), { log: (l) => lines.push(l), rlOverrides: overrides });
    const raw = fs.readFileSync(path.join(straight(), "metrics.jsonl"), "utf8");
    expect(raw).not.toContain("null"); // non-finite numbers are written as null
    const { records, truncated } = readMetrics(path.join(straight(), "metrics.jsonl"));
    expect(truncated).toBe(false);
    for (const r of records) for (const [k, v] of Object.entries(r)) if (typeof v === "number") expect(Number.isFinite(v), k).toBe(true);

    const sft = records.filter((r) => r.phase === "sft");
    expect(sft.map((r) => r.step)).toEqual([1, 2, 3, 4, 5, 6, 7, 8]);
    expect(sft.at(-1)!["sft/loss"]).toBeLessThan(sft[0]["sft/loss"] as number);

    expect(records.filter((r) => r.phase === "eval").map((r) => r.step)).toEqual([0, 1, 2]);
    const rl = records.filter((r) => r.phase === "rl");
    expect(rl.map((r) => r.step)).toEqual([1, 2]);
    for (const r of rl) {
      expect(r["diag/draws"]).toBeLessThanOrEqual(2);
      expect(r["train/success"]).toBeGreaterThanOrEqual(0);
      if (r["diag/skipped"] === 1) expect(lines.some((l) => l.startsWith(`rl step ${r.step}: no group with mixed success`))).toBe(true);
      else expect(Number.isFinite(r["loss/policy"])).toBe(true);
    }
    expect(result.before).toBeDefined();
    expect(result.after).toBeDefined();
    for (const f of ["report.html", "config.json", "sft/checkpoint.json", "rl/checkpoint.json"]) expect(fs.existsSync(path.join(straight(), f)), f).toBe(true);
    expect(fs.readdirSync(path.join(straight(), "videos")).some((f) => f.startsWith("eval-s0000-t00-i00-"))).toBe(true);
    const extras = readExtras(JSON.parse(fs.readFileSync(path.join(straight(), "rl", "extras.json"), "utf8")), "rl");
    expect(extras.step).toBe(2);
    expect(extras.pairsDrawn).toBe(rl.reduce((n, r) => n + (r["diag/draws"] as number), 0));
  }, 240_000);

  it("stopped after RL step 1 and resumed to step 2 writes the same metrics as the straight run", async () => {
    const out = path.join(tmp, "resumed");
    await runTraining(configFor(out, 1), { log: () => {}, rlOverrides: overrides });
    await expect(runTraining(configFor(out, 2), { log: () => {}, rlOverrides: overrides })).rejects.toThrow(/--resume/);
    await runTraining(configFor(out, 2, ["--resume"]), { log: () => {}, rlOverrides: overrides });
    const a = readMetrics(path.join(straight(), "metrics.jsonl")).records;
    const b = readMetrics(path.join(out, "metrics.jsonl")).records;
    expect(withoutTimings(b)).toEqual(withoutTimings(a));
    // the same weights, bit for bit (wasm is deterministic)
    const wa = fs.readFileSync(path.join(straight(), "rl", "weights-000.bin"));
    const wb = fs.readFileSync(path.join(out, "rl", "weights-000.bin"));
    expect(wb.equals(wa)).toBe(true);
  }, 240_000);

  it("RL continues from a finished SFT checkpoint without its optimizer files (a run carried between machines), as the straight run", async () => {
    const out = path.join(tmp, "carried");
    fs.mkdirSync(out);
    fs.cpSync(path.join(straight(), "sft"), path.join(out, "sft"), { recursive: true });
    for (const f of fs.readdirSync(path.join(out, "sft"))) if (f.startsWith("optimizer-")) fs.rmSync(path.join(out, "sft", f));
    await runTraining(configFor(out, 2, ["--resume"]), { log: () => {}, rlOverrides: overrides });
    const notSft = (dir: string) => withoutTimings(readMetrics(path.join(dir, "metrics.jsonl")).records.filter((r) => r.phase !== "sft"));
    expect(notSft(out)).toEqual(notSft(straight()));

    // An RL checkpoint cut short is the user's to sort out: one error naming the directory, not a crash.
    for (const f of fs.readdirSync(path.join(out, "rl"))) if (f.startsWith("optimizer-")) fs.rmSync(path.join(out, "rl", f));
    const stderr: string[] = [];
    let code = -1;
    await runCli(() => runTraining(configFor(out, 3, ["--resume"]), { log: () => {}, rlOverrides: overrides }), {
      argv: [], stderr: { write: (s: string) => stderr.push(s) }, exit: (c) => (code = c),
    });
    expect(code).toBe(2);
    expect(stderr.join("")).toMatch(new RegExp(`cannot continue from the checkpoint in ${path.join(out, "rl").replace(/[.*+?^${}()|[\]\\]/g, "\\$&")}: .*optimizer-000\\.bin is missing`));
    expect(stderr.join("")).not.toMatch(/internal error/);
  }, 240_000);

  it("Ctrl-C during SFT saves a checkpoint and exits 130 with the resume command; --resume finishes with the same SFT curve", async () => {
    const out = path.join(tmp, "interrupted");
    const stderr: string[] = [];
    let code = -1;
    // The signal arrives while SFT runs its first step (the line below is logged just before it).
    const log = (line: string) => {
      if (line.startsWith("sft: ") && line.includes("windows")) process.emit("SIGINT");
    };
    await runCli(() => runTraining(configFor(out, 0), { log, rlOverrides: overrides, resumeHint: "RESUME-HINT" }), {
      argv: [], stderr: { write: (s: string) => stderr.push(s) }, exit: (c) => (code = c),
    });
    expect(code).toBe(130);
    expect(stderr.join("")).toMatch(/SFT stopped after step 1\/8 .*continue with: RESUME-HINT/);
    const extras = readExtras(JSON.parse(fs.readFileSync(path.join(out, "sft", "extras.json"), "utf8")), "sft");
    expect([extras.step, extras.finished]).toEqual([1, false]);
    expect(fs.readFileSync(path.join(out, "report.html"), "utf8")).toContain("SFT");

    // Through runCli again: it clears the signal the first command received.
    const resumed = await runCli(() => runTraining(configFor(out, 0, ["--resume"]), { log: () => {}, rlOverrides: overrides }), {
      argv: [], stderr: { write: (s: string) => stderr.push(s) }, exit: () => {},
    });
    expect(resumed).toBe(0);
    const sftOf = (dir: string) => withoutTimings(readMetrics(path.join(dir, "metrics.jsonl")).records.filter((r) => r.phase === "sft"));
    expect(sftOf(out)).toEqual(sftOf(straight()));
    expect(fs.readFileSync(path.join(out, "sft", "weights-000.bin")).equals(fs.readFileSync(path.join(straight(), "sft", "weights-000.bin")))).toBe(true);
  }, 240_000);

  it("an update on a mixed group raises the log-probs of the successes and lowers those of the failures", async () => {
    const { model, checkpoint } = loadVla(path.join(straight(), "sft"));
    const { tokenizer } = readExtras(checkpoint.extras, "sft");
    const encode = observationEncoder(model.config, tokenizer);
    const rng = seedrandom("mixed group");
    const instruction = "pick up the black bowl between the plate and the ramekin and place it on the plate";
    const rollouts: Rollout[] = [true, false, true, false].map((success) => ({
      suite: "libero_spatial", taskId: 0, instruction, init: { split: "train", index: 0 }, groupId: 0, finishStep: 8, success,
      steps: [{
        image: Uint8Array.from({ length: 128 * 128 * 3 }, () => Math.floor(rng() * 256)),
        tokens: Int32Array.from({ length: 56 }, () => Math.floor(rng() * 256)),
        samplingLogProbs: new Float32Array(56),
      }],
    }));
    const logp = () =>
      tf.tidy(() => {
        const batch = encode(rollouts.map((r) => r.steps[0].image), rollouts.map((r) => r.instruction));
        const tokens = tf.tensor2d(Int32Array.from(rollouts.flatMap((r) => [...r.steps[0].tokens])), [4, 56], "int32");
        return Array.from(tf.sum(model.logProbs(batch, tokens, 1.6), 1).dataSync()); // [4]
      });
    const before = logp();
    const config = { ...defaultRlConfig(), groupSize: 4, groupsPerBatch: 1, miniBatchTrajectories: 4, learningRate: 1e-3 };
    const optimizer = new AdamW(model.trainableVariables(), { lr: config.learningRate, clipNorm: config.gradClip });
    const diag = await ppoUpdate({ model, rollouts, encode, optimizer, config });
    const after = logp();
    expect(diag.advantageStd).toBeGreaterThan(0);
    rollouts.forEach((r, i) => {
      if (r.success) expect(after[i]).toBeGreaterThan(before[i]);
      else expect(after[i]).toBeLessThan(before[i]);
    });
    optimizer.dispose();
    model.dispose();
  }, 60_000);
});
