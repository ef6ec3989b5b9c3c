/**
 * A pool of env worker threads: `workers` threads host `specs.length` envs, env e on worker e mod workers
 * (round-robin), each env its own MuJoCo instance. `reset` and `stepChunks` send one request per worker
 * that has items and wait for all of them, so the envs of different workers run in parallel.
 *
 * Crash recovery (DESIGN.md "Determinism": a crashed worker's step is redone whole): the pool keeps, per env,
 * the spec, the init state and the action chunks of the episode in progress, as completed by the worker.
 * When a worker thread dies (uncaught exception, non-zero exit, a WebAssembly trap), the pool starts a new
 * one, rebuilds its envs, replays every episode from its reset through its logged chunks (physics is
 * deterministic, so each env returns to the exact state it had), and re-sends the requests that had not been
 * answered. The caller sees a slower answer, never a lost step. A worker that dies `maxRestarts` times in a
 * row without answering anything is given up, and its requests fail with the reason.
 */
import { spawnTsWorker } from "../../sim/threads.ts";
import os from "node:os";
import { Worker } from "node:worker_threads";
import type { EnvSpec } from "../../sim/envFactory.ts";
import type { ChunkResult, InitStateId, Observation } from "../../sim/envTypes.ts";
import type { WorkerRequest, WorkerResponse } from "./protocol.ts";

export interface WorkerPoolOptions {
  /** One spec per env; the pool has `specs.length` envs. A reset may later switch an env to another spec. */
  specs: EnvSpec[];
  /** Worker threads (default: the number of CPU cores); never more than there are envs. */
  workers?: number;
  /** Consecutive crashes of one worker, with no request answered in between, before its requests fail. */
  maxRestarts?: number;
  /** Where restarts are reported (default console.warn). */
  log?: (line: string) => void;
}

export interface ResetItem {
  envIndex: number;
  initStateId: InitStateId;
  /** Rebuild the env from this spec first if it differs from the env's current one. */
  spec?: EnvSpec;
}

export interface StepItem {
  envIndex: number;
  /** [8·7] env actions of one chunk. */
  actions: Float32Array;
}

/**
 * Starts one env worker thread: envWorker.ts with TypeScript support, or, when SIMPLEVLA_ENV_WORKER names a
 * JavaScript file (envWorker.ts bundled by esbuild, for a machine without tsx), that file as it is.
 */
export function spawnEnvWorker(): Worker {
  return spawnTsWorker(new URL("./envWorker.ts", import.meta.url), "SIMPLEVLA_ENV_WORKER");
}

/** The episode in progress on one env, as far as the worker has answered: enough to replay it exactly. */
interface EpisodeLog {
  spec: EnvSpec;
  initStateId: InitStateId | null;
  chunks: Float32Array[];
}

interface Pending {
  request: WorkerRequest;
  resolve: (results: unknown) => void;
  reject: (err: Error) => void;
}

type RequestBody = WorkerRequest extends infer R ? (R extends WorkerRequest ? Omit<R, "id"> : never) : never;

/** One worker thread and everything needed to replace it. */
class EnvWorkerHandle {
  private worker: Worker | null = null;
  private nextId = 0;
  private readonly pending = new Map<number, Pending>();
  /** ids of the init/replay requests sent to a fresh thread; their answers carry no new information */
  private readonly replays = new Set<number>();
  private failuresInARow = 0;
  private lastError = "";
  private brokenReason: string | null = null;
  private closing = false;
  restarts = 0;

  constructor(
    readonly index: number,
    readonly envIndices: number[],
    private readonly logs: Map<number, EpisodeLog>,
    private readonly maxRestarts: number,
    private readonly log: (line: string) => void,
  ) {}

  /** Starts a thread: builds its envs, replays their episodes, re-sends unanswered requests. */
  start(): void {
    const w = spawnEnvWorker();
    this.worker = w;
    this.lastError = "";
    w.on("message", (m: WorkerResponse) => {
      if (this.worker === w) this.onResponse(m);
    });
    w.on("error", (err) => {
      if (this.worker === w) this.lastError = err.message;
    });
    w.on("exit", (code) => {
      if (this.worker === w && !this.closing) this.onCrash(code);
    });
    this.sendReplay({ type: "init", envs: this.envIndices.map((e) => ({ envIndex: e, spec: this.logs.get(e)!.spec })) });
    for (const e of this.envIndices) {
      const log = this.logs.get(e)!;
      if (log.initStateId === null) continue;
      this.sendReplay({ type: "reset", items: [{ envIndex: e, spec: log.spec, initStateId: log.initStateId }] });
      for (const actions of log.chunks) this.sendReplay({ type: "stepChunk", items: [{ envIndex: e, actions }] });
    }
    for (const id of [...this.pending.keys()].sort((a, b) => a - b)) w.postMessage(this.pending.get(id)!.request);
  }

  request<T>(body: RequestBody): Promise<T> {
    if (this.brokenReason !== null) return Promise.reject(new Error(this.brokenReason));
    if (this.closing) return Promise.reject(new Error("The worker pool is closed; create a new one."));
    const request = { ...body, id: this.nextId++ } as WorkerRequest;
    return new Promise<T>((resolve, reject) => {
      this.pending.set(request.id, { request, resolve: resolve as (r: unknown) => void, reject });
      this.worker!.postMessage(request);
    });
  }

  /** Test only: make this worker die without answering. */
  crash(how: "throw" | "exit"): void {
    this.worker?.postMessage({ type: "crash", id: this.nextId++, how } satisfies WorkerRequest);
  }

  async close(): Promise<void> {
    this.closing = true;
    this.failAll("The worker pool was closed before this request was answered.");
    await this.worker?.terminate();
    this.worker = null;
  }

  private sendReplay(body: RequestBody): void {
    const request = { ...body, id: this.nextId++ } as WorkerRequest;
    this.replays.add(request.id);
    this.worker!.postMessage(request);
  }

  private onResponse(m: WorkerResponse): void {
    if (this.replays.delete(m.id)) {
      if (!m.ok) this.failAll(`Env worker ${this.index} could not rebuild or replay its envs ${this.envIndices.join(", ")}: ${m.error}`);
      return;
    }
    const p = this.pending.get(m.id);
    if (p === undefined) return;
    this.pending.delete(m.id);
    this.failuresInARow = 0;
    if (!m.ok) {
      p.reject(new Error(m.error));
      return;
    }
    this.record(p.request);
    p.resolve(m.results);
  }

  /** Logs what a completed request did to its envs, so that a new thread can redo it. */
  private record(request: WorkerRequest): void {
    if (request.type === "reset") {
      for (const it of request.items) this.logs.set(it.envIndex, { spec: it.spec, initStateId: it.initStateId, chunks: [] });
    } else if (request.type === "stepChunk") {
      for (const it of request.items) this.logs.get(it.envIndex)!.chunks.push(it.actions);
    }
  }

  private onCrash(code: number): void {
    this.restarts++;
    this.failuresInARow++;
    this.replays.clear();
    const why = this.lastError ? `threw "${this.lastError}"` : `exited with code ${code}`;
    if (this.failuresInARow > this.maxRestarts) {
      this.brokenReason =
        `Env worker ${this.index} (envs ${this.envIndices.join(", ")}) crashed ${this.failuresInARow} times in a row ` +
        `without answering (last time it ${why}); giving up on it. Check the env specs and init states it was given.`;
      this.worker = null;
      this.failAll(this.brokenReason);
      return;
    }
    const episodes = this.envIndices.filter((e) => this.logs.get(e)!.initStateId !== null);
    const chunks = episodes.reduce((n, e) => n + this.logs.get(e)!.chunks.length, 0);
    this.log(
      `env worker ${this.index} ${why}; restarted it, rebuilt envs ${this.envIndices.join(", ")} and replayed ` +
        `${episodes.length} episode(s) (${chunks} chunks) before re-sending ${this.pending.size} request(s).`,
    );
    this.start();
  }

  private failAll(reason: string): void {
    const err = new Error(reason);
    for (const p of this.pending.values()) p.reject(err);
    this.pending.clear();
  }
}

export class WorkerPool {
  private readonly specs: EnvSpec[];

  private constructor(
    private readonly handles: EnvWorkerHandle[],
    specs: EnvSpec[],
  ) {
    this.specs = specs;
  }

  /** Starts the threads and builds every env; resolves once all are ready. */
  static async create(options: WorkerPoolOptions): Promise<WorkerPool> {
    const { specs } = options;
    if (!Array.isArray(specs) || specs.length === 0) throw new Error("WorkerPool: specs must list at least one env spec.");
    const requested = options.workers ?? os.cpus().length;
    if (!Number.isInteger(requested) || requested < 1) throw new Error(`WorkerPool: workers must be a positive integer, got ${requested}.`);
    const maxRestarts = options.maxRestarts ?? 3;
    if (!Number.isInteger(maxRestarts) || maxRestarts < 0) throw new Error(`WorkerPool: maxRestarts must be a non-negative integer, got ${maxRestarts}.`);
    const W = Math.min(requested, specs.length);
    const logs = new Map<number, EpisodeLog>(specs.map((spec, e) => [e, { spec, initStateId: null, chunks: [] }]));
    const log = options.log ?? ((line: string) => console.warn(line));
    const handles = Array.from({ length: W }, (_, w) => {
      const envIndices = specs.map((_, e) => e).filter((e) => e % W === w);
      return new EnvWorkerHandle(w, envIndices, logs, maxRestarts, log);
    });
    const pool = new WorkerPool(handles, [...specs]);
    try {
      for (const h of handles) h.start();
      await Promise.all(handles.map((h) => h.request({ type: "ping" })));
    } catch (err) {
      await pool.close();
      throw err;
    }
    return pool;
  }

  get numEnvs(): number {
    return this.specs.length;
  }

  get numWorkers(): number {
    return this.handles.length;
  }

  /** Worker threads restarted after a crash, since the pool was made. */
  get restarts(): number {
    return this.handles.reduce((n, h) => n + h.restarts, 0);
  }

  /** The spec env `envIndex` was last asked to run. */
  specOf(envIndex: number): EnvSpec {
    this.checkEnv(envIndex, "specOf");
    return this.specs[envIndex];
  }

  workerOf(envIndex: number): number {
    this.checkEnv(envIndex, "workerOf");
    return envIndex % this.handles.length;
  }

  /** Starts an episode on each listed env (in parallel across workers); observations in the items' order. */
  async reset(items: ResetItem[]): Promise<Observation[]> {
    for (const it of items) this.checkEnv(it.envIndex, "reset");
    const full = items.map((it) => ({ envIndex: it.envIndex, initStateId: it.initStateId, spec: it.spec ?? this.specs[it.envIndex] }));
    for (const it of full) this.specs[it.envIndex] = it.spec;
    return this.scatter(full, "reset", (part) => ({ type: "reset", items: part }));
  }

  /** Runs one chunk on each listed env (in parallel across workers); results in the items' order. */
  async stepChunks(items: StepItem[]): Promise<ChunkResult[]> {
    for (const it of items) {
      if (!(it.actions instanceof Float32Array) || it.actions.length === 0) {
        throw new Error(`stepChunks: env ${it.envIndex}'s actions must be a non-empty Float32Array of 7-D actions.`);
      }
    }
    return this.scatter(items, "stepChunks", (part) => ({ type: "stepChunk", items: part }));
  }

  /** Test only: makes worker `workerIndex` die without answering, as a real crash would. */
  crashWorkerForTest(workerIndex: number, how: "throw" | "exit" = "exit"): void {
    if (!Number.isInteger(workerIndex) || workerIndex < 0 || workerIndex >= this.handles.length) {
      throw new Error(`crashWorkerForTest: workerIndex must be in 0..${this.handles.length - 1}, got ${workerIndex}.`);
    }
    this.handles[workerIndex].crash(how);
  }

  /** Test only: makes worker `workerIndex` grow its WASM heap, as building another scene can. */
  growHeapForTest(workerIndex: number): Promise<void> {
    return this.handles[workerIndex].request({ type: "growHeap" });
  }

  async close(): Promise<void> {
    await Promise.all(this.handles.map((h) => h.close()));
  }

  /** Splits items by worker, sends one request per worker, and puts the answers back in the items' order. */
  private async scatter<I extends { envIndex: number }, R>(items: I[], what: string, body: (part: I[]) => RequestBody): Promise<R[]> {
    const seen = new Set<number>();
    for (const it of items) {
      this.checkEnv(it.envIndex, what);
      if (seen.has(it.envIndex)) throw new Error(`${what}: env ${it.envIndex} is listed twice; one item per env per call.`);
      seen.add(it.envIndex);
    }
    const W = this.handles.length;
    const positions = Array.from({ length: W }, () => [] as number[]);
    items.forEach((it, i) => positions[it.envIndex % W].push(i));
    const out = new Array<R>(items.length);
    await Promise.all(
      positions.map(async (pos, w) => {
        if (pos.length === 0) return;
        const results = await this.handles[w].request<R[]>(body(pos.map((i) => items[i])));
        pos.forEach((i, k) => (out[i] = results[k]));
      }),
    );
    return out;
  }

  private checkEnv(envIndex: number, what: string): void {
    if (!Number.isInteger(envIndex) || envIndex < 0 || envIndex >= this.specs.length) {
      throw new Error(`${what}: envIndex must be an integer in 0..${this.specs.length - 1}, got ${envIndex}.`);
    }
  }
}
