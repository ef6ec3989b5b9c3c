import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/cli/errors.ts";
import { helpText, loadTrainConfig, parseTrainArgs } from "../../src/config/overrides.ts";
import { rlConfigFrom } from "../../src/config/rlConfigFrom.ts";
import { dottedKey, SETTINGS } from "../../src/config/schema.ts";
import {
  defaultTrainConfig,
  PRESET_NAMES,
  presetTableMarkdown,
  presetTrainConfig,
  resolveTrainConfig,
} from "../../src/config/trainConfig.ts";

/** The UserError message thrown by `f` (fails the test when `f` does not throw a UserError). */
function userError(f: () => unknown): string {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error("expected a UserError");
}

function leafKeys(cfg: object): string[] {
  return Object.entries(cfg).flatMap(([section, fields]) => Object.keys(fields as object).map((f) => `${section}.${f}`));
}

describe("TrainConfig defaults and presets", () => {
  it("the default is the small preset with the original's algorithm knobs, sampled at temperature 1.0", () => {
    const c = defaultTrainConfig();
    expect(c.run.preset).toBe("small");
    expect(c.run.algo).toBe("grpo");
    expect(c.run.perTask).toBe(1);
    expect(c.rl).toMatchObject({ groupSize: 8, temperature: 1.0, clipLow: 0.2, clipHigh: 0.28, accuracyLow: 0.1, accuracyHigh: 0.9 });
    expect(c.run.workers).toBe(Math.max(1, os.cpus().length));
  });

  it("every preset resolves, keeps 4 or 2 optimizer steps per RL step, and grows from tiny to base", () => {
    const sizes = PRESET_NAMES.map((p) => {
      const r = resolveTrainConfig(presetTrainConfig(p));
      const perStep = r.rl.batch * r.rl.groupSize;
      expect(perStep % r.rl.miniBatch).toBe(0);
      return perStep;
    });
    expect(sizes[0]).toBeLessThan(sizes[1]);
    expect(sizes[1]).toBeLessThan(sizes[2]);
    expect(presetTrainConfig("tiny").rl.maxSteps).toBe(16);
  });

  it("auto paths follow DESIGN.md: runs/<suite>-<preset>-<algo>-s<seed> and data/demos/<suite>", () => {
    const r = resolveTrainConfig(parseTrainArgs(["--suite", "libero_10", "--algo", "rloo", "--seed", "3"]).config);
    expect(r.run.out).toBe(path.join("runs", "libero_10-small-rloo-s3"));
    expect(r.run.demos).toBe(path.join("data", "demos", "libero_10"));
    expect(r.rl.maxSteps).toBe(520);
    expect(r.run.tasks).toEqual([0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  });

  it("per-suite step limits are 220/280/300/520/400 and --max-steps 512 overrides them", () => {
    const limits = ["libero_spatial", "libero_object", "libero_goal", "libero_10", "libero_90"].map(
      (s) => resolveTrainConfig(parseTrainArgs(["--suite", s]).config).rl.maxSteps,
    );
    expect(limits).toEqual([220, 280, 300, 520, 400]);
    expect(resolveTrainConfig(parseTrainArgs(["--max-steps", "512", "--suite", "libero_10"]).config).rl.maxSteps).toBe(512);
  });

  it("the preset table is Markdown with one column per preset", () => {
    const md = presetTableMarkdown().split("\n");
    expect(md[0]).toMatch(/^\| setting \|.*\| tiny \| small \| base \|$/);
    expect(md[1]).toMatch(/^\|---/);
    expect(md.some((l) => l.startsWith("| rl.lr | 5e-6 |"))).toBe(true);
  });

  it("the README's per-preset table is the one the code prints (change a preset, paste `npm run train -- --help`'s table)", () => {
    const readme = fs.readFileSync(path.join(import.meta.dirname, "../../README.md"), "utf8");
    expect(readme).toContain(presetTableMarkdown());
  });
});

describe("overrides", () => {
  it("short flags, --dotted value, --dotted=value and dotted=value all set the same keys", () => {
    const { config } = parseTrainArgs([
      "--lr", "2e-5", "--sft.lr=1e-4", "rl.clipHigh=0.3", "--tasks", "0-2,5", "--resume", "--eval-trials", "7", "--max-steps", "auto",
    ]);
    expect(config.rl.lr).toBe(2e-5);
    expect(config.sft.lr).toBe(1e-4);
    expect(config.rl.clipHigh).toBe(0.3);
    expect(config.run.tasks).toEqual([0, 1, 2, 5]);
    expect(config.run.resume).toBe(true);
    expect(config.eval.trials).toBe(7);
    expect(config.rl.maxSteps).toBe("auto");
    expect(parseTrainArgs(["--resume", "false"]).config.run.resume).toBe(false);
    expect(parseTrainArgs(["--no-resume"]).config.run.resume).toBe(false);
  });

  it("--preset sets the defaults whatever its position, and later flags still override them", () => {
    const { config } = parseTrainArgs(["--steps", "9", "--preset", "tiny"]);
    expect(config.run.preset).toBe("tiny");
    expect(config.run.steps).toBe(9);
    expect(config.sft.steps).toBe(presetTrainConfig("tiny").sft.steps);
  });

  it("unknown flag names the flag, suggests the nearest and lists the valid ones", () => {
    const m = userError(() => parseTrainArgs(["--lrr", "1"]));
    expect(m).toContain("--lrr");
    expect(m).toContain("did you mean --lr?");
    expect(m).toContain("--group-size");
  });

  it("unknown dotted key lists the section's settings", () => {
    const m = userError(() => parseTrainArgs(["rl.lrr=1"]));
    expect(m).toContain("rl.lrr");
    expect(m).toContain("rl.miniBatch");
    expect(m).not.toContain("run.suite");
  });

  it("wrong types name the key and the expected type", () => {
    expect(userError(() => parseTrainArgs(["--seed", "1.5"]))).toBe('--seed must be an integer ≥ 0, got "1.5"');
    expect(userError(() => parseTrainArgs(["--rl.lr", "fast"]))).toContain("--rl.lr must be a number");
    expect(userError(() => parseTrainArgs(["--resume", "--tasks", "a,b"]))).toContain("--tasks must be task ids");
    expect(userError(() => parseTrainArgs(["--lr"]))).toContain("--lr needs a value");
    expect(userError(() => parseTrainArgs(["--rl.accuracyLow", "1.5"]))).toContain("a number in [0, 1]");
  });

  it("an unknown enum value lists the choices", () => {
    expect(userError(() => parseTrainArgs(["--backend", "cuda"]))).toBe(
      'unknown value "cuda" for --backend; valid choices: auto, tensorflow, webgpu, wasm, cpu',
    );
    expect(userError(() => parseTrainArgs(["--preset", "huge"]))).toContain("tiny, small, base");
  });

  it("an unknown suite lists the five LIBERO suites", () => {
    const m = userError(() => parseTrainArgs(["--suite", "libero_100"]));
    expect(m).toContain('"libero_100"');
    expect(m).toContain("libero_spatial, libero_object, libero_goal, libero_10, libero_90");
  });

  it("an unknown task id of the suite lists the valid ids", () => {
    const m = userError(() => loadTrainConfig(["--suite", "libero_goal", "--tasks", "3,10"]));
    expect(m).toContain("unknown task id 10 in libero_goal");
    expect(m).toContain("0..9");
  });

  it("cross-field checks: mini-batch must divide the step's trajectories", () => {
    expect(userError(() => loadTrainConfig(["rl.miniBatch=5"]))).toContain("rl.miniBatch (5) must divide the 16 trajectories");
  });

  it("--config reads a nested JSON file; the command line wins over it", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfg-"));
    const file = path.join(dir, "run.json");
    fs.writeFileSync(file, JSON.stringify({ run: { preset: "base", tasks: [1, 2] }, rl: { lr: 1e-6, temperature: 1.2 } }));
    const { config } = parseTrainArgs(["--temperature", "1.4", "--config", file]);
    expect(config.run.preset).toBe("base");
    expect(config.run.tasks).toEqual([1, 2]);
    expect(config.rl.batch).toBe(presetTrainConfig("base").rl.batch);
    expect(config.rl.lr).toBe(1e-6);
    expect(config.rl.temperature).toBe(1.4);
  });

  it("--config with a missing, unparseable or unknown-key file names the file", () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), "cfg-"));
    const missing = path.join(dir, "nope.json");
    expect(userError(() => parseTrainArgs(["--config", missing]))).toBe(`cannot read config file ${missing}: no such file`);
    const bad = path.join(dir, "bad.json");
    fs.writeFileSync(bad, "{ rl: ");
    expect(userError(() => parseTrainArgs(["--config", bad]))).toContain(`config file ${bad} is not valid JSON`);
    const unknown = path.join(dir, "unknown.json");
    fs.writeFileSync(unknown, JSON.stringify({ rl: { learningRate: 1 } }));
    expect(userError(() => parseTrainArgs(["--config", unknown]))).toContain(`"rl.learningRate" in config file ${unknown}`);
  });

  it("help lists every flag and dotted key with its default", () => {
    const cfg = presetTrainConfig("tiny");
    const text = helpText(cfg);
    for (const s of SETTINGS) {
      const line = text.split("\n").findIndex((l) => l.startsWith("  --") && l.includes(`--${dottedKey(s)} `));
      expect(line, dottedKey(s)).toBeGreaterThanOrEqual(0);
      if (s.flag) expect(text.split("\n")[line]).toContain(`--${s.flag},`);
      // The default is on the same line or, after a long placeholder, on the next one.
      const both = text.split("\n").slice(line, line + 2).join(" ");
      const v = (cfg[s.section] as unknown as Record<string, unknown>)[s.field];
      const shown = Array.isArray(v) ? v.join(",") : typeof v === "number" && v < 1e-3 && v > 0 ? v.toExponential() : String(v);
      expect(both, dottedKey(s)).toContain(`(default: ${shown})`);
    }
    expect(text).toContain("--config");
    expect(parseTrainArgs(["--help"]).help).toBe(true);
  });

  it("the schema names every leaf of the config and nothing else", () => {
    expect(SETTINGS.map(dottedKey).sort()).toEqual(leafKeys(defaultTrainConfig()).sort());
  });

  it("the rl section reaches the algorithms' RlConfig; knobs without a flag keep the preset's values (the original's, temperature aside)", () => {
    expect(rlConfigFrom(resolveTrainConfig(parseTrainArgs(["--temperature", "1.6"]).config)).temperature).toBe(1.6);
    const r = rlConfigFrom(resolveTrainConfig(parseTrainArgs(["--algo", "rloo", "--lr", "2e-5", "--batch", "8"]).config));
    expect(r).toMatchObject({ advantage: "rloo", learningRate: 2e-5, groupsPerBatch: 8, miniBatchTrajectories: 4, groupSize: 8 });
    expect(r).toMatchObject({ temperature: 1.0, clipLow: 0.2, clipHigh: 0.28, gradClip: 1, weightDecay: 0.01 });
  });
});
