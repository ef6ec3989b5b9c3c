/**
 * Entry of a demo worker thread: runs the scripted expert on the episodes `generate.ts` asks for and posts
 * each recorded episode back. The task env (`makeTaskEnv`, two MuJoCo instances) is kept for the worker's
 * later episodes of the same task; an episode depends only on its init state and sub-seed
 * (the env's reset leaves nothing of the previous episode), so which worker ran it does not matter.
 *
 * Start it with `spawnDemoWorker` (generate.ts), which loads tsx inside the thread first.
 */
import { parentPort } from "node:worker_threads";
import { demonstrate, type DemoRun } from "../../sim/expert/executor.ts";
import { IMAGE_BYTES, PROPRIO_DIM } from "../../sim/dataset/format.ts";
import { makeTaskEnv, type TaskEnv } from "../../sim/tasks/taskEnv.ts";
import type { DemoWorkerResponse, EpisodeRequest, EpisodeResponse } from "./protocol.ts";

const port = parentPort;
if (port === null) throw new Error("demoWorker.ts is a worker-thread entry; start it through ensureDemos, not directly.");

/**
 * The task env of the worker's current task; the scheduler keeps a worker on one task, so one env at a time
 * suffices. Building it (or anything else) may grow the WASM heap; nothing in sim/ keeps a view into the heap
 * across that (test/sim/heapGrowth.test.ts), so an env stays valid for as long as the task does.
 */
let current: { key: string; te: TaskEnv } | null = null;

async function taskEnv(suite: string, taskId: number, maxSteps: number): Promise<TaskEnv> {
  const key = `${suite}/${taskId}/${maxSteps}`;
  if (current?.key === key) return current.te;
  current?.te.dispose();
  current = null;
  current = { key, te: await makeTaskEnv(suite, taskId, { maxSteps }) };
  return current.te;
}

async function runEpisode(req: EpisodeRequest): Promise<EpisodeResponse> {
  return response(req, demonstrate(await taskEnv(req.suite, req.taskId, req.maxSteps), req.candidate.index, String(req.seed)));
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
