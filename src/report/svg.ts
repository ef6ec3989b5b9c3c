/**
 * Small inline-SVG charts for the HTML report: a line chart (with optional markers, dashes and a 0–100%
 * axis) and a stacked bar chart. Plain strings, no library, no network: the report stays one file.
 */

export type Point = readonly [number, number];

export interface Series {
  name: string;
  points: readonly Point[];
  color?: string;
  /** Draw dots at the points (sparse series such as evaluations). */
  markers?: boolean;
  dashed?: boolean;
  /** 0..1; raw noisy series are drawn faint under their smoothed version. */
  opacity?: number;
  /** Leave out of the legend. */
  hideInLegend?: boolean;
}

export interface ChartOptions {
  title: string;
  width?: number;
  height?: number;
  xLabel?: string;
  /** y is a fraction shown as 0–100%, axis fixed to [0, 1]. */
  percent?: boolean;
  yMin?: number;
  yMax?: number;
  /** Small multiple: fewer ticks, smaller text, no legend. */
  compact?: boolean;
}

/** Tableau 10: distinguishable, and readable for most colour-blind viewers. */
export const COLORS = ["#4e79a7", "#f28e2b", "#e15759", "#76b7b2", "#59a14f", "#edc948", "#b07aa1", "#ff9da7", "#9c755f", "#bab0ac"];

export function escapeXml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

/** About `count` round tick values covering [lo, hi] (steps of 1, 2 or 5 × 10^k). */
export function niceTicks(lo: number, hi: number, count = 5): number[] {
  // A range of a few ulps (a series whose values differ only by rounding) is flat: its step would be below
  // the spacing of doubles near lo, and a loop of t += step would never reach hi.
  if (!(hi - lo > 1e-9 * Math.max(Math.abs(lo), Math.abs(hi)))) return [lo];
  const raw = (hi - lo) / count;
  const mag = 10 ** Math.floor(Math.log10(raw));
  const step = [1, 2, 5, 10].map((m) => m * mag).find((s) => s >= raw) ?? 10 * mag;
  // Ticks by integer multiples of step, so the count is bounded (about count + 1) whatever the rounding.
  const first = Math.ceil(lo / step - 1e-9);
  const last = Math.floor(hi / step + 1e-9);
  if (!Number.isFinite(first) || !Number.isFinite(last) || last - first > 4 * count) return [lo, hi]; // denormal ranges
  const ticks: number[] = [];
  for (let k = first; k <= last; k++) ticks.push(Number((k * step).toPrecision(12)));
  // With count = 2 the step can exceed the range (up to 1.25 × it), so no multiple may fall inside
  // ([0.51, 0.99] → step 0.5): then the ends themselves.
  return ticks.length > 0 ? ticks : [lo, hi];
}

export function formatTick(v: number, percent = false): string {
  if (percent) return `${Math.round(v * 100)}%`;
  if (v === 0) return "0";
  const a = Math.abs(v);
  if (a >= 1e4 || a < 1e-2) return v.toExponential(0).replace("e+", "e");
  return String(Number(v.toPrecision(3)));
}

interface Frame {
  svg: string[];
  x: (v: number) => number;
  y: (v: number) => number;
  plot: { left: number; top: number; right: number; bottom: number };
}

/** Axes, grid, title and labels; returns the scales for the marks. */
function frame(opts: ChartOptions, xs: number[], ys: number[]): Frame {
  const compact = opts.compact ?? false;
  const W = opts.width ?? (compact ? 240 : 520);
  const H = opts.height ?? (compact ? 150 : 260);
  const font = compact ? 10 : 12;
  const plot = { left: compact ? 34 : 52, top: compact ? 20 : 44, right: W - (compact ? 8 : 14), bottom: H - (compact ? 20 : 36) };
  let [x0, x1] = xs.length ? [Math.min(...xs), Math.max(...xs)] : [0, 1];
  if (x1 === x0) [x0, x1] = [x0 - 1, x1 + 1];
  let [y0, y1] = opts.percent ? [0, 1] : ys.length ? [Math.min(...ys), Math.max(...ys)] : [0, 1];
  if (opts.yMin !== undefined) y0 = opts.yMin;
  if (opts.yMax !== undefined) y1 = opts.yMax;
  if (y1 === y0) [y0, y1] = [y0 - (Math.abs(y0) || 1) * 0.1, y1 + (Math.abs(y1) || 1) * 0.1];
  if (!opts.percent) {
    const pad = (y1 - y0) * 0.05;
    if (opts.yMin === undefined) y0 = y0 >= 0 && y0 - pad < 0 ? 0 : y0 - pad;
    if (opts.yMax === undefined) y1 += pad;
  }
  const x = (v: number) => plot.left + ((v - x0) / (x1 - x0)) * (plot.right - plot.left);
  const y = (v: number) => plot.bottom - ((v - y0) / (y1 - y0)) * (plot.bottom - plot.top);
  const svg = [
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, sans-serif" font-size="${font}">`,
    `<title>${escapeXml(opts.title)}</title>`,
    `<text x="${plot.left}" y="${compact ? 13 : 17}" font-weight="600" font-size="${font + 1}">${escapeXml(opts.title)}</text>`,
  ];
  for (const t of niceTicks(y0, y1, compact ? 3 : 5)) {
    svg.push(`<line x1="${plot.left}" x2="${plot.right}" y1="${y(t).toFixed(1)}" y2="${y(t).toFixed(1)}" stroke="#e5e5e5"/>`);
    svg.push(`<text x="${plot.left - 4}" y="${(y(t) + font / 3).toFixed(1)}" text-anchor="end" fill="#555">${formatTick(t, opts.percent)}</text>`);
  }
  for (const t of niceTicks(x0, x1, compact ? 3 : 6)) {
    svg.push(`<line x1="${x(t).toFixed(1)}" x2="${x(t).toFixed(1)}" y1="${plot.bottom}" y2="${plot.bottom + 4}" stroke="#888"/>`);
    svg.push(`<text x="${x(t).toFixed(1)}" y="${plot.bottom + font + 4}" text-anchor="middle" fill="#555">${formatTick(t)}</text>`);
  }
  svg.push(`<rect x="${plot.left}" y="${plot.top}" width="${plot.right - plot.left}" height="${plot.bottom - plot.top}" fill="none" stroke="#bbb"/>`);
  if (opts.xLabel && !compact) {
    svg.push(`<text x="${(plot.left + plot.right) / 2}" y="${H - 4}" text-anchor="middle" fill="#333">${escapeXml(opts.xLabel)}</text>`);
  }
  return { svg, x, y, plot };
}

function legend(f: Frame, entries: { name: string; color: string; dashed?: boolean }[], font: number): void {
  let lx = f.plot.left + 8;
  const ly = f.plot.top - 10;
  for (const e of entries) {
    f.svg.push(`<line x1="${lx}" x2="${lx + 16}" y1="${ly - 4}" y2="${ly - 4}" stroke="${e.color}" stroke-width="2.5"${e.dashed ? ' stroke-dasharray="4 3"' : ""}/>`);
    f.svg.push(`<text x="${lx + 20}" y="${ly}" fill="#333">${escapeXml(e.name)}</text>`);
    lx += 28 + e.name.length * font * 0.56;
  }
}

/** A line chart of one or more series; empty series draw an empty frame with "no data". */
export function lineChart(series: readonly Series[], opts: ChartOptions): string {
  const pts = series.flatMap((s) => s.points).filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
  const f = frame(opts, pts.map((p) => p[0]), pts.map((p) => p[1]));
  const font = opts.compact ? 10 : 12;
  if (pts.length === 0) {
    f.svg.push(`<text x="${(f.plot.left + f.plot.right) / 2}" y="${(f.plot.top + f.plot.bottom) / 2}" text-anchor="middle" fill="#999">no data</text>`);
  }
  series.forEach((s, i) => {
    const color = s.color ?? COLORS[i % COLORS.length];
    const p = s.points.filter(([a, b]) => Number.isFinite(a) && Number.isFinite(b));
    if (p.length === 0) return;
    const d = p.map(([a, b], k) => `${k ? "L" : "M"}${f.x(a).toFixed(1)},${f.y(b).toFixed(1)}`).join("");
    const style = `stroke="${color}" stroke-width="${opts.compact ? 1.6 : 2}" fill="none" stroke-opacity="${s.opacity ?? 1}"${s.dashed ? ' stroke-dasharray="5 3"' : ""}`;
    f.svg.push(`<path class="series" data-name="${escapeXml(s.name)}" d="${d}" ${style}/>`);
    if (s.markers) {
      for (const [a, b] of p) {
        f.svg.push(`<circle cx="${f.x(a).toFixed(1)}" cy="${f.y(b).toFixed(1)}" r="${opts.compact ? 2.2 : 3}" fill="${color}"><title>${escapeXml(s.name)} @ ${a}: ${formatTick(b, opts.percent)}</title></circle>`);
      }
    }
  });
  const shown = series.map((s, i) => ({ ...s, color: s.color ?? COLORS[i % COLORS.length] })).filter((s) => !s.hideInLegend && s.points.length > 0);
  if (!opts.compact && shown.length > 1) legend(f, shown, font);
  f.svg.push("</svg>");
  return f.svg.join("\n");
}

/** Stacked bars: one bar per x, one coloured segment per series (e.g. seconds per phase per step). */
export function stackedBarChart(xs: readonly number[], series: readonly { name: string; values: readonly number[] }[], opts: ChartOptions): string {
  const totals = xs.map((_, i) => series.reduce((acc, s) => acc + (Number.isFinite(s.values[i]) ? s.values[i] : 0), 0));
  const f = frame({ ...opts, yMin: 0 }, [...xs], [0, ...totals]);
  const step = xs.length > 1 ? (f.x(xs[xs.length - 1]) - f.x(xs[0])) / (xs.length - 1) : 20;
  const bw = Math.max(1, Math.min(24, step * 0.8));
  xs.forEach((xv, i) => {
    let base = 0;
    series.forEach((s, k) => {
      const v = Number.isFinite(s.values[i]) ? s.values[i] : 0;
      if (v <= 0) return;
      const [yTop, yBot] = [f.y(base + v), f.y(base)];
      f.svg.push(`<rect x="${(f.x(xv) - bw / 2).toFixed(1)}" y="${yTop.toFixed(1)}" width="${bw.toFixed(1)}" height="${(yBot - yTop).toFixed(1)}" fill="${COLORS[k % COLORS.length]}"><title>${escapeXml(s.name)} @ ${xv}: ${formatTick(v)}</title></rect>`);
      base += v;
    });
  });
  if (!opts.compact) legend(f, series.map((s, k) => ({ name: s.name, color: COLORS[k % COLORS.length] })), 12);
  f.svg.push("</svg>");
  return f.svg.join("\n");
}
