import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { MetricsWriter } from "../../src/metrics.ts";
import { phaseSeconds, writeReport } from "../../src/report/report.ts";
import fc from "fast-check";
import { niceTicks } from "../../src/report/svg.ts";
import { makeFakeRun } from "./fakeRun.ts";

function tmpDir(): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), "report-"));
}

describe("report.html", () => {
  const dir = path.join(tmpDir(), "libero_spatial-small-grpo-s0");
  makeFakeRun(dir);
  const file = writeReport(dir);
  const html = fs.readFileSync(file, "utf8");

  it("is written into the run directory as one HTML page", () => {
    expect(file).toBe(path.join(dir, "report.html"));
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).toContain("libero_spatial-small-grpo-s0");
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });

  it("is self-contained: no scripts, no stylesheets or images from the network", () => {
    expect(html).not.toMatch(/<script/i);
    expect(html).not.toMatch(/(src|href)="(https?:)?\/\//i);
    expect(html).not.toMatch(/@import|url\(/i);
  });

  it("has the success-rate, per-task and diagnostics charts as inline SVG", () => {
    const titles = [...html.matchAll(/<svg[^>]*>\s*<title>([^<]*)<\/title>/g)].map((m) => m[1]);
    expect(titles).toContain("Success rate, all tasks");
    for (let id = 0; id < 10; id++) expect(titles).toContain(`task ${id}`);
    for (const t of ["SFT loss (cross-entropy)", "Policy loss", "Clip fraction", "Approx KL (old → new)", "Entropy of action tokens (nats)",
      "Gradient norm (before clipping)", "Kept-group fraction (dynamic sampling)", "Seconds per RL step, by phase"]) {
      expect(titles).toContain(t);
    }
    expect(html).toContain('data-name="held-out eval (greedy)"');
  });

  it("has the SFT → RL table with one row per task (named from the suite) and a total", () => {
    const table = html.slice(html.indexOf('<table class="sftrl">'), html.indexOf("</table>"));
    expect(table).toContain("after SFT (step 0)");
    expect(table).toContain("after RL (step 60)");
    expect((table.match(/<tr/g) ?? []).length).toBe(1 + 10 + 1);
    expect(table).toContain("pick up the black bowl");
    expect(table).toContain("all tasks");
  });

  it("links the evaluation GIFs relatively, successes and failures apart", () => {
    expect(html).toContain('src="videos/eval-s0060-t00-i00-success.gif"');
    expect(html).toContain('src="videos/eval-s0060-t07-i02-failure.gif"');
    expect(html.indexOf("t03-i01-success")).toBeLessThan(html.indexOf("Failures"));
  });

  it("a run with only SFT so far still renders, saying there is no evaluation yet", () => {
    const d = tmpDir();
    const w = new MetricsWriter(path.join(d, "metrics.jsonl"));
    w.append({ phase: "sft", step: 1, "sft/loss": 5 });
    w.close();
    fs.appendFileSync(path.join(d, "metrics.jsonl"), '{"phase":"sft","st');
    const page = fs.readFileSync(writeReport(d), "utf8");
    expect(page).toContain("No evaluation yet.");
    expect(page).toContain("partial line");
    expect(page).toContain("No GIFs in videos/ yet.");
  });

  it("splits the rollout bar into its model and env parts instead of stacking them on top of it", () => {
    const { steps, series } = phaseSeconds([
      { phase: "rl", step: 1, time: 30, "time/rollout": 20, "time/rolloutModel": 5, "time/rolloutEnv": 12, "time/update": 10 },
      { phase: "eval", step: 1, time: 38, "time/eval": 8 },
      { phase: "rl", step: 2, time: 60, "time/rollout": 21, "time/update": 9 },
    ]);
    expect(steps).toEqual([1, 2]);
    const at = (name: string) => series.find((s) => s.name === name)?.values;
    expect(series.map((s) => s.name)).toEqual(["rolloutModel", "rolloutEnv", "rollout (other)", "rollout", "update", "eval"]);
    expect(at("rollout (other)")).toEqual([3, 0]);
    expect(at("rollout")).toEqual([0, 21]); // a record without the parts keeps its whole rollout bar
    const totals = steps.map((_, i) => series.reduce((sum, s) => sum + s.values[i], 0));
    expect(totals).toEqual([38, 30]);
  });

  it("axis ticks are round numbers", () => {
    expect(niceTicks(0, 1, 5)).toEqual([0, 0.2, 0.4, 0.6, 0.8, 1]);
    expect(niceTicks(3, 61, 6)).toEqual([10, 20, 30, 40, 50, 60]);
  });

  it("axis ticks end on a range only a few ulps wide (it hung the report of a long run and crashed it)", () => {
    // A series whose values differ only by rounding: the step came out below the spacing of doubles near
    // 14,163.8, so t += step never moved and the tick array grew until V8 aborted.
    expect(niceTicks(14163.8, 14163.8 + 1.9e-12)).toEqual([14163.8]);
    // two ticks asked for, and the step (0.5) is longer than the range: no multiple inside it (the property
    // below found this as [5e-118, 4e-109])
    expect(niceTicks(0.51, 0.99, 2)).toEqual([0.51, 0.99]);
    expect(niceTicks(5.000000000000001e-118, 5.000000000000001e-118 + 4.0000000000000004e-109, 2).length).toBeGreaterThanOrEqual(1);
    fc.assert(
      fc.property(fc.double({ min: -1e6, max: 1e6, noNaN: true }), fc.double({ min: 0, max: 1e3, noNaN: true }), fc.integer({ min: 2, max: 8 }), (lo, width, count) => {
        const ticks = niceTicks(lo, lo + width, count);
        expect(ticks.length).toBeGreaterThanOrEqual(1);
        expect(ticks.length).toBeLessThanOrEqual(2 * count + 2);
      }),
    );
  });
});

describe("screenshot", () => {
  it("without a Chromium on PATH it says so as a UserError", async () => {
    const { screenshot } = await import("../../src/report/screenshot.ts");
    const saved = process.env.PATH;
    process.env.PATH = tmpDir();
    try {
      expect(() => screenshot("x.html", "x.png")).toThrow(/no Chromium found on PATH .*apt-get install -y chromium/);
    } finally {
      process.env.PATH = saved;
    }
  });

  it("renders a report to a PNG when Chromium is installed", async () => {
    const { findChromium, screenshot } = await import("../../src/report/screenshot.ts");
    if (findChromium() === undefined) return; // Nothing to check on machines without a browser.
    const d = tmpDir();
    makeFakeRun(d, { rlSteps: 10, videos: false });
    const png = path.join(d, "report.png");
    screenshot(writeReport(d), png, { width: 800, height: 600 });
    expect([...fs.readFileSync(png).subarray(1, 4)].map((c) => String.fromCharCode(c)).join("")).toBe("PNG");
  }, 60_000);
});
