/**
 * The run's metrics log, `<runDir>/metrics.jsonl`: one JSON object per line, appended and flushed to the
 * OS line by line, so that a crash loses at most the line being written, and any tool (jq, pandas) reads it.
 *
 * A record is flat, with CleanRL-style namespaced keys (fixed names in `METRIC`):
 *   {"phase":"rl","step":12,"time":3600.5,"train/success":0.41,"train/success/3":0.5,"loss/policy":-0.01,
 *    "diag/clipFrac":0.08,"time/rollout":61.2,...}
 * - `phase`: "sft" (step = SFT optimizer step), "rl" (step = RL step) or "eval" (step = the RL step it
 *   follows; 0 = after SFT, before RL: the "before" column of the report's SFT → RL table).
 * - `time`: seconds since the run started (wall clock, summed over resumes).
 * - Per-task values append `/<taskId>` to the key (`eval/success/3`).
 * Non-finite numbers are written as null (JSON has no NaN) and read back as absent.
 */
import fs from "node:fs";
import { UserError } from "./cli/errors.ts";

export type Phase = "sft" | "rl" | "eval";

export interface MetricsRecord {
  phase: Phase;
  step: number;
  [key: string]: number | string;
}

/** Fixed metric names, so that writer and report agree. */
export const METRIC = {
  time: "time",
  sftLoss: "sft/loss",
  sftLr: "sft/lr",
  /** Success rate of the step's training rollouts (all drawn groups, before dynamic sampling). */
  trainSuccess: "train/success",
  /** Greedy success rate on the evaluation split. */
  evalSuccess: "eval/success",
  policyLoss: "loss/policy",
  valueLoss: "loss/value",
  clipFrac: "diag/clipFrac",
  approxKl: "diag/approxKl",
  entropy: "diag/entropy",
  gradNorm: "diag/gradNorm",
  /** Fraction of drawn groups kept by dynamic sampling. */
  keptGroupFrac: "diag/keptGroupFrac",
  /** Mean counted steps per episode. */
  episodeLength: "diag/episodeLength",
  /** Seconds per phase of the step: `time/rollout`, `time/update`, `time/eval`, `time/sft`, … */
  timePrefix: "time/",
} as const;

/** The per-task key of a metric: `perTask("eval/success", 3)` is `eval/success/3`. */
export function perTask(key: string, taskId: number): string {
  return `${key}/${taskId}`;
}

/** Appends records to a metrics file, one flushed line each. */
export class MetricsWriter {
  private fd: number;

  /**
   * Opens `file` for appending (created if absent). If the file ends in a partial line (a crash mid-write),
   * that line is cut off first so that the next record starts on a line of its own.
   */
  constructor(readonly file: string) {
    if (fs.existsSync(file)) dropPartialLastLine(file);
    this.fd = fs.openSync(file, "a");
  }

  append(record: MetricsRecord): void {
    const line = `${JSON.stringify(record, (_k, v) => (typeof v === "number" && !Number.isFinite(v) ? null : v))}\n`;
    fs.writeSync(this.fd, line);
    // One line per step (seconds to minutes apart): a sync per line costs nothing noticeable.
    fs.fdatasyncSync(this.fd);
  }

  close(): void {
    fs.closeSync(this.fd);
  }
}

export interface ReadResult {
  records: MetricsRecord[];
  /** True when the last line was incomplete or unparseable (dropped). */
  truncated: boolean;
}

/**
 * Reads every record. An incomplete last line (a crash mid-write) is dropped and reported; a broken line
 * before the last is a UserError naming the file and line, as the log cannot be trusted past it.
 */
export function readMetrics(file: string): ReadResult {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new UserError(`cannot read metrics file ${file}: ${why}`);
  }
  const lines = text.split("\n");
  const endsClean = text.endsWith("\n") || text === "";
  if (endsClean) lines.pop();
  const records: MetricsRecord[] = [];
  let truncated = false;
  for (let i = 0; i < lines.length; i++) {
    const isLast = i === lines.length - 1;
    if (lines[i].trim() === "") continue;
    const rec = parseRecord(lines[i]);
    if (rec === undefined || (isLast && !endsClean)) {
      if (isLast) {
        truncated = true;
        break;
      }
      throw new UserError(`metrics file ${file} is corrupt at line ${i + 1}; a crash can only cut the last line`);
    }
    records.push(rec);
  }
  return { records, truncated };
}

function parseRecord(line: string): MetricsRecord | undefined {
  let obj: unknown;
  try {
    obj = JSON.parse(line);
  } catch {
    return undefined;
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) return undefined;
  const o = obj as Record<string, unknown>;
  if (typeof o.step !== "number" || (o.phase !== "sft" && o.phase !== "rl" && o.phase !== "eval")) return undefined;
  for (const [k, v] of Object.entries(o)) if (v === null) delete o[k];
  return o as MetricsRecord;
}

/** Where a run resumes: the last completed step of its stage. */
export interface ResumePoint {
  stage: "sft" | "rl";
  step: number;
}

/**
 * Rewrites `file` keeping only what happened up to `at` (for `--resume` from a checkpoint): every record
 * of an earlier stage, and records of the same stage with `step ≤ at.step` ("eval" counts as the RL stage;
 * its step 0 is the evaluation before RL). Atomic: written to a temporary file, synced, then renamed over
 * the original, so a crash leaves either the old or the new log. Returns the number of records kept.
 */
export function truncateMetrics(file: string, at: ResumePoint): number {
  if (!fs.existsSync(file)) return 0;
  const { records } = readMetrics(file);
  const stageRank = (p: Phase) => (p === "sft" ? 0 : 1);
  const atRank = at.stage === "sft" ? 0 : 1;
  const kept = records.filter((r) => stageRank(r.phase) < atRank || (stageRank(r.phase) === atRank && r.step <= at.step));
  const tmp = `${file}.tmp`;
  const fd = fs.openSync(tmp, "w");
  try {
    fs.writeSync(fd, kept.map((r) => `${JSON.stringify(r)}\n`).join(""));
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
  fs.renameSync(tmp, file);
  return kept.length;
}

/** Cuts a trailing partial line (no final newline) off `file`. */
function dropPartialLastLine(file: string): void {
  const buf = fs.readFileSync(file);
  if (buf.length === 0 || buf[buf.length - 1] === 0x0a) return;
  const lastNewline = buf.lastIndexOf(0x0a);
  fs.truncateSync(file, lastNewline + 1);
}
