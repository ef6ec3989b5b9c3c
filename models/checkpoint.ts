/**
 * Checkpoints: one directory holding everything needed to resume a run.
 *
 *   checkpoint.json        manifest: format version, VlaConfig, parameter names and shapes, optimizer step
 *                          and settings, and the byte size and SHA-256 of every other file
 *   extras.json            the caller's opaque JSON (tokenizers, normalization stats, step, RNG state …)
 *   weights-000.bin …      parameters, float32 (tensorShards.ts format)
 *   optimizer-000.bin …    AdamW moments m and v, float32 or bfloat16
 *
 * Every file is at most 16 MiB (GPU runs move checkpoints in files of that size). Writing is atomic: the
 * files go into a temporary sibling directory, are fsync'ed, and the directory is renamed into place, so a
 * crash never leaves a half-written checkpoint where a good one was. The same contents always give the
 * same bytes (no timestamps), so load-then-save is byte-stable.
 */
import { createHash } from "node:crypto";
import fs from "node:fs";
import path from "node:path";
import * as tf from "@tensorflow/tfjs-core";
import type { VlaConfig } from "./config.ts";
import type { AdamW, AdamWConfig, AdamWState } from "./optim.ts";
import { fromBfloat16, toBfloat16 } from "./bfloat16.ts";
import { type NamedArray, packShards, type StoredDtype, unpackShards } from "./tensorShards.ts";
import { Vla, type VlaOptions } from "./vla.ts";

export const CHECKPOINT_FORMAT = "simplevla-ts checkpoint";
export const CHECKPOINT_VERSION = 1;
/** The largest file a checkpoint may contain. */
export const MAX_CHECKPOINT_FILE_BYTES = 16 * 2 ** 20;
const MANIFEST = "checkpoint.json";
const EXTRAS = "extras.json";

export interface SaveOptions {
  /** How optimizer moments are stored: bfloat16 halves their size (see bfloat16.ts for why not float16). */
  momentsDtype?: StoredDtype;
  /** Upper bound of any one file's size; default 16 MiB. */
  maxFileBytes?: number;
  /**
   * With bfloat16 moments: after saving, set the optimizer's live moments to the rounded values just saved,
   * so that the run that wrote the checkpoint and a run resumed from it hold the same state and continue
   * bit for bit, at half the size of float32 moments. The rounding (relative error ≤ 2⁻⁹) is harmless
   * (test/models/checkpoint.test.ts: resumed losses within 1e-3 of float32 moments).
   */
  roundLiveMoments?: boolean;
}

interface Manifest {
  format: string;
  version: number;
  config: VlaConfig;
  params: { name: string; shape: number[] }[];
  optimizer: { step: number; momentsDtype: StoredDtype; config: AdamWConfig } | null;
  files: { name: string; bytes: number; sha256: string }[];
}

/** A checkpoint read back into memory. */
export interface LoadedCheckpoint {
  dir: string;
  config: VlaConfig;
  /** Parameter values by name, float32, in the saved order. */
  weights: Map<string, { shape: number[]; values: Float32Array }>;
  /** Optimizer state in the order of the saved parameters, or null if none was saved. */
  optimizer: (AdamWState & { momentsDtype: StoredDtype; config: AdamWConfig }) | null;
  extras: Record<string, unknown>;
}

function sha256(bytes: Uint8Array): string {
  return createHash("sha256").update(bytes).digest("hex");
}

function writeFileSynced(file: string, bytes: Uint8Array): void {
  const fd = fs.openSync(file, "w");
  try {
    fs.writeSync(fd, bytes);
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

function fsyncDir(dir: string): void {
  const fd = fs.openSync(dir, "r");
  try {
    fs.fsyncSync(fd);
  } finally {
    fs.closeSync(fd);
  }
}

/**
 * Writes `model`'s weights, the optimizer's state (if given) and `extras` to directory `dir`, replacing
 * any checkpoint there only once the new one is complete on disk.
 */
export async function saveCheckpoint(
  dir: string,
  parts: { model: Vla; optimizer?: AdamW | null; extras?: Record<string, unknown> },
  options: SaveOptions = {},
): Promise<void> {
  const momentsDtype = options.momentsDtype ?? "bfloat16";
  const maxFileBytes = options.maxFileBytes ?? MAX_CHECKPOINT_FILE_BYTES;
  if (maxFileBytes > MAX_CHECKPOINT_FILE_BYTES) throw new Error(`maxFileBytes must be at most ${MAX_CHECKPOINT_FILE_BYTES} (16 MiB), got ${maxFileBytes}.`);
  const { model, optimizer = null, extras = {} } = parts;
  const names = model.paramNames();
  const vars = model.trainableVariables();
  const values = await Promise.all(vars.map((v) => v.data() as Promise<Float32Array>));
  const weights: NamedArray[] = vars.map((v, i) => ({ name: names[i], shape: v.shape, values: values[i] }));
  const files: { name: string; bytes: Uint8Array }[] = [];
  const extrasText = JSON.stringify(extras);
  if (extrasText === undefined) throw new Error("extras must be JSON-serialisable.");
  files.push({ name: EXTRAS, bytes: new TextEncoder().encode(extrasText) });
  packShards(weights, "float32", maxFileBytes).forEach((b, i) => files.push({ name: `weights-${String(i).padStart(3, "0")}.bin`, bytes: b }));
  let optimizerEntry: Manifest["optimizer"] = null;
  if (optimizer) {
    const state = await optimizer.getState();
    if (state.m.length !== vars.length) throw new Error(`The optimizer holds ${state.m.length} variables but the model has ${vars.length}; pass the model's own optimizer.`);
    const moments: NamedArray[] = [
      ...state.m.map((values, i) => ({ name: `m/${names[i]}`, shape: vars[i].shape, values })),
      ...state.v.map((values, i) => ({ name: `v/${names[i]}`, shape: vars[i].shape, values })),
    ];
    packShards(moments, momentsDtype, maxFileBytes).forEach((b, i) => files.push({ name: `optimizer-${String(i).padStart(3, "0")}.bin`, bytes: b }));
    optimizerEntry = { step: state.step, momentsDtype, config: { ...optimizer.config } };
    if (options.roundLiveMoments && momentsDtype === "bfloat16") {
      const round = (a: Float32Array) => fromBfloat16(toBfloat16(a));
      optimizer.setState({ step: state.step, m: state.m.map(round), v: state.v.map(round) });
    }
  }
  for (const f of files) {
    if (f.bytes.length > maxFileBytes) throw new Error(`${f.name} would be ${f.bytes.length} bytes, over the ${maxFileBytes}-byte file limit (extras too large?).`);
  }
  const manifest: Manifest = {
    format: CHECKPOINT_FORMAT,
    version: CHECKPOINT_VERSION,
    config: model.config,
    params: vars.map((v, i) => ({ name: names[i], shape: v.shape })),
    optimizer: optimizerEntry,
    files: files.map((f) => ({ name: f.name, bytes: f.bytes.length, sha256: sha256(f.bytes) })),
  };

  const target = path.resolve(dir);
  const parent = path.dirname(target);
  fs.mkdirSync(parent, { recursive: true });
  const tmp = `${target}.tmp-${process.pid}`;
  fs.rmSync(tmp, { recursive: true, force: true });
  fs.mkdirSync(tmp);
  for (const f of files) writeFileSynced(path.join(tmp, f.name), f.bytes);
  writeFileSynced(path.join(tmp, MANIFEST), new TextEncoder().encode(JSON.stringify(manifest, null, 1) + "\n"));
  fsyncDir(tmp);
  // A directory cannot be renamed over a non-empty one: move the old one aside first, then drop it.
  const old = `${target}.old-${process.pid}`;
  const hadOld = fs.existsSync(target);
  if (hadOld) fs.renameSync(target, old);
  fs.renameSync(tmp, target);
  fsyncDir(parent);
  if (hadOld) fs.rmSync(old, { recursive: true, force: true });
}

/**
 * Reads and verifies a checkpoint directory; any missing, truncated or corrupt file is a clear error. With
 * `weightsOnly` (inference) the optimizer files are neither read nor required, so a checkpoint shipped
 * without them still evaluates; `optimizer` is then null.
 */
export function loadCheckpoint(dir: string, opts: { weightsOnly?: boolean } = {}): LoadedCheckpoint {
  const manifestPath = path.join(dir, MANIFEST);
  if (!fs.existsSync(manifestPath)) {
    throw new Error(`${dir} is not a checkpoint: ${MANIFEST} is missing (was the save interrupted? look for ${path.basename(dir)}.old-* beside it).`);
  }
  let manifest: Manifest;
  try {
    manifest = JSON.parse(fs.readFileSync(manifestPath, "utf8"));
  } catch (e) {
    throw new Error(`${manifestPath} is not valid JSON (${(e as Error).message}); the checkpoint is corrupt.`);
  }
  if (manifest.format !== CHECKPOINT_FORMAT || manifest.version !== CHECKPOINT_VERSION) {
    throw new Error(`${manifestPath} is not a version-${CHECKPOINT_VERSION} ${CHECKPOINT_FORMAT} (format '${manifest.format}', version ${manifest.version}).`);
  }
  const contents = new Map<string, Uint8Array>();
  const skipped = (name: string) => opts.weightsOnly === true && name.startsWith("optimizer-");
  for (const f of manifest.files.filter((f) => !skipped(f.name))) {
    const file = path.join(dir, f.name);
    if (!fs.existsSync(file)) throw new Error(`Checkpoint file ${file} is missing.`);
    const bytes = new Uint8Array(fs.readFileSync(file));
    if (bytes.length !== f.bytes) throw new Error(`Checkpoint file ${file} has ${bytes.length} bytes but ${f.bytes} were written; it is truncated or corrupt.`);
    if (sha256(bytes) !== f.sha256) throw new Error(`Checkpoint file ${file} fails its SHA-256 check; it is corrupt.`);
    contents.set(f.name, bytes);
  }
  const shardsOf = (prefix: string) => manifest.files.filter((f) => f.name.startsWith(prefix)).map((f) => f.name);
  const weightFiles = shardsOf("weights-");
  const weights = unpackShards(weightFiles.map((n) => contents.get(n)!), weightFiles.map((n) => path.join(dir, n)));
  for (const p of manifest.params) {
    const w = weights.get(p.name);
    if (!w || !tf.util.arraysEqual(w.shape, p.shape)) throw new Error(`Checkpoint ${dir}: parameter '${p.name}' is missing from the weight files or has the wrong shape.`);
  }
  let optimizer: LoadedCheckpoint["optimizer"] = null;
  if (manifest.optimizer && !opts.weightsOnly) {
    const optFiles = shardsOf("optimizer-");
    const moments = unpackShards(optFiles.map((n) => contents.get(n)!), optFiles.map((n) => path.join(dir, n)));
    const get = (key: string) => {
      const a = moments.get(key);
      if (!a) throw new Error(`Checkpoint ${dir}: optimizer moment '${key}' is missing from the optimizer files.`);
      return a.values;
    };
    optimizer = {
      step: manifest.optimizer.step,
      m: manifest.params.map((p) => get(`m/${p.name}`)),
      v: manifest.params.map((p) => get(`v/${p.name}`)),
      momentsDtype: manifest.optimizer.momentsDtype,
      config: manifest.optimizer.config,
    };
  }
  const extras = JSON.parse(new TextDecoder().decode(contents.get(EXTRAS)!)) as Record<string, unknown>;
  return {
    dir,
    config: manifest.config,
    weights: new Map(manifest.params.map((p) => [p.name, weights.get(p.name)!])),
    optimizer,
    extras,
  };
}

/** Copies a checkpoint's weights into `model`; a model of another shape is an error naming the difference. */
export function restoreWeights(model: Vla, ckpt: LoadedCheckpoint): void {
  const where = path.join(ckpt.dir, MANIFEST);
  for (const key of Object.keys(model.config) as (keyof VlaConfig)[]) {
    if (model.config[key] !== ckpt.config[key]) {
      throw new Error(`Checkpoint ${where} holds a VLA with ${key} = ${ckpt.config[key]}, but this model has ${key} = ${model.config[key]}; build the model from the checkpoint's config.`);
    }
  }
  const names = model.paramNames();
  const vars = model.trainableVariables();
  if (names.length !== ckpt.weights.size) throw new Error(`Checkpoint ${where} has ${ckpt.weights.size} parameters but the model has ${names.length}.`);
  names.forEach((name, i) => {
    const w = ckpt.weights.get(name);
    if (!w) throw new Error(`Checkpoint ${where} has no parameter '${name}'.`);
    if (!tf.util.arraysEqual(w.shape, vars[i].shape)) throw new Error(`Checkpoint parameter '${name}' has shape [${w.shape}] but the model's is [${vars[i].shape}].`);
  });
  tf.tidy(() => names.forEach((name, i) => vars[i].assign(tf.tensor(ckpt.weights.get(name)!.values, vars[i].shape))));
}

/** Restores an optimizer (built over `model.trainableVariables()`) from a checkpoint that holds one. */
export function restoreOptimizer(optimizer: AdamW, ckpt: LoadedCheckpoint): void {
  if (!ckpt.optimizer) throw new Error(`Checkpoint ${ckpt.dir} holds no optimizer state (it was saved for inference); it cannot resume training.`);
  optimizer.setState(ckpt.optimizer);
}

/** Builds a VLA from a checkpoint directory, its config and then its weights, for inference (no optimizer). */
export function loadVla(dir: string, options: VlaOptions = {}): { model: Vla; checkpoint: LoadedCheckpoint } {
  const checkpoint = loadCheckpoint(dir, { weightsOnly: true });
  const model = new Vla(checkpoint.config, 0, options);
  try {
    restoreWeights(model, checkpoint);
  } catch (e) {
    model.dispose();
    throw e;
  }
  return { model, checkpoint };
}
