/**
 * Entry of a demo worker thread: runs the scripted expert on the episodes `generate.ts` asks for and posts
 * each recorded episode back. The task env (`makeTaskEnv`, two MuJoCo instances) is kept for the worker's
 * later episodes of the same task; an episode depends only on its init state and sub-seed
 * (the env's reset leaves nothing of the previous episode), so which worker ran it does not matter.
 *
 * Start it with `spawnDemoWorker` (generate.ts), which loads tsx inside the thread first.
 */
import seedrandom from "seedrandom";
import { parentPort } from "node:worker_threads";
import { runPlan, type DemoRun } from "../../sim/expert/executor.ts";
import { Simulation } from "../../sim/mujoco.ts";
import { taskPlan } from "../../sim/expert/planner.ts";
import { drawStyle, OPEN, type ExpertContext } from "../../sim/expert/skills.ts";
import { IMAGE_BYTES, PROPRIO_DIM } from "../../sim/dataset/format.ts";
import { makeTaskEnv, type TaskEnv } from "../../sim/tasks/taskEnv.ts";
import type { DemoWorkerResponse, EpisodeRequest, EpisodeResponse } from "./protocol.ts";

const port = parentPort;
if (port === null) throw new Error("demoWorker.ts is a worker-thread entry; start it through ensureDemos, not directly.");

/**
 * The one task env this worker holds, rebuilt whenever the WASM heap has grown since it was built. Growing
 * the heap (building another model, or an allocation during an episode) detaches every typed-array view
 * into it; an env that kept such a view from its construction then reads and writes nothing, silently (the
 * init-state sampler did so with `jnt_qposadr` until 77ccca0). So an env is used only while the heap it was
 * built in still stands, and an episode during which the heap grew is run again in a fresh env: every
 * episode is what a fresh env gives, whatever the thread ran before. One env, not one per task, because
 * building a second would grow the heap under the first; the scheduler keeps a worker on its task.
 */
let current: { key: string; te: TaskEnv; heapMark: Float64Array } | null = null;

/** A tiny model whose `qpos0` view into the WASM heap is detached exactly when the heap grows. */
let probe: Simulation | null = null;
const PROBE_XML = `<mujoco><worldbody><body><freejoint/><geom size="0.1"/></body></worldbody></mujoco>`;

async function heapMark(): Promise<Float64Array> {
  probe ??= await Simulation.fromXml(PROBE_XML);
  return probe.model.qpos0 as unknown as Float64Array;
}

const heapGrew = (mark: Float64Array) => mark.buffer.byteLength === 0;

/** Builds (or runs of an episode) in a row with the heap growing each time before it is an error. */
const MAX_REBUILDS = 5;

async function taskEnv(suite: string, taskId: number): Promise<TaskEnv> {
  const key = `${suite}/${taskId}`;
  if (current?.key === key && !heapGrew(current.heapMark)) return current.te;
  for (let build = 1; ; build++) {
    current?.te.dispose();
    current = null;
    // The mark is taken before building, so growth during the build counts too; building again then
    // reuses the memory the first build grew the heap by, so the second build normally does not grow it.
    const mark = await heapMark();
    const te = await makeTaskEnv(suite, taskId);
    current = { key, te, heapMark: mark };
    if (!heapGrew(mark)) return te;
    if (build === MAX_REBUILDS) throw new Error(`The WASM heap grew during ${MAX_REBUILDS} builds of the ${key} env in a row; giving up.`);
    if (process.env.SIMPLEVLA_DEBUG_HEAP) console.error(`heap grew while building ${key}; building again`);
  }
}

async function runEpisode(req: EpisodeRequest): Promise<EpisodeResponse> {
  for (let attempt = 1; ; attempt++) {
    const te = await taskEnv(req.suite, req.taskId);
    const run = expertRun(te, req);
    if (!heapGrew(current!.heapMark)) return response(req, run);
    if (attempt === MAX_REBUILDS) throw new Error(`The WASM heap grew during ${MAX_REBUILDS} runs of this episode in a row; giving up.`);
    if (process.env.SIMPLEVLA_DEBUG_HEAP) console.error(`heap grew during ${req.suite}/${req.taskId} ${req.candidate.index}/${req.candidate.attempt}; running it again`);
  }
}

function expertRun(te: TaskEnv, req: EpisodeRequest): DemoRun {
  const first = te.env.reset(te.initState("train", req.candidate.index));
  const ctx: ExpertContext = { sim: te.env.sim, robot: te.env.robot, style: drawStyle(seedrandom(String(req.seed))), gripper: OPEN };
  return runPlan(te.env, first, taskPlan(ctx, te.scene));
}

function response(req: EpisodeRequest, run: DemoRun): EpisodeResponse {
  const S = run.steps.length;
  const actions = new Float32Array(S * 7); // [S·7]
  const proprio = new Float64Array(S * PROPRIO_DIM); // [S·9]
  run.steps.forEach((step, s) => {
    actions.set(step.action, s * 7);
    proprio.set(step.obs.proprio, s * PROPRIO_DIM);
  });
  const images = new Uint8Array(run.success ? S * IMAGE_BYTES : 0); // [S·128·128·3]
  if (run.success) run.steps.forEach((step, s) => images.set(step.obs.image, s * IMAGE_BYTES));
  return { type: "episode", id: req.id, success: run.success, steps: S, images, actions, proprio };
}

// Requests are answered one at a time, in arrival order.
let queue = Promise.resolve();
port.on("message", (req: EpisodeRequest) => {
  queue = queue.then(async () => {
    let reply: DemoWorkerResponse;
    try {
      reply = await runEpisode(req);
    } catch (err) {
      const e = err as Error;
      reply = { type: "error", id: req.id, message: e.stack ?? e.message ?? String(err) };
    }
    const transfer = reply.type === "episode" ? [reply.images.buffer, reply.actions.buffer, reply.proprio.buffer] : [];
    port.postMessage(reply, transfer as ArrayBuffer[]);
  });
});
