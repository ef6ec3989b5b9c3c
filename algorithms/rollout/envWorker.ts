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
import type { ChunkResult, Observation } from "../../sim/envTypes.ts";
import { getMujoco, growWasmHeap } from "../../sim/mujoco.ts";
import {
  FATAL_EXIT_CODE,
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

/** The env in slot `envIndex` for `spec`: the one there if it was built from the same spec, else a new one. */
async function build(envIndex: number, spec: EnvSpec): Promise<HostedEnv> {
  const key = specKey(spec);
  const current = envs.get(envIndex);
  if (current?.key === key) return current;
  current?.built.dispose();
  envs.delete(envIndex);
  const hosted = { key, built: await makeEnv(spec) };
  envs.set(envIndex, hosted);
  return hosted;
}

function hostedEnv(envIndex: number): HostedEnv {
  const hosted = envs.get(envIndex);
  if (hosted === undefined) throw new Error(`This worker hosts no env ${envIndex}; it hosts ${[...envs.keys()].join(", ") || "none"}.`);
  return hosted;
}

async function reset(request: ResetRequest): Promise<Observation[]> {
  const out: Observation[] = [];
  for (const item of request.items) {
    const { built } = await build(item.envIndex, item.spec);
    out.push(built.env.reset(built.initState(item.initStateId)));
  }
  return out;
}

function stepChunk(request: StepRequest): ChunkResult[] {
  return request.items.map((item) => hostedEnv(item.envIndex).built.env.stepChunk(item.actions));
}

async function handle(request: WorkerRequest): Promise<void> {
  let response: WorkerResponse;
  let transfer: ArrayBuffer[] = [];
  try {
    switch (request.type) {
      case "init":
        for (const { envIndex, spec } of request.envs) await build(envIndex, spec);
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
