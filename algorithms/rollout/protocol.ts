/**
 * The messages between the worker pool (main thread) and an env worker (`envWorker.ts`), and the one helper
 * both sides need: a canonical key of an env spec, so "is this env already built from that spec?" is a
 * string comparison.
 *
 * Every request carries an `id` and is answered by exactly one response with the same `id`, in order (the
 * worker handles one request at a time). Requests address envs by their pool-wide index; one request holds
 * the items of every env of that worker that takes part, so a chunk step costs one message per worker.
 * Images come back as transferred ArrayBuffers (no copy); actions go out by structured clone (56 floats),
 * so the pool keeps its own copy to replay after a crash.
 */
import type { EnvSpec } from "../../sim/envFactory.ts";
import type { ChunkResult, InitStateId, Observation } from "../../sim/envTypes.ts";

/** Build (or rebuild) the listed envs. Sent first to every worker, fresh or restarted. */
export interface InitRequest {
  type: "init";
  id: number;
  envs: { envIndex: number; spec: EnvSpec }[];
}

/** Start an episode on each listed env; an env whose spec differs from `spec` is rebuilt first. */
export interface ResetRequest {
  type: "reset";
  id: number;
  items: { envIndex: number; spec: EnvSpec; initStateId: InitStateId }[];
}

/** Run one action chunk [8·7] on each listed env. */
export interface StepRequest {
  type: "stepChunk";
  id: number;
  items: { envIndex: number; actions: Float32Array }[];
}

/** Answered once every earlier request is done: the pool's "the worker is ready" probe. */
export interface PingRequest {
  type: "ping";
  id: number;
}

/**
 * Test only: make the worker die the way a real crash would, without answering: `throw` raises an uncaught
 * exception (the pool sees `error` then `exit`), `exit` ends the thread with a non-zero code.
 */
export interface CrashRequest {
  type: "crash";
  id: number;
  how: "throw" | "exit";
}

/** Test only: grow this thread's WASM heap (sim/mujoco.ts growWasmHeap), as building a scene can. */
export interface GrowHeapRequest {
  type: "growHeap";
  id: number;
}

export type WorkerRequest = InitRequest | ResetRequest | StepRequest | PingRequest | CrashRequest | GrowHeapRequest;

export type WorkerResponse =
  | { id: number; ok: true; results: Observation[] | ChunkResult[] | null }
  | { id: number; ok: false; error: string };

/** Exit code of a worker that ended itself because its WebAssembly state can no longer be trusted. */
export const FATAL_EXIT_CODE = 70;

/** JSON of `value` with object keys sorted at every level: equal specs give equal keys. */
export function specKey(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) =>
    v !== null && typeof v === "object" && !Array.isArray(v)
      ? Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)))
      : v,
  );
}

/** The distinct ArrayBuffers of an observation's arrays, for a postMessage transfer list. */
export function observationBuffers(obs: Observation): ArrayBuffer[] {
  const buffers = new Set<ArrayBuffer>([obs.image.buffer as ArrayBuffer, obs.proprio.buffer as ArrayBuffer]);
  if (obs.wristImage) buffers.add(obs.wristImage.buffer as ArrayBuffer);
  return [...buffers];
}
