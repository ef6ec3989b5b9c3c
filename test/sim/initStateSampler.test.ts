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

  test("the bowl lies flat on the drawer's floor and the drawer stays open, on the train states that broke", () => {
    // The cabinet stands at 152–156°: a jitter over its site's world box put the bowl into the drawer's walls,
    // and a spawn 1.2 cm above the floor put its rim into the top plate. Then it settled tilted on a wall, left
    // the drawer, or pushed the drawer shut to q −0.09 (train states 10, 11, 12, 19, 28, 35, 38, 43).
    for (const i of [10, 11, 12, 19, 28, 35, 38, 43]) {
      te.env.reset(te.initState("train", i));
      expect(te.world.jointQ("wooden_cabinet_1_top_level"), `train ${i}`).toBeLessThan(-0.14);
      // resting on the top drawer's floor (1.0642): origin 1.6 mm below the bowl's bottom
      expect(te.world.bodyPos("akita_black_bowl_1")[2], `train ${i}`).toBeCloseTo(1.0626, 2);
    }
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

describe("fixture heights (LIBERO_ADDENDUM.md §4: workspace z + 0.01 − 0.05 + 0.06 for the shelf and the caddy)", () => {
  test("on the study table the shelf stands at 0.887 (workspace z 0.867, not the table's top 0.8851), its feet 2 mm up", async () => {
    const te = await makeTaskEnv("libero_90", 89);
    try {
      const state = te.initState("train", 0);
      const shelf = state.fixtures.find((f) => f.body === "wooden_two_layer_shelf_1")!;
      expect(shelf.pos[2]).toBeCloseTo(0.887, 6);
    } finally {
      te.dispose();
    }
  });

  test("on the kitchen table, whose top is its workspace z (0.90), the cabinet stands at 0.905", async () => {
    const te = await makeTaskEnv("libero_spatial", 4);
    try {
      const cabinet = te.initState("train", 0).fixtures.find((f) => f.body.includes("cabinet"))!;
      expect(cabinet.pos[2]).toBeCloseTo(0.905, 6);
    } finally {
      te.dispose();
    }
  });
});
