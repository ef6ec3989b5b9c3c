/**
 * `npm run bench -- osc`: our OSC_POSE (sim/control/osc.ts, mujoco-js WASM) against an independent float64
 * reference of robosuite 1.4's OSC_POSE on native MuJoCo (benchmarks/native/osc_reference.py), both driving
 * the very same exported robot-table MJCF from the same initial state through the issue's action sequences.
 *
 * Table 1: for each sequence, the TCP's final displacement along the commanded axis, the largest drift on the
 * other axes, and the rotation drift, ours and the reference's, plus the largest gap between the two
 * trajectories over all env steps. Agreement means our controller is robosuite's formula; any drift left
 * in both is the formula's (on this model), not a bug of ours.
 * Table 2: the reference alone on model and controller variants, to locate where the drift comes from:
 * no gravity, no arm frictionloss, no arm armature, and `uncouple_pos_ori` false.
 * Needs python3 with numpy and mujoco (`pip install mujoco`).
 */
import { spawnSync } from "node:child_process";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { Simulation } from "../sim/mujoco.ts";
import { robotTableSceneXml, robotInitState } from "../sim/scenes/robotTable.ts";
import { PandaRobot } from "../sim/robot/pandaRobot.ts";
import { matMul3, matToAxisAngle } from "../sim/math.ts";
import { machineLine, printTable } from "./lib/table.ts";

type Row = number[]; // [x, y, z (m), rx, ry, rz (rad, world-frame rotation since the start)]

/** A named episode: actions from init_qpos, or from init_qpos + `armOffset` (rad) like a LIBERO init state. */
interface Sequence { actions: number[][]; arm_offset?: number[] }

/**
 * The issue's sequences (20 steps of ±1 per translation axis, 10 of +1 per rotation axis, 100 zero steps), a
 * mixed one, and zero actions from a perturbed start (where the held orientation goal is init_qpos's).
 */
function sequences(): Record<string, Sequence> {
  const s: Record<string, number[][]> = {};
  for (const axis of [0, 1, 2]) {
    for (const sign of [1, -1]) {
      const a = [0, 0, 0, 0, 0, 0, 0];
      a[axis] = sign;
      s[`${sign > 0 ? "+" : "-"}${"xyz"[axis]} x20`] = Array(20).fill(a);
    }
  }
  for (const axis of [0, 1, 2]) {
    const a = [0, 0, 0, 0, 0, 0, 0];
    a[3 + axis] = 1;
    s[`+r${"xyz"[axis]} x10`] = Array(10).fill(a);
  }
  s["zero x100"] = Array(100).fill([0, 0, 0, 0, 0, 0, 0]);
  // Smooth, deterministic, all seven dims at once, the gripper closing and opening.
  s["mixed x40"] = Array.from({ length: 40 }, (_, t) => [
    0.8 * Math.sin(0.7 * t), 0.8 * Math.cos(0.5 * t), 0.6 * Math.sin(0.3 * t + 1),
    0.3 * Math.sin(0.9 * t), 0.3 * Math.cos(1.1 * t), 0.3 * Math.sin(0.4 * t), t % 16 < 8 ? 1 : -1,
  ]);
  const out: Record<string, Sequence> = Object.fromEntries(Object.entries(s).map(([k, actions]) => [k, { actions }]));
  out["zero x20, perturbed start"] = { actions: s["zero x100"].slice(0, 20), arm_offset: [0.03, -0.02, 0.025, 0.02, -0.03, 0.02, -0.025] };
  return out;
}

function oursTrace(sim: Simulation, robot: PandaRobot, { actions, arm_offset }: Sequence): Row[] {
  const { mj, model, data } = sim;
  mj.mj_resetData(model, data);
  data.qpos.set(robotInitState(sim).qpos);
  if (arm_offset) robot.armQposAdr.forEach((adr, i) => (data.qpos[adr] += arm_offset[i]));
  mj.mj_forward(model, data);
  robot.resetController();
  const r0 = robot.tcpMat();
  const r0T = [r0[0], r0[3], r0[6], r0[1], r0[4], r0[7], r0[2], r0[5], r0[8]];
  const row = (): Row => {
    mj.mj_forward(model, data);
    return [...robot.tcpPos(), ...matToAxisAngle(matMul3(robot.tcpMat(), r0T))];
  };
  const trace = [row()];
  for (const a of actions) {
    robot.step(a);
    trace.push(row());
  }
  return trace;
}

interface Reference { version: string; traces: Record<string, Row[]> }

function reference(xmlPath: string, seqPath: string, extra: string[]): Reference | string {
  const script = join(dirname(fileURLToPath(import.meta.url)), "native", "osc_reference.py");
  const r = spawnSync("python3", [script, xmlPath, "--sequences", seqPath, ...extra], { encoding: "utf8", maxBuffer: 64 << 20 });
  if (r.status !== 0) return `not measured (python3 + numpy + mujoco needed: ${(r.stderr || r.error?.message || "").trim().split("\n").pop()})`;
  return JSON.parse(r.stdout.trim().split("\n").pop()!);
}

/** Commanded axis (0–2 translation, 3–5 rotation) of a single-axis sequence, or −1. */
function commandedAxis(actions: number[][]): number {
  const a = actions[0];
  const nz = a.slice(0, 6).map((x, i) => (x !== 0 ? i : -1)).filter((i) => i >= 0);
  return nz.length === 1 && actions.every((b) => b.every((x, i) => x === a[i])) ? nz[0] : -1;
}

/** Along-axis motion, largest off-axis drift and rotation drift of a trace's last row. */
function summary(trace: Row[], axis: number): { along: number; off: number; rot: number } {
  const first = trace[0];
  const last = trace[trace.length - 1];
  const dp = [0, 1, 2].map((k) => last[k] - first[k]);
  const rv = last.slice(3, 6);
  if (axis >= 3) {
    const r = axis - 3;
    return { along: rv[r], off: Math.max(...[0, 1, 2].filter((k) => k !== r).map((k) => Math.abs(rv[k]))), rot: Math.hypot(...dp) };
  }
  if (axis < 0) return { along: NaN, off: Math.hypot(...dp), rot: Math.hypot(...rv) };
  return { along: dp[axis], off: Math.max(...[0, 1, 2].filter((k) => k !== axis).map((k) => Math.abs(dp[k]))), rot: Math.hypot(...rv) };
}

/** Largest gap between two traces over all steps: position (m) and rotation-vector (rad). */
function gap(a: Row[], b: Row[]): { pos: number; rot: number } {
  let pos = 0;
  let rot = 0;
  for (let t = 0; t < a.length; t++) {
    pos = Math.max(pos, Math.hypot(a[t][0] - b[t][0], a[t][1] - b[t][1], a[t][2] - b[t][2]));
    rot = Math.max(rot, Math.hypot(a[t][3] - b[t][3], a[t][4] - b[t][4], a[t][5] - b[t][5]));
  }
  return { pos, rot };
}

const mm = (x: number) => (Number.isNaN(x) ? "—" : (x * 1000).toFixed(1));
const mrad = (x: number) => (Number.isNaN(x) ? "—" : (x * 1000).toFixed(0));
const sci = (x: number) => x.toExponential(1);
/** along/off/rot in the units of the sequence's kind: mm for translation, mrad for rotation, swapped for rot rows */
const cellsOf = (s: { along: number; off: number; rot: number }, axis: number) =>
  axis >= 3 ? [mrad(s.along), mrad(s.off), mm(s.rot)] : [mm(s.along), mm(s.off), mrad(s.rot)];

console.log(machineLine());
const xml = robotTableSceneXml();
const seqs = sequences();
const sim = await Simulation.fromXml(xml);
const robot = new PandaRobot(sim);
const ours: Record<string, Row[]> = {};
for (const [name, seq] of Object.entries(seqs)) ours[name] = oursTrace(sim, robot, seq);
robot.dispose();
sim.dispose();

const dir = mkdtempSync(join(tmpdir(), "oscbench-"));
try {
  const xmlPath = join(dir, "robot_table.xml");
  const seqPath = join(dir, "sequences.json");
  writeFileSync(xmlPath, xml);
  writeFileSync(seqPath, JSON.stringify(seqs));
  const ref = reference(xmlPath, seqPath, []);
  if (typeof ref === "string") {
    console.log(`reference: ${ref}`);
    process.exit(1);
  }

  const rows = Object.entries(seqs).map(([name, { actions }]) => {
    const axis = commandedAxis(actions);
    const g = gap(ours[name], ref.traces[name]);
    return [name, ...cellsOf(summary(ours[name], axis), axis), ...cellsOf(summary(ref.traces[name], axis), axis), sci(g.pos), sci(g.rot)];
  });
  printTable(
    "osc: ours (mujoco-js 3.3.8) vs robosuite-1.4 OSC_POSE reference (native MuJoCo " + ref.version + ")",
    ["sequence", "ours along", "ours off-axis", "ours rot drift", "ref along", "ref off-axis", "ref rot drift", "max gap m", "max gap rad"],
    rows,
    [
      "Translation rows: along and off-axis (largest of the other two axes) in mm, rotation drift (|rotation vector|) in mrad. " +
        "Rotation rows: along and off-axis in mrad (world axes), position drift in mm. Mixed/zero rows: off-axis = |Δp| mm, rot = |rotation| mrad. " +
        "Max gap: largest distance between the two TCP trajectories over all env steps.",
    ],
  );

  const variants: [string, string[]][] = [
    ["robosuite OSC_POSE, this model", []],
    ["+ no gravity", ["--model", "no_gravity"]],
    ["+ no arm frictionloss", ["--model", "no_frictionloss"]],
    ["+ no arm armature", ["--model", "no_armature"]],
    ["uncouple_pos_ori = false (full Λ)", ["--coupled"]],
  ];
  const issue = ["+x x20", "-x x20", "+y x20", "+z x20", "-z x20", "+rx x10", "+ry x10", "+rz x10"];
  const vrows = variants.map(([label, extra]) => {
    const r = extra.length === 0 ? ref : reference(xmlPath, seqPath, extra);
    if (typeof r === "string") return [label, ...issue.map(() => r)];
    return [label, ...issue.map((n) => {
      const axis = commandedAxis(seqs[n].actions);
      const s = summary(r.traces[n], axis);
      return axis >= 3 ? `${mrad(s.off)} mrad` : `${mm(s.off)} mm / ${mrad(s.rot)} mrad`;
    })];
  });
  printTable(
    "osc: where the drift comes from (reference only)",
    ["variant", ...issue],
    vrows,
    ["Translation: largest off-axis drift / rotation drift; rotation: largest turn about the other two world axes. Issue's bounds: < 10 mm / < 50 mrad, < 50 mrad."],
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
