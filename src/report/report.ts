/**
 * `report.html`: one self-contained page per run, built from `<runDir>/metrics.jsonl` (see `src/metrics.ts`
 * for the keys), the run's `config.json` if there is one (the resolved TrainConfig: it names the suite, so
 * tasks get their instructions), and the GIFs in `<runDir>/videos/` (named by `videoFileName`, linked
 * relatively so the folder can be moved or zipped). Charts are inline SVG: no script, no CDN, no network.
 *
 * Sections: headline numbers; success rate (training rollouts and held-out evaluation) overall and per task;
 * the SFT → RL table (evaluation at step 0, after SFT, against the last evaluation); diagnostics (SFT loss,
 * policy loss, clip fraction, approx KL, entropy, grad norm, kept-group fraction, episode length, seconds
 * per phase); and a gallery of evaluation episodes, successes and failures.
 */
import fs from "node:fs";
import path from "node:path";
import { getSuite } from "../../sim/tasks/registry.ts";
import { METRIC, readMetrics, type MetricsRecord, type Phase } from "../metrics.ts";
import { parseVideoFileName, type VideoInfo } from "./gif.ts";
import { COLORS, escapeXml, lineChart, stackedBarChart, type Point, type Series } from "./svg.ts";

/** What the report is built from; `loadRun` reads it from a run directory. */
export interface RunData {
  name: string;
  records: MetricsRecord[];
  /** metrics.jsonl ended in a partial line (the run crashed or is being written). */
  truncated: boolean;
  /** The run's config.json, if any (only `run` is read). */
  config?: { run?: { suite?: string; preset?: string; algo?: string; seed?: number; steps?: number; tasks?: unknown } };
  /** GIF paths relative to the run directory, with what their names say (undefined for other names). */
  videos: { file: string; info?: VideoInfo }[];
}

/** Reads the run directory's metrics, config and video list. */
export function loadRun(runDir: string): RunData {
  const { records, truncated } = readMetrics(path.join(runDir, "metrics.jsonl"));
  let config: RunData["config"];
  const cfgFile = path.join(runDir, "config.json");
  if (fs.existsSync(cfgFile)) {
    try {
      config = JSON.parse(fs.readFileSync(cfgFile, "utf8"));
    } catch {
      config = undefined; // A broken config only costs the task names; the metrics are what matter here.
    }
  }
  const videoDir = path.join(runDir, "videos");
  const videos = fs.existsSync(videoDir)
    ? fs.readdirSync(videoDir).filter((f) => f.toLowerCase().endsWith(".gif")).sort().map((f) => ({ file: `videos/${f}`, info: parseVideoFileName(f) }))
    : [];
  return { name: path.basename(path.resolve(runDir)), records, truncated, config, videos };
}

/** Writes `<runDir>/report.html` and returns its path. */
export function writeReport(runDir: string): string {
  const file = path.join(runDir, "report.html");
  const tmp = `${file}.tmp`;
  fs.writeFileSync(tmp, renderReport(loadRun(runDir)));
  fs.renameSync(tmp, file);
  return file;
}

/** [step, value] of `key` over the records of `phase`, in step order (the last record wins on repeats). */
function seriesOf(records: readonly MetricsRecord[], phase: Phase, key: string): Point[] {
  const byStep = new Map<number, number>();
  for (const r of records) {
    const v = r[key];
    if (r.phase === phase && typeof v === "number" && Number.isFinite(v)) byStep.set(r.step, v);
  }
  return [...byStep.entries()].sort((a, b) => a[0] - b[0]);
}

/** Exponential moving average with bias correction (as TensorBoard's smoothing), weight `w` on the past. */
export function smooth(points: readonly Point[], w = 0.7): Point[] {
  let m = 0;
  return points.map(([x, y], i) => {
    m = w * m + (1 - w) * y;
    return [x, m / (1 - w ** (i + 1))] as Point;
  });
}

/** Task ids that have per-task keys `<key>/<id>`. */
function taskIdsOf(records: readonly MetricsRecord[], keys: readonly string[]): number[] {
  const ids = new Set<number>();
  for (const r of records) {
    for (const k of Object.keys(r)) {
      for (const base of keys) {
        const m = k.startsWith(`${base}/`) ? /^(\d+)$/.exec(k.slice(base.length + 1)) : null;
        if (m) ids.add(Number(m[1]));
      }
    }
  }
  return [...ids].sort((a, b) => a - b);
}

function pct(v: number | undefined): string {
  return v === undefined ? "–" : `${(v * 100).toFixed(1)}%`;
}

function formatSeconds(s: number): string {
  if (s < 60) return `${s.toFixed(0)} s`;
  if (s < 3600) return `${(s / 60).toFixed(1)} min`;
  return `${(s / 3600).toFixed(2)} h`;
}

/** The instruction of each task, when the config names a known suite. */
function taskNames(data: RunData): Map<number, string> {
  const names = new Map<number, string>();
  const suite = data.config?.run?.suite;
  if (typeof suite !== "string") return names;
  try {
    for (const t of getSuite(suite).tasks) names.set(t.id, t.instruction);
  } catch {
    // An unknown suite name: tasks are shown by id only.
  }
  return names;
}

/** The whole page as a string. */
export function renderReport(data: RunData): string {
  const { records } = data;
  const names = taskNames(data);
  const trainSuccess = seriesOf(records, "rl", METRIC.trainSuccess);
  const evalSuccess = seriesOf(records, "eval", METRIC.evalSuccess);
  const tasks = taskIdsOf(records, [METRIC.evalSuccess, METRIC.trainSuccess]);
  const lastRl = records.filter((r) => r.phase === "rl").at(-1);
  const lastTime = records.reduce((t, r) => (typeof r.time === "number" ? Math.max(t, r.time) : t), 0);
  const evalBefore = evalSuccess.find(([s]) => s === 0)?.[1] ?? evalSuccess[0]?.[1];
  const evalAfter = evalSuccess.length > 1 ? evalSuccess.at(-1)?.[1] : undefined;
  const run = data.config?.run;

  const parts: string[] = [];
  parts.push(`<header><h1>${escapeXml(data.name)}</h1>`);
  const meta = [
    run?.suite && `suite <b>${escapeXml(String(run.suite))}</b>`,
    run?.preset && `preset <b>${escapeXml(String(run.preset))}</b>`,
    run?.algo && `algorithm <b>${escapeXml(String(run.algo))}</b>`,
    run?.seed !== undefined && `seed <b>${escapeXml(String(run.seed))}</b>`,
  ].filter(Boolean);
  if (meta.length) parts.push(`<p class="meta">${meta.join(" · ")}</p>`);
  parts.push(`<div class="cards">`);
  parts.push(card("held-out success after SFT", pct(evalBefore)));
  parts.push(card("held-out success now", pct(evalAfter), evalAfter !== undefined && evalBefore !== undefined ? delta(evalAfter - evalBefore) : ""));
  parts.push(card("RL steps", lastRl ? `${lastRl.step}${run?.steps ? ` / ${run.steps}` : ""}` : "0"));
  parts.push(card("wall time", lastTime > 0 ? formatSeconds(lastTime) : "–"));
  parts.push(`</div>`);
  if (data.truncated) parts.push(`<p class="warn">metrics.jsonl ends in a partial line (the run crashed or is still writing); it was left out.</p>`);
  parts.push(`</header>`);

  // 1) Success rates.
  parts.push(`<section><h2>Success rate</h2><div class="grid">`);
  parts.push(
    lineChart(
      [
        { name: "train rollouts (raw)", points: trainSuccess, color: COLORS[0], opacity: 0.3, hideInLegend: true },
        { name: "train rollouts (smoothed)", points: smooth(trainSuccess), color: COLORS[0] },
        { name: "held-out eval (greedy)", points: evalSuccess, color: COLORS[1], markers: true },
      ],
      { title: "Success rate, all tasks", xLabel: "RL step", percent: true, width: 1060, height: 320 },
    ),
  );
  parts.push(`</div>`);
  if (tasks.length > 0) {
    parts.push(`<h3>Per task</h3><p class="note">blue: training rollouts (smoothed), orange: held-out evaluation.</p><div class="grid small">`);
    for (const id of tasks) {
      const title = `task ${id}${names.has(id) ? `: ${names.get(id)}` : ""}`;
      parts.push(
        `<figure>${lineChart(
          [
            { name: "train", points: smooth(seriesOf(records, "rl", `${METRIC.trainSuccess}/${id}`)), color: COLORS[0] },
            { name: "eval", points: seriesOf(records, "eval", `${METRIC.evalSuccess}/${id}`), color: COLORS[1], markers: true },
          ],
          { title: `task ${id}`, percent: true, compact: true },
        )}<figcaption>${escapeXml(title)}</figcaption></figure>`,
      );
    }
    parts.push(`</div>`);
  }
  parts.push(`</section>`);

  // 2) SFT → RL table.
  parts.push(`<section><h2>SFT → RL, held-out success per task</h2>`);
  parts.push(sftRlTable(records, tasks, names));
  parts.push(`</section>`);

  // 3) Diagnostics.
  parts.push(`<section><h2>Diagnostics</h2><div class="grid">`);
  parts.push(lineChart(withSmoothed("SFT loss", seriesOf(records, "sft", METRIC.sftLoss)), { title: "SFT loss (cross-entropy)", xLabel: "SFT step" }));
  const diag: [string, string][] = [
    [METRIC.policyLoss, "Policy loss"],
    [METRIC.clipFrac, "Clip fraction"],
    [METRIC.approxKl, "Approx KL (old → new)"],
    [METRIC.entropy, "Entropy of action tokens (nats)"],
    [METRIC.gradNorm, "Gradient norm (before clipping)"],
    [METRIC.keptGroupFrac, "Kept-group fraction (dynamic sampling)"],
    [METRIC.episodeLength, "Episode length (counted steps)"],
  ];
  if (records.some((r) => typeof r[METRIC.valueLoss] === "number")) diag.splice(1, 0, [METRIC.valueLoss, "Value loss (PPO)"]);
  for (const [key, title] of diag) {
    const pts = seriesOf(records, "rl", key);
    const opts = key === METRIC.keptGroupFrac ? { percent: true } : {};
    parts.push(lineChart(withSmoothed(title, pts), { title, xLabel: "RL step", ...opts }));
  }
  parts.push(timingChart(records));
  parts.push(`</div></section>`);

  // 4) Gallery.
  parts.push(gallery(data, names));

  parts.push(`<footer>Generated ${escapeXml(new Date().toISOString())} from metrics.jsonl (${records.length} records) by simplevla-ts.</footer>`);
  return page(`${data.name} · simplevla-ts report`, parts.join("\n"));
}

function card(label: string, value: string, extra = ""): string {
  return `<div class="card"><div class="label">${escapeXml(label)}</div><div class="value">${escapeXml(value)} ${extra}</div></div>`;
}

function delta(d: number): string {
  const cls = d > 0 ? "up" : d < 0 ? "down" : "";
  return `<span class="delta ${cls}">${d >= 0 ? "+" : ""}${(d * 100).toFixed(1)}</span>`;
}

/** A noisy per-step series drawn faint, with its smoothed version on top. */
function withSmoothed(name: string, pts: Point[]): Series[] {
  if (pts.length < 8) return [{ name, points: pts, color: COLORS[0], markers: pts.length < 3 }];
  return [
    { name: `${name} (raw)`, points: pts, color: COLORS[0], opacity: 0.3, hideInLegend: true },
    { name, points: smooth(pts), color: COLORS[0] },
  ];
}

/**
 * Seconds per phase per RL step from the `time/…` keys of rl and eval records, as disjoint parts that add
 * up to the step's time. `rolloutModel` and `rolloutEnv` are parts of `rollout` (the model's forward
 * passes, the wait for the env workers), so the rollout bar is split into them and the rest of it rather
 * than counted twice.
 */
export function phaseSeconds(records: readonly MetricsRecord[]): { steps: number[]; series: { name: string; values: number[] }[] } {
  const bySteps = new Map<number, Map<string, number>>();
  for (const r of records) {
    if (r.phase === "sft") continue;
    for (const [k, v] of Object.entries(r)) {
      if (!k.startsWith(METRIC.timePrefix) || typeof v !== "number" || !Number.isFinite(v)) continue;
      const name = k.slice(METRIC.timePrefix.length);
      const m = bySteps.get(r.step) ?? new Map<string, number>();
      m.set(name, (m.get(name) ?? 0) + v);
      bySteps.set(r.step, m);
    }
  }
  for (const m of bySteps.values()) {
    const [model, env] = [m.get("rolloutModel"), m.get("rolloutEnv")];
    const rollout = m.get("rollout");
    if (rollout === undefined || (model === undefined && env === undefined)) continue;
    m.delete("rollout");
    m.set("rollout (other)", Math.max(0, rollout - (model ?? 0) - (env ?? 0)));
  }
  const steps = [...bySteps.keys()].sort((a, b) => a - b);
  // The step's own phases at the bottom in pipeline order, evaluation (every few steps) on top.
  const order = ["rolloutModel", "rolloutEnv", "rollout (other)", "rollout", "recompute", "update", "eval"];
  const rank = (n: string) => (order.includes(n) ? order.indexOf(n) : order.length);
  const names = [...new Set([...bySteps.values()].flatMap((m) => [...m.keys()]))].sort((a, b) => rank(a) - rank(b) || a.localeCompare(b));
  return { steps, series: names.map((name) => ({ name, values: steps.map((s) => bySteps.get(s)?.get(name) ?? 0) })) };
}

function timingChart(records: readonly MetricsRecord[]): string {
  const { steps, series } = phaseSeconds(records);
  return stackedBarChart(steps, series, { title: "Seconds per RL step, by phase", xLabel: "RL step" });
}

function sftRlTable(records: readonly MetricsRecord[], tasks: readonly number[], names: Map<number, string>): string {
  const evals = records.filter((r) => r.phase === "eval");
  if (evals.length === 0) return `<p class="note">No evaluation yet.</p>`;
  const before = evals.find((r) => r.step === 0) ?? evals[0];
  const after = evals.at(-1) as MetricsRecord;
  const same = after === before;
  const num = (r: MetricsRecord, k: string) => (typeof r[k] === "number" ? (r[k] as number) : undefined);
  const row = (label: string, b: number | undefined, a: number | undefined, cls = "") => {
    const d = b !== undefined && a !== undefined && !same ? a - b : undefined;
    const bar = (v: number | undefined, color: string) =>
      v === undefined ? "" : `<span class="bar" style="width:${(v * 100).toFixed(0)}px;background:${color}"></span>`;
    return `<tr class="${cls}"><td>${label}</td><td class="num">${pct(b)} ${bar(b, COLORS[9])}</td><td class="num">${same ? "–" : pct(a)} ${same ? "" : bar(a, COLORS[4])}</td><td class="num">${d === undefined ? "–" : delta(d)}</td></tr>`;
  };
  const rows = tasks.map((id) =>
    row(`${id}${names.has(id) ? ` <span class="task">${escapeXml(names.get(id) as string)}</span>` : ""}`, num(before, `${METRIC.evalSuccess}/${id}`), num(after, `${METRIC.evalSuccess}/${id}`)),
  );
  rows.push(row("<b>all tasks</b>", num(before, METRIC.evalSuccess), num(after, METRIC.evalSuccess), "total"));
  return `<table class="sftrl"><thead><tr><th>task</th><th>after SFT (step ${before.step})</th><th>after RL (step ${same ? "–" : after.step})</th><th>Δ (points)</th></tr></thead><tbody>${rows.join("")}</tbody></table>`;
}

/** The evaluation GIFs, latest evaluation first, successes then failures (at most 24 of each). */
function gallery(data: RunData, names: Map<number, string>): string {
  const out = [`<section><h2>Evaluation episodes</h2>`];
  if (data.videos.length === 0) {
    out.push(`<p class="note">No GIFs in videos/ yet.</p></section>`);
    return out.join("\n");
  }
  const known = data.videos.filter((v) => v.info !== undefined) as { file: string; info: VideoInfo }[];
  known.sort((a, b) => b.info.step - a.info.step || a.info.taskId - b.info.taskId || a.info.index - b.info.index);
  for (const success of [true, false]) {
    const list = known.filter((v) => v.info.success === success).slice(0, 24);
    out.push(`<h3>${success ? "Successes" : "Failures"} (${known.filter((v) => v.info.success === success).length})</h3><div class="gallery">`);
    for (const v of list) {
      const task = names.get(v.info.taskId);
      out.push(
        `<figure class="${success ? "ok" : "fail"}"><img src="${escapeXml(v.file)}" width="256" height="256" loading="lazy" alt="task ${v.info.taskId}, init ${v.info.index}"><figcaption>step ${v.info.step} · task ${v.info.taskId} · init ${v.info.index}${task ? `<br>${escapeXml(task)}` : ""}</figcaption></figure>`,
      );
    }
    out.push(`</div>`);
  }
  const other = data.videos.filter((v) => v.info === undefined);
  if (other.length > 0) {
    out.push(`<h3>Other</h3><div class="gallery">`);
    for (const v of other) out.push(`<figure><img src="${escapeXml(v.file)}" width="256" loading="lazy" alt=""><figcaption>${escapeXml(v.file)}</figcaption></figure>`);
    out.push(`</div>`);
  }
  out.push(`</section>`);
  return out.join("\n");
}

function page(title: string, body: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>${escapeXml(title)}</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body { font-family: system-ui, sans-serif; margin: 24px auto; max-width: 1140px; padding: 0 16px; color: #222; }
h1 { margin: 0 0 4px; font-size: 24px; } h2 { margin-top: 32px; border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta, .note { color: #555; } .warn { color: #a30; }
.cards { display: flex; gap: 12px; flex-wrap: wrap; margin: 12px 0; }
.card { border: 1px solid #ddd; border-radius: 8px; padding: 10px 14px; min-width: 170px; }
.card .label { color: #666; font-size: 12px; } .card .value { font-size: 22px; font-weight: 600; }
.grid { display: flex; flex-wrap: wrap; gap: 12px; } .grid.small figure { margin: 0; }
figure { margin: 0; } figcaption { font-size: 11px; color: #555; max-width: 256px; }
.delta { font-size: 14px; font-weight: 600; } .delta.up { color: #2a8a2a; } .delta.down { color: #c33; }
table.sftrl { border-collapse: collapse; } .sftrl td, .sftrl th { padding: 4px 10px; border-bottom: 1px solid #eee; text-align: left; }
.sftrl .num { white-space: nowrap; font-variant-numeric: tabular-nums; } .sftrl tr.total td { border-top: 2px solid #999; }
.sftrl .task { color: #666; font-size: 12px; } .bar { display: inline-block; height: 8px; vertical-align: middle; border-radius: 2px; }
.gallery { display: flex; flex-wrap: wrap; gap: 10px; } .gallery img { image-rendering: pixelated; display: block; }
.gallery figure.ok img { outline: 3px solid #59a14f; } .gallery figure.fail img { outline: 3px solid #e15759; }
footer { margin-top: 40px; color: #888; font-size: 12px; }
</style></head>
<body>
${body}
</body></html>
`;
}
