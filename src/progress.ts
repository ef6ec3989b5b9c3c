/**
 * Progress of a long stage behind one small interface: a cli-progress bar with ETA when stdout is a
 * terminal, and plain periodic log lines when it is not (CI logs, `| tee`), e.g.
 *
 *   [sft] 120/400 (30%) loss 1.234 eta 3m20s
 *
 * Usage: `const p = progress("sft", steps); … p.tick(1, {loss}); … p.done();`
 */
import cliProgress from "cli-progress";

export type Fields = Record<string, number | string>;

export interface Progress {
  /** Advances by `n` (default 1) and shows `fields` (e.g. the latest loss) from now on. */
  tick(n?: number, fields?: Fields): void;
  /** Final line (plain mode) or stops the bar. */
  done(fields?: Fields): void;
}

export interface ProgressOptions {
  /** Where to write; default process.stdout. */
  stream?: NodeJS.WritableStream & { isTTY?: boolean };
  /** Force bar (true) or plain lines (false); default: a bar when the stream is a TTY. */
  tty?: boolean;
  /** Plain mode: at most one line per this many ms (default 10 000); the first and last ticks always log. */
  intervalMs?: number;
  /** Clock in ms (tests). */
  now?: () => number;
  /** Counter to start from (a resumed stage); its ETA counts only the steps done in this process. */
  start?: number;
}

/** A progress reporter for `total` units of work labelled `label`. */
export function progress(label: string, total: number, opts: ProgressOptions = {}): Progress {
  const stream = opts.stream ?? process.stdout;
  const tty = opts.tty ?? Boolean(stream.isTTY);
  return tty ? barProgress(label, total, stream, opts.start ?? 0) : plainProgress(label, total, stream, opts);
}

function barProgress(label: string, total: number, stream: NodeJS.WritableStream, start: number): Progress {
  const bar = new cliProgress.SingleBar(
    {
      format: `[${label}] {bar} {value}/{total} ({percentage}%) {fields} eta {eta_formatted}`,
      stream,
      etaBuffer: 50,
      hideCursor: true,
      clearOnComplete: false,
      noTTYOutput: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, start, { fields: "" });
  let fields: Fields = {};
  return {
    tick(n = 1, f) {
      if (f) fields = { ...fields, ...f };
      bar.increment(n, { fields: formatFields(fields) });
    },
    done(f) {
      if (f) fields = { ...fields, ...f };
      bar.update({ fields: formatFields(fields) });
      bar.stop();
    },
  };
}

function plainProgress(label: string, total: number, stream: NodeJS.WritableStream, opts: ProgressOptions): Progress {
  const now = opts.now ?? (() => Date.now());
  const interval = opts.intervalMs ?? 10_000;
  const start = opts.start ?? 0;
  const t0 = now();
  let value = start;
  let lastLog = -Infinity;
  let fields: Fields = {};
  const line = (final: boolean) => {
    const elapsed = (now() - t0) / 1000;
    const doneHere = value - start;
    const pct = total > 0 ? Math.floor((100 * value) / total) : 100;
    const f = formatFields(fields);
    const tail = final
      ? `took ${formatDuration(elapsed)}`
      : doneHere > 0
        ? `eta ${formatDuration((elapsed / doneHere) * Math.max(0, total - value))}`
        : "eta ?";
    stream.write(`[${label}] ${value}/${total} (${pct}%)${f ? ` ${f}` : ""} ${tail}\n`);
  };
  return {
    tick(n = 1, f) {
      value += n;
      if (f) fields = { ...fields, ...f };
      const t = now();
      if (t - lastLog >= interval || value >= total) {
        lastLog = t;
        line(false);
      }
    },
    done(f) {
      if (f) fields = { ...fields, ...f };
      line(true);
    },
  };
}

/** `loss 1.234 acc 0.5`: numbers with 4 significant digits (exponent form when tiny). */
export function formatFields(fields: Fields): string {
  return Object.entries(fields)
    .map(([k, v]) => `${k} ${typeof v === "number" ? formatNumber(v) : v}`)
    .join(" ");
}

export function formatNumber(v: number): string {
  if (Number.isInteger(v)) return String(v);
  if (v !== 0 && Math.abs(v) < 1e-3) return v.toExponential(2);
  return String(Number(v.toPrecision(4)));
}

/** `45s`, `3m20s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return "?";
  const s = Math.round(seconds);
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${String(s % 60).padStart(2, "0")}s`;
  return `${Math.floor(s / 3600)}h${String(Math.floor((s % 3600) / 60)).padStart(2, "0")}m`;
}
