import fs from "node:fs";
import os from "node:os";
import path from "node:path";
import { describe, expect, it } from "vitest";
import { UserError } from "../../src/cli/errors.ts";
import { MetricsWriter, perTask, readMetrics, truncateMetrics, type MetricsRecord } from "../../src/metrics.ts";

function tmpFile(): string {
  return path.join(fs.mkdtempSync(path.join(os.tmpdir(), "metrics-")), "metrics.jsonl");
}

function writeAll(file: string, records: MetricsRecord[]): void {
  const w = new MetricsWriter(file);
  for (const r of records) w.append(r);
  w.close();
}

const sample: MetricsRecord[] = [
  { phase: "sft", step: 1, "sft/loss": 5.1 },
  { phase: "sft", step: 2, "sft/loss": 4.2 },
  { phase: "eval", step: 0, "eval/success": 0.3, [perTask("eval/success", 2)]: 0.5 },
  { phase: "rl", step: 1, "train/success": 0.25 },
  { phase: "rl", step: 2, "train/success": 0.375 },
  { phase: "eval", step: 2, "eval/success": 0.4 },
  { phase: "rl", step: 3, "train/success": 0.5 },
];

describe("metrics.jsonl", () => {
  it("writes one JSON object per line and reads them back", () => {
    const file = tmpFile();
    writeAll(file, sample);
    const lines = fs.readFileSync(file, "utf8").split("\n");
    expect(lines).toHaveLength(sample.length + 1);
    expect(JSON.parse(lines[2])).toEqual(sample[2]);
    expect(readMetrics(file)).toEqual({ records: sample, truncated: false });
  });

  it("appending to an existing file continues it", () => {
    const file = tmpFile();
    writeAll(file, sample.slice(0, 3));
    writeAll(file, sample.slice(3));
    expect(readMetrics(file).records).toEqual(sample);
  });

  it("NaN and Infinity are written as null and read back as absent", () => {
    const file = tmpFile();
    writeAll(file, [{ phase: "rl", step: 1, "loss/policy": NaN, "diag/gradNorm": Infinity, "train/success": 0 }]);
    expect(readMetrics(file).records).toEqual([{ phase: "rl", step: 1, "train/success": 0 }]);
  });

  it("a truncated last line (crash mid-write) is dropped, not an error", () => {
    const file = tmpFile();
    writeAll(file, sample);
    fs.appendFileSync(file, '{"phase":"rl","step":4,"train/succ');
    const r = readMetrics(file);
    expect(r.truncated).toBe(true);
    expect(r.records).toEqual(sample);
  });

  it("a writer reopened after a crash cuts the partial line and starts a clean one", () => {
    const file = tmpFile();
    writeAll(file, sample.slice(0, 2));
    fs.appendFileSync(file, '{"phase":"sft","st');
    writeAll(file, [sample[2]]);
    expect(readMetrics(file)).toEqual({ records: sample.slice(0, 3), truncated: false });
  });

  it("a broken line before the last is a UserError naming the file and line", () => {
    const file = tmpFile();
    fs.writeFileSync(file, '{"phase":"sft","step":1}\nnot json\n{"phase":"sft","step":2}\n');
    expect(() => readMetrics(file)).toThrow(UserError);
    expect(() => readMetrics(file)).toThrow(`metrics file ${file} is corrupt at line 2`);
  });

  it("a missing file is a UserError", () => {
    expect(() => readMetrics("/nonexistent/metrics.jsonl")).toThrow("cannot read metrics file /nonexistent/metrics.jsonl: no such file");
  });

  it("resume truncation to RL step 2 keeps SFT, the step-0 and step-2 evals, drops step 3", () => {
    const file = tmpFile();
    writeAll(file, sample);
    fs.appendFileSync(file, '{"phase":"rl","st');
    expect(truncateMetrics(file, { stage: "rl", step: 2 })).toBe(6);
    expect(readMetrics(file)).toEqual({ records: sample.slice(0, 6), truncated: false });
    expect(fs.existsSync(`${file}.tmp`)).toBe(false);
  });

  it("resume truncation inside SFT drops later SFT steps and everything of RL", () => {
    const file = tmpFile();
    writeAll(file, sample);
    truncateMetrics(file, { stage: "sft", step: 1 });
    expect(readMetrics(file).records).toEqual([sample[0]]);
  });

  it("resume truncation of a file that does not exist yet is a no-op", () => {
    const file = tmpFile();
    expect(truncateMetrics(file, { stage: "rl", step: 5 })).toBe(0);
    expect(fs.existsSync(file)).toBe(false);
  });
});
