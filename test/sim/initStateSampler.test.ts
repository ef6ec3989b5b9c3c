import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { makeTaskEnv, type TaskEnv } from "../../sim/tasks/taskEnv.ts";
import { Simulation } from "../../sim/mujoco.ts";
import { robotTableSceneXml } from "../../sim/scenes/robotTable.ts";
import { evaluateGoal } from "../../sim/tasks/predicates.ts";

describe("init states of a LIBERO task (libero_spatial 4: the bowl starts in the open top drawer)", () => {
  let te: TaskEnv;
  beforeAll(async () => {
    te = await makeTaskEnv("libero_spatial", 4);
  });
  afterAll(() => te.dispose());

  test("the same identity gives the same state, from a fresh env too", async () => {
    const a = te.initState("train", 3);
    const other = await makeTaskEnv("libero_spatial", 4);
    const b = other.initState("train", 3);
    other.dispose();
    expect(Array.from(b.qpos)).toEqual(Array.from(a.qpos));
    expect(b.fixtures).toEqual(a.fixtures);
  });

  test("train and held-out states differ, and so do indices", () => {
    const t0 = te.initState("train", 0).qpos;
    const h0 = te.initState("heldout", 0).qpos;
    const t1 = te.initState("train", 1).qpos;
    expect(Array.from(t0)).not.toEqual(Array.from(h0));
    expect(Array.from(t0)).not.toEqual(Array.from(t1));
  });

  test("after reset the scene is at rest, the goal does not hold, and the drawer starts open (q < −0.14)", () => {
    te.env.reset(te.initState("train", 2));
    expect(evaluateGoal(te.task, te.world).success).toBe(false);
    expect(te.world.jointQ("wooden_cabinet_1_top_level")).toBeLessThan(-0.14);
    const bowl = te.world.bodyPos("akita_black_bowl_1");
    // the bowl rests in the drawer, above the table top (0.90)
    expect(bowl[2]).toBeGreaterThan(0.95);
  });

  test("a WASM heap that grows between draws does not change the states (no cached views)", async () => {
    te.initState("heldout", 7); // the sampler has drawn before the heap grows
    // compiling other models grows the heap, which detaches every typed-array view into it
    const big = await Simulation.fromXml(robotTableSceneXml());
    big.dispose();
    const fresh = await makeTaskEnv("libero_spatial", 4);
    const expected = fresh.initState("heldout", 8);
    fresh.dispose();
    expect(Array.from(te.initState("heldout", 8).qpos)).toEqual(Array.from(expected.qpos));
  });
});
