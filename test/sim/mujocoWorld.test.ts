import { afterAll, beforeAll, expect, test } from "vitest";
import { Simulation } from "../../sim/mujoco.ts";
import { robotTableSceneXml } from "../../sim/scenes/robotTable.ts";
import { MujocoWorld } from "../../sim/tasks/mujocoWorld.ts";
import { contactSensorName, withContactSensors } from "../../sim/tasks/contactSensors.ts";

let withSensors: Simulation;
let plain: Simulation;

beforeAll(async () => {
  const xml = robotTableSceneXml();
  plain = await Simulation.fromXml(xml);
  withSensors = await Simulation.fromXml(withContactSensors(xml, [["box_red", "main_table"], ["box_red", "box_green"]]));
  for (const s of [plain, withSensors]) for (let i = 0; i < 300; i++) s.mj.mj_step(s.model, s.data);
});
afterAll(() => {
  plain.dispose();
  withSensors.dispose();
});

test("contact sensors and the contact-list scan agree: a resting box touches the table, not another box", () => {
  const fast = new MujocoWorld(withSensors);
  const slow = new MujocoWorld(plain);
  for (const w of [fast, slow]) {
    expect(w.inContact("box_red", "main_table")).toBe(true);
    expect(w.inContact("main_table", "box_red")).toBe(true);
    expect(w.inContact("box_red", "box_green")).toBe(false);
  }
  // no sensor for this pair: falls back to the scan, still right
  expect(fast.inContact("box_blue", "main_table")).toBe(true);
});

test("sensor names are order-independent", () => {
  expect(contactSensorName("b", "a")).toBe(contactSensorName("a", "b"));
});

test("bodyPos, siteFrame and jointQ read MuJoCo's state", () => {
  const w = new MujocoWorld(plain);
  const p = w.bodyPos("box_red");
  expect(p[2]).toBeGreaterThan(0.9);
  expect(p[2]).toBeLessThan(0.93);
  const site = w.siteFrame("gripper0_grip_site");
  expect(site.mat.length).toBe(9);
  expect(w.jointQ("robot0_joint1")).toBeCloseTo(plain.data.qpos[0], 12);
  expect(() => w.bodyPos("nope")).toThrow(/no body named 'nope'/);
});

test("scanning the contact list frees what mujoco-js allocates: the WASM heap does not grow", () => {
  const w = new MujocoWorld(plain);
  const heapBytes = () => (plain.data.qpos as Float64Array).buffer.byteLength;
  w.inContact("box_red", "main_table"); // first scan: allocator warm
  const before = heapBytes();
  for (let i = 0; i < 3000; i++) {
    // a new simulation time forces a fresh scan each time
    plain.data.time += 1e-6;
    w.inContact("box_blue", "main_table");
  }
  expect(heapBytes()).toBe(before);
});
