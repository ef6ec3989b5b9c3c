/**
 * Entry of a policy worker thread (ParallelPolicy, parallelPolicy.ts): a twin of the rollout policy on its
 * own tfjs instance, which computes the logits of a block of batch rows while the main thread computes
 * another. Requests are answered one at a time, in the order they arrive:
 *   init    {config, backend}    build the twin (weights come with the next `weights`)
 *   weights {values}             one Float32Array per trainable variable, in `trainableVariables()` order
 *   logits  {id, images, B, text} images [B, S, S, 3] float32, text [B, L] int32 → logits [B, 56, 256]
 * Every request is answered with {type: "done", id, values?} or {type: "failed", id, message}.
 */
import * as tf from "@tensorflow/tfjs-core";
import { parentPort } from "node:worker_threads";
import { selectBackend } from "../../models/backend.ts";
import type { VlaConfig } from "../../models/config.ts";
import { Vla } from "../../models/vla.ts";

export type PolicyWorkerRequest =
  | { type: "init"; id: number; config: VlaConfig; backend: "wasm" | "cpu" }
  | { type: "weights"; id: number; values: Float32Array[] }
  | { type: "logits"; id: number; images: Float32Array; B: number; text: Int32Array };

export type PolicyWorkerResponse = { type: "done"; id: number; values?: Float32Array } | { type: "failed"; id: number; message: string };

const port = parentPort;
if (port === null) throw new Error("policyWorker.ts is a worker-thread entry; start it through ParallelPolicy, not directly.");

let model: Vla | null = null;

async function handle(request: PolicyWorkerRequest): Promise<Float32Array | undefined> {
  if (request.type === "init") {
    await selectBackend(request.backend, { quiet: true }); // the main thread has said which
    model = new Vla(request.config, 0);
    return undefined;
  }
  if (model === null) throw new Error(`The policy worker got '${request.type}' before 'init'.`);
  const m = model;
  if (request.type === "weights") {
    const vars = m.trainableVariables();
    if (request.values.length !== vars.length) throw new Error(`The policy worker got ${request.values.length} weight arrays for ${vars.length} variables.`);
    tf.tidy(() => vars.forEach((v, i) => v.assign(tf.tensor(request.values[i], v.shape))));
    return undefined;
  }
  const { B, images, text } = request;
  const S = m.config.imageSize;
  const L = m.config.maxTextLen;
  return tf.tidy(() => {
    const batch = { images: tf.tensor4d(images, [B, S, S, 3]), text: tf.tensor2d(text, [B, L], "int32") };
    return (m.logits(batch).dataSync() as Float32Array).slice(); // an own buffer, to transfer
  });
}

port.on("message", (request: PolicyWorkerRequest) => {
  handle(request).then(
    (values) => {
      const reply: PolicyWorkerResponse = { type: "done", id: request.id, values };
      port.postMessage(reply, values ? [values.buffer as ArrayBuffer] : []);
    },
    (e: unknown) => port.postMessage({ type: "failed", id: request.id, message: e instanceof Error ? e.message : String(e) } satisfies PolicyWorkerResponse),
  );
});
