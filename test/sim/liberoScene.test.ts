/**
 * buildTaskScene over all 130 LIBERO tasks: every scene compiles in mujoco-js and holds what the rest of
 * sim/ looks up by name (bodies, free joints, fixture joints, the region sites the goal uses, the agentview
 * camera), with the robot base and camera of its scene family (LIBERO.md §3–§4).
 */
import { beforeAll, describe, expect, it } from "vitest";
import { getMujoco, Simulation, type Mujoco } from "../../sim/mujoco.ts";
import { objectModel } from "../../sim/objects/registry.ts";
import { Renderer } from "../../sim/render/rasterizer.ts";
import { SCENE_FAMILIES } from "../../sim/fixtures/tables.ts";
import { AGENTVIEW, buildTaskScene, ZONE_HALF_HEIGHT } from "../../sim/scenes/liberoScene.ts";
import { resolveRegion, SUPPORT_CATEGORIES } from "../../sim/tasks/naming.ts";
import { allTasks, getTask } from "../../sim/tasks/registry.ts";
import type { TaskSpec } from "../../sim/tasks/types.ts";

let mj: Mujoco;
beforeAll(async () => {
  mj = await getMujoco();
});

/** The region sites a task's goal atoms name (On/In second arguments that are regions). */
function goalSites(task: TaskSpec): string[] {
  return task.goal.flatMap((a) => a.args.map((arg) => resolveRegion(task, arg)?.site).filter((s): s is string => s !== undefined));
}

const TASKS = allTasks().map((t) => [`${t.suite} ${t.id} ${t.name}`, t] as const);

describe("buildTaskScene", () => {
  it.each(TASKS)("%s compiles with a body per object and fixture, its joints, the goal's sites and the agentview", (_, task) => {
    const scene = buildTaskScene(task);
    const sim = new Simulation(mj, scene.xml);
    try {
      for (const instance of [...Object.keys(task.objects), ...Object.keys(task.fixtures)]) sim.id("body", instance);
      for (const o of scene.objects) sim.id("joint", o.freeJoint);
      for (const f of scene.fixtures) for (const j of f.joints) sim.id("joint", j);
      for (const site of goalSites(task)) sim.id("site", site);
      sim.id("camera", AGENTVIEW);
    } finally {
      sim.dispose();
    }
  });

  it("lists objects and fixtures in BDDL order (LIBERO's qpos order), the table or floor left out of fixtures", () => {
    const task = getTask("libero_spatial", 0);
    const scene = buildTaskScene(task);
    expect(scene.objects.map((o) => o.instance)).toEqual(Object.keys(task.objects));
    expect(scene.fixtures.map((f) => f.instance)).toEqual(["wooden_cabinet_1", "flat_stove_1"]);
    expect(scene.fixtures[0].joints).toEqual(["wooden_cabinet_1_top_level", "wooden_cabinet_1_middle_level", "wooden_cabinet_1_bottom_level"]);
    expect(scene.fixtures[1].joints).toEqual(["flat_stove_1_button"]);
    expect(scene.fixtures.some((f) => SUPPORT_CATEGORIES.includes(f.category))).toBe(false);
  });

  it("fills every placed object's offsets and grasp hint from its model", () => {
    for (const task of [getTask("libero_object", 0), getTask("libero_10", 2), getTask("libero_90", 80)]) {
      for (const o of buildTaskScene(task).objects) {
        const m = objectModel(o.category);
        expect(o).toMatchObject({ body: o.instance, freeJoint: `${o.instance}_joint`, bottomOffset: m.bottomOffset, topOffset: m.topOffset, horizontalRadius: m.horizontalRadius });
        expect(o.grasp?.width).toBeGreaterThan(0);
        expect(o.grasp?.width).toBeLessThanOrEqual(0.08);
      }
    }
  });

  it.each([
    ["libero_spatial", 0, "main_table"],
    ["libero_object", 0, "floor"],
    ["libero_10", 0, "living_room_table"],
    ["libero_10", 2, "kitchen_table"],
    ["libero_10", 5, "study_table"],
  ] as const)("%s %i: robot base, mount and agentview camera of the %s family", (suite, id, family) => {
    const scene = buildTaskScene(getTask(suite, id));
    const spec = SCENE_FAMILIES[family];
    const sim = new Simulation(mj, scene.xml);
    try {
      mj.mj_forward(sim.model, sim.data);
      const base = sim.id("body", "robot0_base");
      expect(Array.from((sim.data.xpos as Float64Array).slice(3 * base, 3 * base + 3))).toEqual(spec.robotBase);
      const hasMount = (() => {
        try {
          sim.id("geom", "robot0_mount");
          return true;
        } catch {
          return false;
        }
      })();
      expect(hasMount).toBe(spec.mount);
      const cam = sim.id("camera", AGENTVIEW);
      const camPos = Array.from((sim.data.cam_xpos as Float64Array).slice(3 * cam, 3 * cam + 3));
      camPos.forEach((v, i) => expect(v).toBeCloseTo(spec.camera.pos[i], 6));
      expect((sim.model.cam_fovy as Float64Array)[cam]).toBe(45);
      expect(scene.workspaceOffset).toEqual(spec.workspaceOffset);
      expect(scene.supportZ).toBe(spec.supportZ);
    } finally {
      sim.dispose();
    }
  });

  it("table zones are sites at the range centre plus the workspace offset, half-size (w/2, h/2, 0.007), at LIBERO's zone height", () => {
    // libero_10 task 5 (STUDY_SCENE1): the study's workspace offset is (−0.2, 0, 0.867).
    const task = getTask("libero_10", 5);
    const zone = task.regions.find((r) => r.target === "study_table" && r.ranges.length > 0)!;
    const [x0, y0, x1, y1] = zone.ranges[0];
    const sim = new Simulation(mj, buildTaskScene(task).xml);
    try {
      mj.mj_forward(sim.model, sim.data);
      const id = sim.id("site", `study_table_${zone.name}`);
      const pos = Array.from((sim.data.site_xpos as Float64Array).slice(3 * id, 3 * id + 3));
      [(x0 + x1) / 2 - 0.2, (y0 + y1) / 2, 0.867].forEach((v, i) => expect(pos[i]).toBeCloseTo(v, 9));
      const size = Array.from((sim.model.site_size as Float64Array).slice(3 * id, 3 * id + 3));
      [(x1 - x0) / 2, (y1 - y0) / 2, ZONE_HALF_HEIGHT].forEach((v, i) => expect(size[i]).toBeCloseTo(v, 9));
    } finally {
      sim.dispose();
    }
  });

  it("fixtures stand at LIBERO's height: cabinet and stove 0.905, wine rack 0.92 on the 0.90 table (LIBERO_ADDENDUM.md §4)", () => {
    const sim = new Simulation(mj, buildTaskScene(getTask("libero_goal", 0)).xml);
    try {
      mj.mj_forward(sim.model, sim.data);
      const z = (b: string) => (sim.data.xpos as Float64Array)[3 * sim.id("body", b) + 2];
      expect(z("wooden_cabinet_1")).toBeCloseTo(0.905, 9);
      expect(z("flat_stove_1")).toBeCloseTo(0.905, 9);
      expect(z("wine_rack_1")).toBeCloseTo(0.92, 9);
      // the stove's cook_region centre 0.905 and the cabinet's top plate 1.128, as LIBERO's derived heights
      expect((sim.data.site_xpos as Float64Array)[3 * sim.id("site", "flat_stove_1_cook_region") + 2]).toBeCloseTo(0.905, 6);
      expect((sim.data.site_xpos as Float64Array)[3 * sim.id("site", "wooden_cabinet_1_top_side") + 2] + 0.00147).toBeCloseTo(1.128, 3);
    } finally {
      sim.dispose();
    }
  });

  it("a libero_spatial scene settles: after 0.5 s with the arm held no object has moved more than 2 cm", () => {
    const task = getTask("libero_spatial", 4); // a bowl in the top drawer, another on the cabinet
    const scene = buildTaskScene(task);
    const sim = new Simulation(mj, scene.xml);
    try {
      mj.mj_forward(sim.model, sim.data);
      const xpos = () => sim.data.xpos as Float64Array;
      const start = scene.objects.map((o) => Array.from(xpos().slice(3 * sim.id("body", o.body), 3 * sim.id("body", o.body) + 3)));
      // gravity compensation is the controller's job; here the arm's joints are simply frozen
      const m = sim.model as unknown as Record<string, Int32Array>;
      const armDofs = [1, 2, 3, 4, 5, 6, 7].map((i) => m.jnt_dofadr[sim.id("joint", `robot0_joint${i}`)]);
      const armQpos = [1, 2, 3, 4, 5, 6, 7].map((i) => m.jnt_qposadr[sim.id("joint", `robot0_joint${i}`)]);
      const q0 = armQpos.map((a) => (sim.data.qpos as Float64Array)[a]);
      for (let k = 0; k < 250; k++) {
        armQpos.forEach((a, i) => ((sim.data.qpos as Float64Array)[a] = q0[i]));
        armDofs.forEach((d) => ((sim.data.qvel as Float64Array)[d] = 0));
        mj.mj_step(sim.model, sim.data);
      }
      scene.objects.forEach((o, k) => {
        const p = xpos().slice(3 * sim.id("body", o.body), 3 * sim.id("body", o.body) + 3);
        expect(Math.hypot(p[0] - start[k][0], p[1] - start[k][1], p[2] - start[k][2]), o.instance).toBeLessThan(0.02);
      });
    } finally {
      sim.dispose();
    }
  });

  it("objects start at their category's LIBERO yaw: KITCHEN_SCENE3's frypan at 90°, its moka pot at 180°", () => {
    const scene = buildTaskScene(getTask("libero_10", 2));
    const sim = new Simulation(mj, scene.xml);
    try {
      const m = sim.model as unknown as Record<string, ArrayLike<number>>;
      const yawOf = (joint: string) => {
        const a = m.jnt_qposadr[sim.id("joint", joint)];
        return 2 * Math.atan2(m.qpos0[a + 6], m.qpos0[a + 3]);
      };
      expect(yawOf("chefmate_8_frypan_1_joint")).toBeCloseTo(Math.PI / 2, 9);
      expect(Math.abs(yawOf("moka_pot_1_joint"))).toBeCloseTo(Math.PI, 9);
    } finally {
      sim.dispose();
    }
  });

  it.each([
    ["libero_spatial", 0],
    ["libero_object", 0],
    ["libero_goal", 0],
    ["libero_10", 0],
    ["libero_10", 5],
    ["libero_90", 40],
  ] as const)("%s %i: every object and fixture is seen by the 128×128 agentview at the default poses", (suite, id) => {
    const scene = buildTaskScene(getTask(suite, id));
    const sim = new Simulation(mj, scene.xml);
    const renderer = new Renderer(sim);
    try {
      mj.mj_forward(sim.model, sim.data);
      const ids = renderer.segmentation(AGENTVIEW);
      const m = sim.model as unknown as Record<string, Int32Array>;
      const pixels = new Map<number, number>();
      for (const g of ids) if (g >= 0) pixels.set(m.geom_bodyid[g], (pixels.get(m.geom_bodyid[g]) ?? 0) + 1);
      // a body's pixels include those of its child bodies (drawers, burner, door)
      const seen = (body: number): number => {
        let n = pixels.get(body) ?? 0;
        for (let b = 0; b < sim.model.nbody; b++) if (b !== body && m.body_parentid[b] === body) n += seen(b);
        return n;
      };
      for (const thing of [...scene.objects, ...scene.fixtures]) expect(seen(sim.id("body", thing.body)), thing.instance).toBeGreaterThanOrEqual(4);
    } finally {
      renderer.dispose();
      sim.dispose();
    }
  });

  it("a task whose region belongs to an undeclared target (libero_goal's bowl_drainer_1) builds without that site", () => {
    const task = getTask("libero_goal", 0);
    expect(task.regions.some((r) => r.target === "bowl_drainer_1")).toBe(true);
    expect(buildTaskScene(task).xml).not.toContain("bowl_drainer_1");
  });
});
