/**
 * Growing the WASM heap detaches every typed-array view into it. Everything in sim/ that reads MuJoCo's
 * arrays must therefore fetch them again (LiveView in sim/mujoco.ts) rather than keep a view from
 * construction: this test grows the heap in the middle of LIBERO task episodes — between building an env and
 * drawing its init state, mid-episode, and in the middle of a scripted-expert demonstration — and requires
 * bit-identical observations, success flags and states to the same episodes run without growth. The env
 * and demo workers host several MuJoCo instances per thread and rely on this.
 */
import seedrandom from "seedrandom";
import { afterAll, describe, expect, test } from "vitest";
import { getMujoco, growWasmHeap } from "../../sim/mujoco.ts";
import { makeTaskEnv, type TaskEnv } from "../../sim/tasks/taskEnv.ts";
import { demonstrate } from "../../sim/expert/executor.ts";

/** Grows the heap (sim/mujoco.ts growWasmHeap) and checks that it took at least one block. */
async function growHeap(): Promise<void> {
  expect(growWasmHeap(await getMujoco())).toBeGreaterThan(0);
}

/** A digest of everything an episode returns: per chunk the image bytes, proprio, success and done, and the final qpos. */
async function policyEpisode(te: TaskEnv, growAt: Set<string>): Promise<string> {
  if (growAt.has("beforeInitState")) await growHeap();
  const init = te.initState("heldout", 7);
  let obs = te.env.reset(init);
  const rng = seedrandom("heap-growth");
  const parts: string[] = [hash(obs.image), Array.from(obs.proprio).join(",")];
  for (let chunk = 0; chunk < 6; chunk++) {
    if (growAt.has(`chunk${chunk}`)) await growHeap();
    const actions = Float32Array.from({ length: 56 }, (_, i) => (i % 7 === 6 ? (chunk < 3 ? -1 : 1) : 2 * rng() - 1));
    const r = te.env.stepChunk(actions);
    obs = r.obs;
    parts.push(hash(obs.image), Array.from(obs.proprio).join(","), String(r.success), String(r.done));
  }
  parts.push(Array.from(te.env.sim.data.qpos).join(","));
  return parts.join("|");
}

function hash(bytes: Uint8Array): string {
  let h = 2166136261;
  for (let i = 0; i < bytes.length; i++) h = Math.imul(h ^ bytes[i], 16777619);
  return (h >>> 0).toString(16);
}

const built: TaskEnv[] = [];
afterAll(() => {
  for (const te of built) te.dispose();
});

describe("a growing WASM heap changes nothing", () => {
  // one task per scene family and fixture kind: kitchen with stove and cabinet, living room with basket,
  // study with caddy, kitchen with microwave
  const tasks: [string, number][] = [["libero_goal", 2], ["libero_object", 0], ["libero_10", 2], ["libero_10", 5]];
  for (const [suite, taskId] of tasks) {
    test(`${suite} task ${taskId}: init state, observations and success with the heap grown before the draw and mid-episode`, async () => {
      const grown = await makeTaskEnv(suite, taskId);
      built.push(grown);
      const withGrowth = await policyEpisode(grown, new Set(["beforeInitState", "chunk2", "chunk4"]));
      // a second env built after all that growth, run without any
      const fresh = await makeTaskEnv(suite, taskId);
      built.push(fresh);
      expect(await policyEpisode(fresh, new Set())).toBe(withGrowth);
    }, 60_000);
  }

  test("a scripted-expert demonstration (libero_spatial task 0) is the same when the heap grows halfway", async () => {
    const run = async (growAtStep: number | null) => {
      const te = await makeTaskEnv("libero_spatial", 0);
      built.push(te);
      const step = te.env.step.bind(te.env);
      let n = 0;
      const mj = await getMujoco();
      let blocks = 0;
      // the expert drives env.step itself; grow the heap from inside its loop
      te.env.step = (action) => {
        if (n++ === growAtStep) blocks = growWasmHeap(mj);
        return step(action);
      };
      const demo = demonstrate(te, 0, "7");
      if (growAtStep !== null) expect(blocks).toBeGreaterThan(0);
      return [demo.success, demo.steps.length, ...demo.steps.map((s) => `${Array.from(s.action).join(",")}:${hash(s.obs.image)}`)].join("|");
    };
    const grown = await run(40);
    expect(await run(null)).toBe(grown);
  }, 120_000);
});
