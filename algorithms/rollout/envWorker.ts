/**
 * Entry of an env worker thread: hosts several envs, each its own MuJoCo instance built by `makeEnv(spec)`
 * from a plain JSON spec (workers receive messages, not objects), and answers the requests of
 * `protocol.ts` one at a time, in the order they arrive.
 *
 * Start it with `spawnEnvWorker` (workerPool.ts), which loads tsx inside the thread first: a worker thread
 * does not inherit the TypeScript loader of the thread that made it, and Node 20 ignores
 * `execArgv: ["--import", "tsx"]` for worker threads, under `npx tsx` and under vitest alike.
 *
 * This file imports only `sim/`: no tensors live in env workers.
 */
import { parentPort } from "node:worker_threads";
import { type BuiltEnv, type EnvSpec, makeEnv } from "../../sim/envFactory.ts";
import type { ChunkResult, InitStateId, Observation } from "../../sim/envTypes.ts";
import { getMujoco, Simulation } from "../../sim/mujoco.ts";
import {
  FATAL_EXIT_CODE,
  type InitRequest,
  observationBuffers,
  type ResetRequest,
  specKey,
  type StepRequest,
  type WorkerRequest,
  type WorkerResponse,
} from "./protocol.ts";

/**
 * Growing the WASM heap (building another env, or an allocation during an episode) detaches the typed-array
 * views an env cached at construction (e.g. an init-state sampler's `jnt_qposadr`), which can silently
 * change its init states or success test. Several envs share this thread's heap, so each env keeps a heap
 * mark taken before it was built, and the episode it runs (init state and chunks, as the worker executed
 * them). Whenever the mark shows growth, before or during a request, the env is rebuilt and its episode
 * replayed, so that every answer is what a fresh env gives, whatever else this thread built or ran.
 */
interface HostedEnv {
  key: string;
  spec: EnvSpec;
  built: BuiltEnv;
  /** a view into the heap, detached exactly when the heap has grown since the env was built */
  mark: Float64Array;
  episode: { initStateId: InitStateId; chunks: Float32Array[] } | null;
}

/** Rebuild-and-replay attempts, each spoiled by the heap growing again, before a request fails. */
const MAX_REBUILDS = 5;

const port = parentPort;
if (port === null) throw new Error("envWorker.ts is a worker-thread entry; start it through WorkerPool, not directly.");

const envs = new Map<number, HostedEnv>();
/** Envs rebuilt because the heap grew (reported by ping, for tests and diagnostics). */
let rebuilds = 0;

/** A tiny model whose `qpos0` view into the heap is the mark: it detaches when the heap grows. */
let probe: Simulation | null = null;
const PROBE_XML = `<mujoco><worldbody><body><freejoint/><geom size="0.1"/></body></worldbody></mujoco>`;

async function heapMark(): Promise<Float64Array> {
  probe ??= await Simulation.fromXml(PROBE_XML);
  return probe.model.qpos0 as Float64Array;
}

const heapGrew = (mark: Float64Array) => mark.buffer.byteLength === 0;

/** A fresh env from `spec` in slot `envIndex` (the old one disposed), with no episode. */
async function build(envIndex: number, spec: EnvSpec): Promise<HostedEnv> {
  envs.get(envIndex)?.built.dispose();
  envs.delete(envIndex);
  const mark = await heapMark(); // taken first, so that growth during the build counts too
  const hosted: HostedEnv = { key: specKey(spec), spec, built: await makeEnv(spec), mark, episode: null };
  envs.set(envIndex, hosted);
  return hosted;
}

/**
 * Rebuilds env `envIndex` and replays its episode until the heap stays put through both; returns what the
 * last replayed call returned (the reset observation or the last chunk's result), or null without episode.
 */
async function refresh(envIndex: number): Promise<Observation | ChunkResult | null> {
  for (let attempt = 1; ; attempt++) {
    const { spec, episode } = hostedEnv(envIndex);
    const hosted = await build(envIndex, spec);
    rebuilds++;
    hosted.episode = episode;
    let last: Observation | ChunkResult | null = null;
    if (episode !== null) {
      last = hosted.built.env.reset(hosted.built.initState(episode.initStateId));
      for (const actions of episode.chunks) last = hosted.built.env.stepChunk(actions);
    }
    if (!heapGrew(hosted.mark)) return last;
    if (attempt === MAX_REBUILDS) {
      throw new Error(`The WASM heap grew during ${MAX_REBUILDS} rebuilds of env ${envIndex} in a row; giving up on it.`);
    }
  }
}

function hostedEnv(envIndex: number): HostedEnv {
  const hosted = envs.get(envIndex);
  if (hosted === undefined) throw new Error(`This worker hosts no env ${envIndex}; it hosts ${[...envs.keys()].join(", ") || "none"}.`);
  return hosted;
}

/** Builds the listed envs, then rebuilds those whose heap mark a later build detached. */
async function init(request: InitRequest): Promise<void> {
  for (const { envIndex, spec } of request.envs) await build(envIndex, spec);
  for (const { envIndex } of request.envs) if (heapGrew(hostedEnv(envIndex).mark)) await refresh(envIndex);
}

async function reset(request: ResetRequest): Promise<Observation[]> {
  const out: Observation[] = [];
  for (const { envIndex, spec, initStateId } of request.items) {
    let hosted = envs.get(envIndex);
    if (hosted === undefined || hosted.key !== specKey(spec) || heapGrew(hosted.mark)) hosted = await build(envIndex, spec);
    let obs = hosted.built.env.reset(hosted.built.initState(initStateId));
    hosted.episode = { initStateId, chunks: [] };
    if (heapGrew(hosted.mark)) obs = (await refresh(envIndex)) as Observation;
    out.push(obs);
  }
  return out;
}

async function stepChunk(request: StepRequest): Promise<ChunkResult[]> {
  const out: ChunkResult[] = [];
  for (const { envIndex, actions } of request.items) {
    if (heapGrew(hostedEnv(envIndex).mark)) await refresh(envIndex);
    const hosted = hostedEnv(envIndex);
    let result = hosted.built.env.stepChunk(actions);
    hosted.episode?.chunks.push(actions);
    if (heapGrew(hosted.mark)) result = (await refresh(envIndex)) as ChunkResult;
    out.push(result);
  }
  return out;
}

async function handle(request: WorkerRequest): Promise<void> {
  let response: WorkerResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    switch (request.type) {
      case "init":
        await init(request);
        response = { id: request.id, ok: true, results: null };
        break;
      case "reset": {
        const results = await reset(request);
        transfer = results.flatMap(observationBuffers);
        response = { id: request.id, ok: true, results };
        break;
      }
      case "stepChunk": {
        const results = await stepChunk(request);
        transfer = results.flatMap((r) => observationBuffers(r.obs));
        response = { id: request.id, ok: true, results };
        break;
      }
      case "ping":
        response = { id: request.id, ok: true, results: null, rebuilds };
        break;
      case "growHeap": {
        const mj = await getMujoco();
        new mj.DoubleBuffer(8 * 2 ** 20).delete(); // the heap keeps its new size after the free
        response = { id: request.id, ok: true, results: null };
        break;
      }
      case "crash":
        if (request.how === "exit") process.exit(3);
        setImmediate(() => {
          throw new Error("test crash requested by the pool");
        });
        return;
      default:
        throw new Error(`Unknown request type '${(request as { type: string }).type}'.`);
    }
  } catch (err) {
    // A trap inside WebAssembly (out of memory, abort) leaves MuJoCo's memory in an unknown state: end the
    // thread so that the pool rebuilds its envs, instead of answering from a broken instance.
    if (err instanceof WebAssembly.RuntimeError) {
      console.error(`env worker: WebAssembly trap (${err.message}); exiting so that the pool restarts this worker.`);
      process.exit(FATAL_EXIT_CODE);
    }
    response = { id: request.id, ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  port!.postMessage(response, transfer);
}

// One request at a time, in arrival order: a chain of promises.
let queue: Promise<void> = Promise.resolve();
port.on("message", (request: WorkerRequest) => {
  queue = queue.then(() => handle(request));
});
