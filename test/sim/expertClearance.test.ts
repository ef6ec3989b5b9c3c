import { afterAll, beforeAll, describe, expect, test } from "vitest";
import { Simulation } from "../../sim/mujoco.ts";
import { bodyFootprint, gripperFootprints, highestTop, rootsOf, sweptClearance, type Footprint } from "../../sim/expert/clearance.ts";

// A 10 × 10 × 20 cm block at the origin, a 10 cm cube turned 45° at x = 1, and a free box (4 × 6 × 4 cm,
// its geom 1 cm off its body origin along x) at x = 0.3.
const XML = `<mujoco><default><geom conaffinity="3"/></default><worldbody>
  <geom name="floor" type="plane" size="2 2 0.1"/>
  <geom name="block" type="box" pos="0 0 0.1" size="0.05 0.05 0.1"/>
  <geom name="diamond" type="box" pos="1 0 0.05" euler="0 0 45" size="0.05 0.05 0.05"/>
  <body name="obj" pos="0.3 0 0.02"><freejoint/><geom type="box" pos="0.01 0 0" size="0.02 0.03 0.02"/></body>
</worldbody></mujoco>`;

/** A 2 mm square at (x, y) with its lowest point at z. */
const dot = (x: number, y: number, z = 0): Footprint => ({ centre: [x, y], yaw: 0, halfAlong: 0.001, halfAcross: 0.001, floor: z });

describe("clearance of a downward sweep", () => {
  let sim: Simulation;
  const none = new Set<number>();
  beforeAll(async () => {
    sim = await Simulation.fromXml(XML);
    sim.mj.mj_forward(sim.model, sim.data);
  });
  afterAll(() => sim.dispose());

  test("gap to an upright box is the distance between the facing sides", () => {
    // block's side at x = 0.05; the dot's side at 0.15 − 0.001
    expect(sweptClearance(sim, [dot(0.15, 0.5)], new Set(rootsOf(sim, ["obj"])))).toBeCloseTo(0.1, 6);
  });

  test("a box turned 45° is as far as its corner: d − 0.05·√2 along x (gaps are reported up to 0.1 m)", () => {
    // the dot 0.1 m beyond the diamond's centre on its x axis; the corner reaches 0.0707 m toward it
    expect(sweptClearance(sim, [dot(1.1, 0)], none)).toBeCloseTo(0.1 - 0.05 * Math.SQRT2 - 0.001, 6);
  });

  test("geoms whose top is below the sweep's lowest point, planes and ignored bodies do not count", () => {
    // over the block but above its top (0.2 m): nothing in the way
    expect(sweptClearance(sim, [dot(0, 0, 0.21)], none)).toBe(0.1);
    // over the free box: in the way, unless its body is ignored
    expect(sweptClearance(sim, [dot(0.31, 0, 0.01)], none)).toBeLessThan(0);
    expect(sweptClearance(sim, [dot(0.31, 0, 0.01)], rootsOf(sim, ["obj"]))).toBe(0.1);
  });

  test("the open gripper straddling a 4 cm box clears it by 0.04 − 0.02 in front of each finger", () => {
    // fingers 0.040…0.056 m out along the closing axis (x); the free box spans x 0.29…0.33 around its geom
    const fingers = gripperFootprints([0.31, 0, 0.03], 0).slice(0, 2);
    expect(sweptClearance(sim, fingers, none)).toBeCloseTo(0.04 - 0.02, 6);
  });

  test("highestTop finds the tallest geom under a footprint, −Infinity over empty floor", () => {
    const wide: Footprint = { centre: [0.15, 0], yaw: 0, halfAlong: 0.2, halfAcross: 0.01, floor: -Infinity };
    expect(highestTop(sim, [wide], none)).toBeCloseTo(0.2, 6); // the block, not the free box (top 0.04)
    expect(highestTop(sim, [dot(0.6, 0.6)], none)).toBe(-Infinity);
  });

  test("bodyFootprint is the rectangle around a body's geoms, relative to its origin", () => {
    const f = bodyFootprint(sim, "obj");
    expect(f.offset[0]).toBeCloseTo(0.01, 6);
    expect(f.offset[1]).toBeCloseTo(0, 6);
    expect(f.half[0]).toBeCloseTo(0.02, 6);
    expect(f.half[1]).toBeCloseTo(0.03, 6);
  });
});
