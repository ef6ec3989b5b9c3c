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
import { getMujoco, growWasmHeap } from "../../sim/mujoco.ts";
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
 * Several envs share this thread's WASM heap. Building one, or an allocation during an episode, may grow the
 * heap and detach typed-array views into it; nothing in sim/ keeps such a view across calls
 * (test/sim/heapGrowth.test.ts grows the heap mid-episode and requires bit-identical episodes), so envs live
 * as long as their spec does.
 */
interface HostedEnv {
  key: string;
  built: BuiltEnv;
}

const port = parentPort;
if (port === null) throw new Error("envWorker.ts is a worker-thread entry; start it through WorkerPool, not directly.");

const envs = new Map<number, HostedEnv>();

/** A fresh env from `spec` in slot `envIndex` (the old one disposed). */
async function build(envIndex: number, spec: EnvSpec): Promise<HostedEnv> {
  envs.get(envIndex)?.built.dispose();
  envs.delete(envIndex);
  const hosted: HostedEnv = { key: specKey(spec), built: await makeEnv(spec) };
  envs.set(envIndex, hosted);
  return hosted;
}

function hostedEnv(envIndex: number): HostedEnv {
  const hosted = envs.get(envIndex);
  if (hosted === undefined) throw new Error(`This worker hosts no env ${envIndex}; it hosts ${[...envs.keys()].join(", ") || "none"}.`);
  return hosted;
}

async function init(request: InitRequest): Promise<void> {
  for (const { envIndex, spec } of request.envs) await build(envIndex, spec);
}

async function reset(request: ResetRequest): Promise<Observation[]> {
  const out: Observation[] = [];
  for (const { envIndex, spec, initStateId } of request.items) {
    let hosted = envs.get(envIndex);
    if (hosted === undefined || hosted.key !== specKey(spec)) hosted = await build(envIndex, spec);
    out.push(hosted.built.env.reset(hosted.built.initState(initStateId)));
  }
  return out;
}

function stepChunk(request: StepRequest): ChunkResult[] {
  return request.items.map(({ envIndex, actions }) => hostedEnv(envIndex).built.env.stepChunk(actions));
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
        const results = stepChunk(request);
        transfer = results.flatMap((r) => observationBuffers(r.obs));
        response = { id: request.id, ok: true, results };
        break;
      }
      case "ping":
        response = { id: request.id, ok: true, results: null };
        break;
      case "growHeap": {
        growWasmHeap(await getMujoco());
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
