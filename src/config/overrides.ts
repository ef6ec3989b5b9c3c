/**
 * From a command line to a `TrainConfig`: short flags (`--lr 1e-5`), dotted keys (`--rl.lr 1e-5`,
 * `--rl.lr=1e-5`, `rl.lr=1e-5`) and a JSON file (`--config file.json`, nested like the config:
 * `{"rl": {"lr": 1e-5}}`).
 *
 * Precedence, lowest first: the preset's defaults, the JSON file, the command line, whatever the order of the
 * arguments. The preset is chosen first (command line, else file, else `small`) because it sets the defaults
 * the other values override. Unknown keys and wrong types are UserErrors naming the key and what is valid.
 */
import fs from "node:fs";
import { UserError } from "../cli/errors.ts";
import { describeKind, dottedKey, findFlag, findSetting, kindPlaceholder, SECTIONS, SETTINGS, type SettingSpec } from "./schema.ts";
import { presetTableMarkdown, presetTrainConfig, resolveTrainConfig, type ResolvedTrainConfig, type TrainConfig } from "./trainConfig.ts";

/** One override before it is applied: the setting, its raw value and where it came from (for messages). */
interface Override {
  spec: SettingSpec;
  value: unknown;
  source: string;
}

export interface ParsedArgs {
  /** The config with every override applied (not yet resolved: "auto" values stay). */
  config: TrainConfig;
  /** `--help` or `-h` was given: print `helpText(config)` and stop. */
  help: boolean;
}

/**
 * Parses `argv` (without the node and script names) into a config. Throws a UserError for an unknown flag
 * or key, a bad value, a missing value or an unreadable `--config` file.
 */
export function parseTrainArgs(argv: readonly string[]): ParsedArgs {
  let help = false;
  let configFile: string | undefined;
  const cli: Override[] = [];

  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === "--help" || arg === "-h") {
      help = true;
      continue;
    }
    let name: string;
    let inline: string | undefined;
    if (arg.startsWith("--")) {
      const eq = arg.indexOf("=");
      name = eq < 0 ? arg.slice(2) : arg.slice(2, eq);
      inline = eq < 0 ? undefined : arg.slice(eq + 1);
    } else if (/^[a-z]+\.[A-Za-z]+=/.test(arg)) {
      const eq = arg.indexOf("=");
      name = arg.slice(0, eq);
      inline = arg.slice(eq + 1);
    } else {
      throw new UserError(`unexpected argument "${arg}"; give settings as --key value or section.key=value (see --help)`);
    }

    if (name === "config") {
      const v = inline ?? argv[++i];
      if (v === undefined || v.startsWith("--")) throw new UserError("--config needs a JSON file name, e.g. --config run.json");
      configFile = v;
      continue;
    }
    const negated = name.startsWith("no-") ? lookup(name.slice(3)) : undefined;
    if (negated?.kind.type === "bool" && inline === undefined) {
      cli.push({ spec: negated, value: false, source: `--${name}` });
      continue;
    }
    const spec = lookup(name);
    if (spec === undefined) throw unknownKey(name, arg.startsWith("--") ? "--" : "");
    const source = arg.startsWith("--") ? `--${name}` : name;
    if (spec.kind.type === "bool" && inline === undefined) {
      const next = argv[i + 1];
      if (next === "true" || next === "false") {
        cli.push({ spec, value: next, source });
        i++;
      } else {
        cli.push({ spec, value: "true", source });
      }
      continue;
    }
    const value = inline ?? argv[++i];
    if (value === undefined || (value.startsWith("--") && value.length > 2)) {
      throw new UserError(`${source} needs a value: ${describeKind(spec.kind)}`);
    }
    cli.push({ spec, value, source });
  }

  const file = configFile === undefined ? [] : readConfigFile(configFile);
  const all = [...file, ...cli];
  const presetOverride = all.filter((o) => dottedKey(o.spec) === "run.preset").at(-1);
  const preset = presetOverride === undefined ? "small" : String(coerce(presetOverride));
  const config = presetTrainConfig(preset);
  for (const o of all) setValue(config, o.spec, coerce(o));
  return { config, help };
}

/** `parseTrainArgs` then `resolveTrainConfig`; `help` is returned instead of a config when asked for. */
export function loadTrainConfig(argv: readonly string[]): { help: string } | { config: ResolvedTrainConfig } {
  const { config, help } = parseTrainArgs(argv);
  if (help) return { help: helpText(config) };
  return { config: resolveTrainConfig(config) };
}

/** A short flag (`lr`, `per-task`) or a dotted key (`rl.lr`). */
function lookup(name: string): SettingSpec | undefined {
  return name.includes(".") ? findSetting(name) : findFlag(name);
}

/** The error for a name that is neither a flag nor a dotted key, with the closest valid name. */
function unknownKey(name: string, dashes: string): UserError {
  const section = name.includes(".") ? name.slice(0, name.indexOf(".")) : undefined;
  const candidates = section !== undefined && (SECTIONS as readonly string[]).includes(section)
    ? SETTINGS.filter((s) => s.section === section).map(dottedKey)
    : [...SETTINGS.filter((s) => s.flag !== undefined).map((s) => s.flag as string), ...SETTINGS.map(dottedKey)];
  const near = closest(name, [...SETTINGS.map(dottedKey), ...SETTINGS.flatMap((s) => (s.flag ? [s.flag] : []))]);
  const hint = near !== undefined ? ` (did you mean ${dashes}${near}?)` : "";
  const what = section !== undefined && (SECTIONS as readonly string[]).includes(section) ? `settings of ${section}` : "valid options";
  const extra = what === "valid options" ? `, ${dashes}config, ${dashes}help` : "";
  return new UserError(`unknown setting ${dashes}${name}${hint}; ${what}: ${candidates.map((c) => dashes + c).join(", ")}${extra}`);
}

/** The candidate within edit distance 2 of `name` (the nearest), if any. */
function closest(name: string, candidates: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = 3;
  for (const c of candidates) {
    const d = editDistance(name.toLowerCase(), c.toLowerCase());
    if (d < bestD) [best, bestD] = [c, d];
  }
  return best;
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length];
}

/** Reads a nested JSON config file into overrides; every problem names the file. */
function readConfigFile(file: string): Override[] {
  let text: string;
  try {
    text = fs.readFileSync(file, "utf8");
  } catch (e) {
    const why = (e as NodeJS.ErrnoException).code === "ENOENT" ? "no such file" : (e as Error).message;
    throw new UserError(`cannot read config file ${file}: ${why}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (e) {
    throw new UserError(`config file ${file} is not valid JSON: ${(e as Error).message}`);
  }
  if (!isPlainObject(json)) throw new UserError(`config file ${file} must hold a JSON object like {"rl": {"lr": 1e-5}}`);
  const out: Override[] = [];
  for (const [section, fields] of Object.entries(json)) {
    if (!(SECTIONS as readonly string[]).includes(section)) {
      throw new UserError(`unknown section "${section}" in config file ${file}; valid sections: ${SECTIONS.join(", ")}`);
    }
    if (!isPlainObject(fields)) throw new UserError(`section "${section}" in config file ${file} must be an object of settings`);
    for (const [field, value] of Object.entries(fields)) {
      const spec = findSetting(`${section}.${field}`);
      if (spec === undefined) {
        const valid = SETTINGS.filter((s) => s.section === section).map((s) => s.field);
        throw new UserError(`unknown setting "${section}.${field}" in config file ${file}; settings of ${section}: ${valid.join(", ")}`);
      }
      out.push({ spec, value, source: `${section}.${field} in ${file}` });
    }
  }
  return out;
}

function isPlainObject(x: unknown): x is Record<string, unknown> {
  return typeof x === "object" && x !== null && !Array.isArray(x);
}

/** Turns a raw value (a string from argv, or a JSON value from a file) into the setting's type. */
function coerce(o: Override): unknown {
  const { spec, value, source } = o;
  const kind = spec.kind;
  const bad = () =>
    new UserError(`${source} must be ${describeKind(kind)}, got ${JSON.stringify(value)}`);
  switch (kind.type) {
    case "int":
    case "number": {
      const x = typeof value === "number" ? value : typeof value === "string" && value.trim() !== "" ? Number(value) : NaN;
      if (!Number.isFinite(x) || (kind.type === "int" && !Number.isInteger(x))) throw bad();
      if (x < kind.min || (kind.type === "number" && kind.max !== undefined && x > kind.max)) throw bad();
      return x;
    }
    case "intOrAuto": {
      if (value === "auto") return "auto";
      const x = typeof value === "number" ? value : typeof value === "string" && /^\d+$/.test(value) ? Number(value) : NaN;
      if (!Number.isInteger(x) || x < kind.min) throw bad();
      return x;
    }
    case "bool":
      if (value === true || value === "true") return true;
      if (value === false || value === "false") return false;
      throw bad();
    case "path":
      if (typeof value !== "string" || value === "") throw bad();
      return value;
    case "enum":
      if (typeof value !== "string" || !kind.choices.includes(value)) {
        throw new UserError(`unknown value ${JSON.stringify(value)} for ${source}; valid choices: ${kind.choices.join(", ")}`);
      }
      return value;
    case "tasks":
      return parseTasks(value, bad);
  }
}

/** "all", "0,3,5", "0-4,7", or (from JSON) an array of integers. Range checks against the suite come later. */
function parseTasks(value: unknown, bad: () => UserError): number[] | "all" {
  if (value === "all") return "all";
  if (Array.isArray(value)) {
    if (!value.every((x) => Number.isInteger(x) && x >= 0)) throw bad();
    return [...(value as number[])];
  }
  if (typeof value !== "string") throw bad();
  const ids: number[] = [];
  for (const part of value.split(",")) {
    const range = /^\s*(\d+)\s*-\s*(\d+)\s*$/.exec(part);
    if (range) {
      const [a, b] = [Number(range[1]), Number(range[2])];
      if (a > b) throw bad();
      for (let k = a; k <= b; k++) ids.push(k);
    } else if (/^\s*\d+\s*$/.test(part)) {
      ids.push(Number(part));
    } else {
      throw bad();
    }
  }
  return ids;
}

function setValue(config: TrainConfig, spec: SettingSpec, value: unknown): void {
  (config[spec.section] as unknown as Record<string, unknown>)[spec.field] = value;
}

function getValue(config: TrainConfig, spec: SettingSpec): unknown {
  return (config[spec.section] as unknown as Record<string, unknown>)[spec.field];
}

function formatValue(v: unknown): string {
  if (Array.isArray(v)) return v.join(",");
  if (typeof v === "number" && v !== 0 && Math.abs(v) < 1e-3) return v.toExponential();
  return String(v);
}

/**
 * The `--help` text: every setting with its flags, type and the default it has under `config`'s preset
 * (so `--preset tiny --help` shows tiny's defaults), then the per-preset table.
 */
export function helpText(config: TrainConfig): string {
  const lines = [
    "Usage: npm run train -- [options] [section.key=value ...]",
    "",
    "Fine-tunes a small VLA on scripted demonstrations of a LIBERO suite, then trains it with RL (GRPO by",
    "default) and evaluates it on held-out init states. Writes metrics.jsonl, checkpoints and report.html",
    "to the run directory.",
    "",
    "Every setting is also reachable by its dotted key: --rl.lr 1e-5, --rl.lr=1e-5 or rl.lr=1e-5.",
    "Precedence: preset defaults < --config file.json ({\"rl\": {\"lr\": 1e-5}}) < command line.",
    "",
  ];
  for (const section of SECTIONS) {
    lines.push(`${section}:`);
    for (const s of SETTINGS.filter((x) => x.section === section)) {
      const names = [s.flag ? `--${s.flag}` : undefined, `--${dottedKey(s)}`].filter(Boolean).join(", ");
      const left = `  ${names} ${kindPlaceholder(s.kind)}`.trimEnd();
      const text = `${s.help} (default: ${formatValue(getValue(config, s))})`;
      lines.push(left.length < 44 ? `${left.padEnd(44)} ${text}` : `${left}\n${" ".repeat(45)}${text}`);
    }
    lines.push("");
  }
  lines.push(`  --config <file.json>${" ".repeat(23)} read settings from a JSON file`);
  lines.push(`  --help, -h${" ".repeat(33)} show this text (after --preset NAME: that preset's defaults)`);
  lines.push("", "Per-preset defaults:", "", presetTableMarkdown(), "");
  return lines.join("\n");
}
