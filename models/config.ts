/**
 * The VLA's shape settings and its three presets.
 *
 * Shape letters (STYLE.md): S image side, P image patches, L text length, D width, H heads, Dh head width.
 * The sequence the transformer sees is [P image patches; L text tokens; 56 action slots], so T = P + L + 56.
 */

/** Every shape setting of the VLA transformer. */
export interface VlaConfig {
  /** S: side of the square input image in pixels, after crop-and-resize (the env renders 128). */
  imageSize: number;
  /** Side of one square image patch in pixels; S must be a multiple of it. P = (S / patchSize)². */
  patchSize: number;
  /** D: residual stream width. */
  width: number;
  /** Number of transformer blocks. */
  depth: number;
  /** H: attention heads; D must be a multiple of H (Dh = D / H). */
  heads: number;
  /** Hidden width of each MLP as a multiple of D. */
  mlpRatio: number;
  /** L_max: longest instruction (in tokens, pad included) the text positions cover. */
  maxTextLen: number;
  /** Text vocabulary size, pad id 0 included; must cover the text tokenizer's ids. */
  vocabSize: number;
  /** Dropout probability; 0 (the only value implemented) keeps the forward pass deterministic. */
  dropout: number;
}

/** Names of the presets, smallest first. */
export const VLA_PRESET_NAMES = ["tiny", "small", "base"] as const;
export type VlaPresetName = (typeof VLA_PRESET_NAMES)[number];

const PRESETS: Record<VlaPresetName, VlaConfig> = {
  // For unit tests: about 55k parameters, a 64-px image (16 patches), a forward pass in milliseconds.
  tiny: { imageSize: 64, patchSize: 16, width: 32, depth: 2, heads: 2, mlpRatio: 2, maxTextLen: 8, vocabSize: 64, dropout: 0 },
  // The default on every backend (DESIGN.md): about 2.1M parameters, T = 64 + 32 + 56 = 152 tokens.
  small: { imageSize: 128, patchSize: 16, width: 192, depth: 4, heads: 3, mlpRatio: 4, maxTextLen: 32, vocabSize: 512, dropout: 0 },
  // For GPUs: about 3.6M parameters. Its size is bounded by the checkpoint budget, not by compute: a
  // resumable checkpoint (fp32 weights + fp16 Adam moments = 8 bytes per parameter) must stay ≤ 28 MiB.
  base: { imageSize: 128, patchSize: 16, width: 256, depth: 4, heads: 4, mlpRatio: 4, maxTextLen: 32, vocabSize: 512, dropout: 0 },
};

/** The default configuration: the `small` preset. */
export function defaultVlaConfig(): VlaConfig {
  return vlaPreset("small");
}

/** A fresh copy of the named preset; an unknown name is an error listing the valid ones. */
export function vlaPreset(name: string): VlaConfig {
  if (!(VLA_PRESET_NAMES as readonly string[]).includes(name)) {
    throw new Error(`Unknown VLA preset '${name}'; valid presets are: ${VLA_PRESET_NAMES.join(", ")}.`);
  }
  return { ...PRESETS[name as VlaPresetName] };
}

/** Number of image patches P = (S / patchSize)². */
export function numPatches(c: VlaConfig): number {
  return (c.imageSize / c.patchSize) ** 2;
}

/** Checks that the settings fit together; throws one sentence naming the first bad setting. */
export function validateVlaConfig(c: VlaConfig): void {
  const positiveInts: (keyof VlaConfig)[] = ["imageSize", "patchSize", "width", "depth", "heads", "mlpRatio", "maxTextLen", "vocabSize"];
  for (const k of positiveInts) {
    const v = c[k];
    if (!Number.isInteger(v) || v <= 0) throw new Error(`VlaConfig.${k} must be a positive integer, got ${v}.`);
  }
  if (c.imageSize % c.patchSize !== 0) {
    throw new Error(`VlaConfig.imageSize (${c.imageSize}) must be a multiple of patchSize (${c.patchSize}).`);
  }
  if (c.width % c.heads !== 0) throw new Error(`VlaConfig.width (${c.width}) must be a multiple of heads (${c.heads}).`);
  if (c.vocabSize < 2) throw new Error(`VlaConfig.vocabSize must be at least 2 (pad id 0 and one word), got ${c.vocabSize}.`);
  if (c.dropout !== 0) throw new Error(`VlaConfig.dropout must be 0 (dropout is not implemented), got ${c.dropout}.`);
}
