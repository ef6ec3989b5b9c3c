/**
 * `npm run bench -- sim`: physics and control throughput of the robot + free objects on a table, one core.
 *
 * Rows:
 * 1. raw physics, ours (mujoco-js, MuJoCo 3.3.8 WASM) vs native MuJoCo (Python bindings, whatever `pip install
 *    mujoco` gives: 3.14 here) stepping the very same exported MJCF from the same state with zero controls —
 *    like for like, no controller on either side;
 * 2. control steps/s with OSC_POSE (25 substeps each), with µs per substep split into physics and controller;
 * 3. the same plus one 128×128 agentview render per 8-step chunk (how rollouts run).
 * Targets (issue: simulator core): ours ≥ 0.7× native on raw physics; ≥ 800 control steps/s with OSC; ≥ 700
 * with rendering; robosuite/LIBERO users report 20–100 steps/s with rendering.
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Simulation } from "../sim/mujoco.ts";
import { robotTableSceneXml, robotInitState, DEFAULT_BOXES, type FreeBoxSpec } from "../sim/scenes/robotTable.ts";
import { PandaRobot } from "../sim/robot/pandaRobot.ts";
import { SUBSTEPS } from "../sim/physics.ts";
import { Renderer } from "../sim/render/rasterizer.ts";
import { machineLine, printTable } from "./lib/table.ts";

const quick = process.argv.includes("--quick");
const SECONDS = quick ? 1 : 4;

/** Four more boxes than the default scene: eight free objects resting on the table. */
const BOXES: FreeBoxSpec[] = [
  ...DEFAULT_BOXES,
  { name: "box_a", pos: [0.2, 0.2, 0.93], size: [0.02, 0.02, 0.02], rgba: [0.6, 0.2, 0.6, 1] },
  { name: "box_b", pos: [-0.15, -0.25, 0.93], size: [0.025, 0.02, 0.02], rgba: [0.9, 0.5, 0.1, 1] },
  { name: "box_c", pos: [0.0, 0.3, 0.93], size: [0.02, 0.02, 0.03], rgba: [0.1, 0.6, 0.6, 1] },
  { name: "box_d", pos: [0.25, -0.2, 0.93], size: [0.03, 0.03, 0.02], rgba: [0.5, 0.5, 0.5, 1] },
];

function rawOurs(sim: Simulation, qpos: Float64Array): { rate: number; ncon: number } {
  const { mj, model, data } = sim;
  const episode = () => {
    mj.mj_resetData(model, data);
    data.qpos.set(qpos);
    mj.mj_forward(model, data);
    let ncon = 0;
    for (let i = 0; i < 2000; i++) {
      mj.mj_step(model, data);
      ncon += data.ncon;
    }
    return ncon / 2000;
  };
  episode();
  let steps = 0;
  let nconSum = 0;
  let episodes = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) {
    nconSum += episode();
    steps += 2000;
    episodes++;
  }
  return { rate: steps / ((performance.now() - t0) / 1000), ncon: nconSum / episodes };
}

function native(xml: string, qpos: Float64Array): { version: string; rate: number; ncon: number } | string {
  const dir = mkdtempSync(join(tmpdir(), "simbench-"));
  try {
    const path = join(dir, "scene.xml");
    writeFileSync(path, xml);
    const script = join(dirname(fileURLToPath(import.meta.url)), "native", "mujoco_step.py");
    const r = spawnSync("python3", [script, path, JSON.stringify(Array.from(qpos)), String(SECONDS)], { encoding: "utf8" });
    if (r.status !== 0) return `not measured (python3 + mujoco unavailable: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()}; pip install mujoco)`;
    const j = JSON.parse(r.stdout.trim().split("\n").pop()!);
    return { version: j.version, rate: j.substeps_per_s, ncon: j.ncon_mean };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Control steps with OSC, optionally one render per 8 steps; returns steps/s and µs per substep split. */
function controlled(sim: Simulation, robot: PandaRobot, qpos: Float64Array, renderer: Renderer | null) {
  const { mj, model, data } = sim;
  // A fixed, repeating action pattern that sweeps the TCP around over the table.
  const actions = [[0.5, 0, -0.3, 0, 0, 0.1, -1], [0, 0.5, 0, 0.1, 0, 0, 1], [-0.5, 0, 0.3, 0, 0, -0.1, 1], [0, -0.5, 0, -0.1, 0, 0, -1]];
  let oscMs = 0;
  let steps = 0;
  const image = new Uint8Array(128 * 128 * 3);
  const episode = () => {
    mj.mj_resetData(model, data);
    data.qpos.set(qpos);
    mj.mj_forward(model, data);
    robot.resetController();
    for (let t = 0; t < 80; t++) {
      const a = actions[Math.floor(t / 20) % 4];
      // robot.step, instrumented: the same calls, with the controller's share timed
      for (let k = 0; k < SUBSTEPS; k++) {
        mj.mj_step1(model, data);
        const c0 = performance.now();
        if (k === 0) robot.osc.setGoal(a);
        robot.osc.computeTorques();
        robot.gripper.integrate(a[6]);
        oscMs += performance.now() - c0;
        mj.mj_step2(model, data);
      }
      steps++;
      if (renderer && t % 8 === 7) renderer.render("agentview", image);
    }
  };
  episode();
  oscMs = 0;
  steps = 0;
  const t0 = performance.now();
  while (performance.now() - t0 < SECONDS * 1000) episode();
  const totalMs = performance.now() - t0;
  const substeps = steps * SUBSTEPS;
  return { stepsPerS: steps / (totalMs / 1000), usPerSubstep: (totalMs * 1000) / substeps, oscUs: (oscMs * 1000) / substeps };
}

console.log(machineLine());
const xml = robotTableSceneXml(BOXES);
const sim = await Simulation.fromXml(xml);
const qpos = robotInitState(sim).qpos;
const ours = rawOurs(sim, qpos);
const nat = native(xml, qpos);
const robot = new PandaRobot(sim);
const osc = controlled(sim, robot, qpos, null);
const renderer = new Renderer(sim, { width: 128, height: 128 });
const withRender = controlled(sim, robot, qpos, renderer);

const rows: (string | number)[][] = [
  ["raw physics, ours (mujoco-js 3.3.8 WASM)", ours.rate, 1e6 / ours.rate, "—", ours.ncon],
];
const notes: string[] = [
  `Scene: Panda on its mount + ${BOXES.length} free boxes on LIBERO's main table (nq ${sim.model.nq}, nv ${sim.model.nv}, ${sim.model.ngeom} geoms), timestep 0.002, elliptic cones, impratio 20, Euler; one core. Raw rows: ${SECONDS} s of 2000-substep episodes from the same state with zero controls.`,
];
if (typeof nat === "string") {
  notes.push(`native MuJoCo: ${nat}`);
} else {
  rows.push([`raw physics, native MuJoCo ${nat.version} (Python)`, nat.rate, 1e6 / nat.rate, "—", nat.ncon]);
  notes.push(`ours / native on raw physics: ${(ours.rate / nat.rate).toFixed(2)}× (target ≥ 0.7×; versions differ: WASM 3.3.8 vs native ${nat.version}).`);
}
rows.push(
  ["OSC_POSE control steps (25 substeps each)", osc.stepsPerS * SUBSTEPS, osc.usPerSubstep, osc.oscUs, "—"],
  ["OSC + one 128×128 render per 8-step chunk", withRender.stepsPerS * SUBSTEPS, withRender.usPerSubstep, withRender.oscUs, "—"],
);
printTable(
  "sim: physics and control throughput, one core",
  ["what", "substeps/s", "µs/substep", "controller µs/substep", "mean contacts"],
  rows,
  [
    ...notes,
    `Control steps/s: ${osc.stepsPerS.toFixed(0)} with OSC (target ≥ 800), ${withRender.stepsPerS.toFixed(0)} with rendering (target ≥ 700); robosuite/LIBERO users report 20–100 steps/s with rendering.`,
  ],
);
renderer.dispose();
robot.dispose();
sim.dispose();
