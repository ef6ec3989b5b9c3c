/**
 * A made-up but realistic run directory for the report tests: 2000 SFT steps logged every 20, an evaluation
 * after SFT and every 10 RL steps on 10 tasks × 10 held-out trials, 60 GRPO steps of 6 groups × 8 with
 * dynamic-sampling statistics computed from the sampled groups, diagnostics and phase timings, a
 * config.json naming libero_spatial, and a few evaluation GIFs. Seeded: the same directory every time.
 */
import fs from "node:fs";
import path from "node:path";
import seedrandom from "seedrandom";
import { MetricsWriter, perTask, type MetricsRecord } from "../../src/metrics.ts";
import { videoFileName, writeGif } from "../../src/report/gif.ts";

export interface FakeRunOptions {
  rlSteps?: number;
  videos?: boolean;
}

export function makeFakeRun(dir: string, opts: FakeRunOptions = {}): void {
  const rlSteps = opts.rlSteps ?? 60;
  const rng = seedrandom("fake-run");
  const gauss = () => Math.sqrt(-2 * Math.log(1 - rng())) * Math.cos(2 * Math.PI * rng());
  const binomial = (n: number, p: number) => Array.from({ length: n }, () => (rng() < p ? 1 : 0)).reduce<number>((a, b) => a + b, 0);
  const tasks = Array.from({ length: 10 }, (_, i) => i);
  // Held-out greedy success after SFT per task, and where RL takes it.
  const p0 = tasks.map(() => 0.1 + 0.6 * rng());
  const q = (id: number, t: number) => p0[id] + (0.95 - p0[id]) * (1 - Math.exp(-t / 18));

  fs.mkdirSync(dir, { recursive: true });
  fs.writeFileSync(
    path.join(dir, "config.json"),
    JSON.stringify({ run: { suite: "libero_spatial", tasks, preset: "small", algo: "grpo", seed: 0, steps: rlSteps } }),
  );
  const w = new MetricsWriter(path.join(dir, "metrics.jsonl"));
  let time = 0;
  for (let s = 20; s <= 2000; s += 20) {
    time += 18;
    w.append({ phase: "sft", step: s, time, "sft/loss": 0.25 + 5.2 * Math.exp(-s / 300) + 0.08 * gauss() * Math.exp(-s / 900), "sft/lr": 3e-4, "time/sft": 18 });
  }
  const evaluate = (step: number) => {
    time += 120 + 10 * rng();
    const rec: MetricsRecord = { phase: "eval", step, time, "time/eval": 120 };
    let total = 0;
    for (const id of tasks) {
      const k = binomial(10, q(id, step));
      rec[perTask("eval/success", id)] = k / 10;
      total += k;
    }
    rec["eval/success"] = total / 100;
    w.append(rec);
  };
  evaluate(0);
  for (let step = 1; step <= rlSteps; step++) {
    const groups = Array.from({ length: 6 }, () => {
      const id = tasks[Math.floor(rng() * tasks.length)];
      return { id, k: binomial(8, 0.85 * q(id, step)) };
    });
    const rec: MetricsRecord = { phase: "rl", step };
    const byTask = new Map<number, number[]>();
    for (const g of groups) byTask.set(g.id, [...(byTask.get(g.id) ?? []), g.k]);
    for (const [id, ks] of byTask) rec[perTask("train/success", id)] = ks.reduce((a, b) => a + b, 0) / (8 * ks.length);
    rec["train/success"] = groups.reduce((a, g) => a + g.k, 0) / 48;
    rec["diag/keptGroupFrac"] = groups.filter((g) => g.k > 0 && g.k < 8).length / groups.length;
    rec["loss/policy"] = 0.02 * gauss();
    rec["diag/clipFrac"] = Math.max(0, 0.04 + 0.06 * (step / rlSteps) + 0.015 * gauss());
    rec["diag/approxKl"] = Math.max(1e-5, 1e-3 * (1 + 0.3 * gauss()));
    rec["diag/entropy"] = 4.4 - 1.3 * (1 - Math.exp(-step / 25)) + 0.05 * gauss();
    rec["diag/gradNorm"] = Math.abs(0.9 + 0.3 * gauss());
    rec["diag/episodeLength"] = 215 - 90 * (1 - Math.exp(-step / 20)) + 5 * gauss();
    rec["time/rollout"] = 55 + 8 * rng();
    rec["time/recompute"] = 12 + 2 * rng();
    rec["time/update"] = 24 + 3 * rng();
    time += (rec["time/rollout"] as number) + (rec["time/recompute"] as number) + (rec["time/update"] as number);
    rec.time = time;
    w.append(rec);
    if (step % 10 === 0) evaluate(step);
  }
  w.close();

  if (opts.videos !== false) {
    const frames = (hue: number) =>
      Array.from({ length: 6 }, (_, f) => {
        const img = new Uint8Array(128 * 128 * 3);
        for (let i = 0; i < 128 * 128; i++) img.set([200, 190, 170], i * 3);
        for (let r = 60; r < 90; r++) for (let c = 10 + 15 * f; c < 40 + 15 * f; c++) img.set(hue ? [60, 90, 200] : [200, 60, 60], (r * 128 + c) * 3);
        return img;
      });
    const eps = [
      { step: rlSteps, taskId: 0, index: 0, success: true },
      { step: rlSteps, taskId: 3, index: 1, success: true },
      { step: rlSteps, taskId: 7, index: 2, success: false },
      { step: 0, taskId: 2, index: 0, success: false },
    ];
    for (const e of eps) writeGif(path.join(dir, "videos", videoFileName(e)), frames(e.success ? 1 : 0));
  }
}
