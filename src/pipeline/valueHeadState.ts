/**
 * Checkpointing the PPO value head (`--algo ppo`) beside the policy. A checkpoint directory (models/) holds
 * the VLA's weights and an AdamW state over exactly the VLA's variables, while the PPO update steps one
 * AdamW over the VLA's variables followed by the head's (ppoUpdate's `updateVariables`, one global gradient
 * clip over both). So the optimizer's state is cut in two: the policy's part goes where checkpoints keep it,
 * the head's weights and moments go into the checkpoint's extras (float32, base64: the head is small,
 * D·64 + 64 + 64 + 1 numbers), and both are joined again on resume, bit for bit.
 */
import * as tf from "@tensorflow/tfjs-core";
import type { AdamW, AdamWState } from "../../models/optim.ts";
import type { ValueHead } from "../../algorithms/valueHead.ts";

/** The head's variables and their AdamW moments, each float32 as base64, in `trainableVariables()` order. */
export interface ValueHeadJSON {
  weights: string[];
  m: string[];
  v: string[];
}

const toBase64 = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength).toString("base64");

function fromBase64(s: string, size: number, where: string): Float32Array {
  const bytes = Buffer.from(s, "base64");
  if (bytes.length !== size * 4) throw new Error(`${where}: expected ${size} float32 values, got ${bytes.length} bytes`);
  return new Float32Array(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.length));
}

/**
 * Splits the joint optimizer (built over the policy's `policyVars` variables, then the head's) for
 * `saveCheckpoint`: an object that reads as an AdamW over the policy alone, and the head's JSON.
 */
export async function splitForCheckpoint(optimizer: AdamW, policyVars: number, head: ValueHead): Promise<{ policyOptimizer: AdamW; valueHead: ValueHeadJSON }> {
  const state = await optimizer.getState();
  const weights = await Promise.all(head.trainableVariables().map((x) => x.data() as Promise<Float32Array>));
  const policyState: AdamWState = { step: state.step, m: state.m.slice(0, policyVars), v: state.v.slice(0, policyVars) };
  // saveCheckpoint reads only `config` and `getState()` of its optimizer.
  const policyOptimizer = { config: optimizer.config, getState: async () => policyState } as unknown as AdamW;
  return {
    policyOptimizer,
    valueHead: { weights: weights.map(toBase64), m: state.m.slice(policyVars).map(toBase64), v: state.v.slice(policyVars).map(toBase64) },
  };
}

/** Restores the head's weights and joins the policy's saved AdamW state with the head's into `optimizer`. */
export function restoreJoint(optimizer: AdamW, policyState: AdamWState, head: ValueHead, json: ValueHeadJSON | undefined, where: string): void {
  const vars = head.trainableVariables();
  if (!json || json.weights?.length !== vars.length || json.m?.length !== vars.length || json.v?.length !== vars.length) {
    throw new Error(`${where} holds no value head for --algo ppo (was it written by a grpo or rloo run?)`);
  }
  tf.tidy(() => vars.forEach((x, i) => x.assign(tf.tensor(fromBase64(json.weights[i], x.size, where), x.shape))));
  optimizer.setState({
    step: policyState.step,
    m: [...policyState.m, ...vars.map((x, i) => fromBase64(json.m[i], x.size, where))],
    v: [...policyState.v, ...vars.map((x, i) => fromBase64(json.v[i], x.size, where))],
  });
}
