/**
 * The rollout policy's forward pass on several CPU threads: the main thread and `threads − 1` worker threads
 * (policyWorker.ts), each with its own tfjs instance and a copy of the weights, compute contiguous blocks of
 * the batch's rows at the same time.
 *
 * Why: on a CPU backend the forward pass of the rollouts is most of an RL step (75–80% on the 2-core machine,
 * BENCHMARKS.md), it runs on one thread (tfjs's multi-threaded wasm build cannot start its workers in Node),
 * and the env workers wait for it, so a second core sits idle. Rows do not interact in the model (attention
 * is within an example), and on the wasm backend a row's logits are bit-identical whichever rows share its
 * batch (test/algorithms/parallelPolicy.test.ts), so splitting the batch changes no token.
 *
 * The twins get the weights in `prepare()`, which collectRollouts calls at the start of every collection; the
 * weights must not change while a collection runs (they do not: the RL update comes between collections).
 */
import * as tf from "@tensorflow/tfjs-core";
import os from "node:os";
import type { Worker } from "node:worker_threads";
import { sampleFromLogits, type SampleResult } from "../../models/sampling.ts";
import { ACTION_SLOTS, NUM_BINS, type Rng, type VlaBatch } from "../../models/types.ts";
import type { Vla } from "../../models/vla.ts";
import { spawnTsWorker } from "../../sim/threads.ts";
import type { RolloutPolicy } from "./collect.ts";
import type { PolicyWorkerRequest, PolicyWorkerResponse } from "./policyWorker.ts";

type Request = PolicyWorkerRequest extends infer R ? (R extends unknown ? Omit<R, "id"> : never) : never;

/** One worker thread and its requests in flight. */
class PolicyThread {
  private nextId = 0;
  private readonly waiting = new Map<number, { resolve: (v: Float32Array | undefined) => void; reject: (e: Error) => void }>();
  private failure: Error | null = null;

  constructor(private readonly worker: Worker) {
    worker.on("message", (r: PolicyWorkerResponse) => {
      const w = this.waiting.get(r.id);
      if (!w) return;
      this.waiting.delete(r.id);
      if (r.type === "done") w.resolve(r.values);
      else w.reject(new Error(`policy worker: ${r.message}`));
    });
    const fail = (e: Error) => {
      this.failure = e;
      for (const w of this.waiting.values()) w.reject(e);
      this.waiting.clear();
    };
    worker.on("error", (e) => fail(new Error(`The policy worker thread failed: ${e.message}`)));
    worker.on("exit", (code) => fail(new Error(`The policy worker thread exited (code ${code}).`)));
  }

  send(request: Request, transfer: ArrayBuffer[] = []): Promise<Float32Array | undefined> {
    if (this.failure) return Promise.reject(this.failure);
    const id = this.nextId++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.worker.postMessage({ ...request, id }, transfer);
    });
  }

  async close(): Promise<void> {
    this.worker.removeAllListeners("exit");
    await this.worker.terminate();
  }
}

/** Row blocks [start, end) of a batch of B rows over `parts` threads: contiguous, the larger ones first. */
export function rowBlocks(B: number, parts: number): [number, number][] {
  const n = Math.max(1, Math.min(parts, B));
  const blocks: [number, number][] = [];
  let start = 0;
  for (let k = 0; k < n; k++) {
    const size = Math.floor(B / n) + (k < B % n ? 1 : 0);
    blocks.push([start, start + size]);
    start += size;
  }
  return blocks;
}

/** The default number of policy threads: 2 where there are 2 or more cores (the count measured), else 1. */
export function defaultPolicyThreads(): number {
  return Math.min(2, Math.max(1, os.cpus().length));
}

/**
 * A ParallelPolicy over `model` with `threads` threads when the active backend is a CPU one and threads > 1,
 * else undefined (the model computes its forward passes alone: a GPU backend, or one thread asked for).
 */
export async function startPolicyThreads(model: Vla, threads: number): Promise<ParallelPolicy | undefined> {
  const backend = tf.getBackend();
  return (backend === "wasm" || backend === "cpu") && threads > 1 ? ParallelPolicy.start(model, threads) : undefined;
}

export class ParallelPolicy implements RolloutPolicy {
  readonly config: Vla["config"];
  private weightsSent = false;

  private constructor(
    private readonly model: Vla,
    private readonly threads: PolicyThread[],
  ) {
    this.config = model.config;
  }

  /**
   * Starts `threads − 1` worker threads beside the main one for `model`, on the active backend (wasm or
   * cpu). Call dispose() when done.
   */
  static async start(model: Vla, threads: number): Promise<ParallelPolicy> {
    if (!Number.isInteger(threads) || threads < 1) throw new Error(`ParallelPolicy threads must be a positive integer, got ${threads}.`);
    const backend = tf.getBackend();
    if (backend !== "wasm" && backend !== "cpu") {
      throw new Error(`ParallelPolicy splits the forward pass over CPU threads; the active backend is '${backend}'.`);
    }
    const workers = Array.from({ length: threads - 1 }, () => new PolicyThread(spawnTsWorker(new URL("./policyWorker.ts", import.meta.url), "SIMPLEVLA_POLICY_WORKER")));
    const policy = new ParallelPolicy(model, workers);
    try {
      await Promise.all(workers.map((w) => w.send({ type: "init", config: model.config, backend })));
    } catch (e) {
      await policy.dispose();
      throw e;
    }
    return policy;
  }

  /** Number of threads that compute a batch (the main one included). */
  get threadCount(): number {
    return this.threads.length + 1;
  }

  /** Sends the model's current weights to every worker. */
  async prepare(): Promise<void> {
    if (this.threads.length === 0) return;
    const values = this.model.trainableVariables().map((v) => v.dataSync() as Float32Array);
    // Each worker gets its own copies, transferred.
    await Promise.all(this.threads.map((t) => {
      const copies = values.map((a) => a.slice());
      return t.send({ type: "weights", values: copies }, copies.map((a) => a.buffer as ArrayBuffer));
    }));
    this.weightsSent = true;
  }

  /** Logits [B·56·256] of the batch, its row blocks computed on all threads at once. */
  async logitsAsync(batch: VlaBatch): Promise<Float32Array> {
    const B = batch.images.shape[0];
    const blocks = rowBlocks(B, this.threadCount);
    if (blocks.length > 1 && !this.weightsSent) throw new Error("ParallelPolicy: call prepare() before the first forward pass (the workers have no weights yet).");
    const rowSize = ACTION_SLOTS * NUM_BINS;
    const out = new Float32Array(B * rowSize);
    const pixels = batch.images.size / B;
    const L = batch.text.shape[1];
    // Hand the workers their rows first, so that they compute while the main thread does its own block.
    let images: Float32Array | null = null;
    let text: Int32Array | null = null;
    if (blocks.length > 1) {
      images = batch.images.dataSync() as Float32Array;
      text = batch.text.dataSync() as Int32Array;
    }
    const remote = blocks.slice(1).map(([s, e], k) => {
      const im = images!.slice(s * pixels, e * pixels);
      const tx = text!.slice(s * L, e * L);
      return this.threads[k].send({ type: "logits", images: im, B: e - s, text: tx }, [im.buffer as ArrayBuffer, tx.buffer as ArrayBuffer]);
    });
    const [s0, e0] = blocks[0];
    const own = tf.tidy(() => {
      const rows = blocks.length === 1 ? batch : {
        images: tf.slice(batch.images, [s0], [e0 - s0]) as tf.Tensor4D,
        text: tf.slice(batch.text, [s0], [e0 - s0]) as tf.Tensor2D,
      };
      return this.model.logits(rows);
    });
    try {
      out.set((await own.data()) as Float32Array, s0 * rowSize);
    } finally {
      own.dispose();
    }
    const answers = await Promise.all(remote);
    answers.forEach((values, k) => out.set(values!, blocks[k + 1][0] * rowSize));
    return out;
  }

  async sampleAsync(batch: VlaBatch, temperature: number, rngs: Rng[]): Promise<SampleResult> {
    const B = batch.images.shape[0];
    return sampleFromLogits(await this.logitsAsync(batch), B, ACTION_SLOTS, NUM_BINS, temperature, rngs);
  }

  /** The logits as a tensor, computed on the main thread alone (RolloutPolicy's synchronous form). */
  logits(batch: VlaBatch): tf.Tensor3D {
    return this.model.logits(batch);
  }

  async dispose(): Promise<void> {
    await Promise.all(this.threads.map((t) => t.close()));
  }
}
