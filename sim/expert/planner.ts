/**
 * The scripted expert's task plans, derived from a LIBERO task's goal atoms with the simulator's true poses
 * (the expert is privileged; the policy only sees the image).
 *
 * Atom → skills:
 *   On(a, object b)          pick a, place it on b's top (b's origin xy)
 *   On(a, region site)       pick a, place it on the region's support surface at the site's xy
 *   In(a, region site)       pick a, lower it into the region's box and release just above its floor
 *   Open / Close (drawer)    hook the handle and pull it out along the cabinet's −y / push the front in
 *   Close (microwave door)   push the open door shut from its outer side
 *   Turnon / Turnoff (stove) push the knob's bar round about the knob axis
 * Order: opening and turning atoms first (a drawer must be open before something goes in), then placements
 * in goal order, then closing atoms. A placement into a drawer that starts closed gets an Open first.
 */
import type { Vec3 } from "../math.ts";
import type { TaskScene, PlacedObject } from "../scenes/taskScene.ts";
import { fixtureModel } from "../fixtures/registry.ts";
import { objectModel } from "../objects/registry.ts";
import type { RegionSite } from "../objects/parts.ts";
import { ARTICULATIONS, categoryOf, resolveJoints, resolveRegion, SUPPORT_CATEGORIES } from "../tasks/naming.ts";
import type { Atom } from "../tasks/types.ts";

import {
  actuateGripper, bodyMat, bodyPos, CLOSE, currentYaw, moveTo, moveToPose, OPEN, pick, place,
  type ExpertContext, type GraspSpec, type Skill,
} from "./skills.ts";
import { nearestGraspYaw } from "./motion.ts";

/** The support-surface offset and the site frame of a region, read live from the simulation. */
interface RegionFrame {
  /** site centre, world */
  pos: Vec3;
  /** world half-extents |R|·size */
  half: Vec3;
  /** surface height above the site centre along world z (supportOffset of the region's model) */
  supportOffset: number;
}

function regionSiteModel(scene: TaskScene, target: string, region: string): RegionSite | undefined {
  const category = categoryOf(scene.task, target);
  if (category === undefined || SUPPORT_CATEGORIES.includes(category)) return undefined;
  const fixture = scene.fixtures.find((f) => f.instance === target);
  const regions = fixture ? fixtureModel(category).regions : objectModel(category).regions;
  return regions.find((r) => r.region === region);
}

function regionFrame(ctx: ExpertContext, scene: TaskScene, siteName: string): RegionFrame {
  const region = resolveRegion(scene.task, siteName)!;
  const s = ctx.sim.id("site", siteName);
  const d = ctx.sim.data;
  const m = d.site_xmat.subarray(9 * s, 9 * s + 9);
  const size = ctx.sim.model.site_size;
  const half = [0, 1, 2].map((r) => Math.abs(m[3 * r]) * size[3 * s] + Math.abs(m[3 * r + 1]) * size[3 * s + 1] + Math.abs(m[3 * r + 2]) * size[3 * s + 2]) as Vec3;
  const model = regionSiteModel(scene, region.target, region.region);
  // table zones: their centre lies 5 mm below the table top (LIBERO: zone site at surface − 0.005)
  const supportOffset = model?.supportOffset ?? scene.supportZ - d.site_xpos[3 * s + 2];
  return { pos: [d.site_xpos[3 * s], d.site_xpos[3 * s + 1], d.site_xpos[3 * s + 2]], half, supportOffset };
}

/**
 * Round dishes are grasped by the rim; any point of the rim will do. The expert takes the rim point with the
 * most room around it (other objects' footprints), preferring points that face the robot: the far rim of a
 * bowl at the front of the table is at the edge of the Panda's reach.
 */
/** How far the finger pads reach below the TCP (m): pad centre 1.4 mm below it, half-height 8 mm (panda.ts). */
const FINGER_REACH_BELOW_TCP = 0.0094;

const ROUND_CATEGORIES = new Set(["akita_black_bowl", "white_bowl", "plate", "glazed_rim_porcelain_ramekin"]);

function rimYaw(ctx: ExpertContext, scene: TaskScene, o: PlacedObject, radius: number, hintAngle: number): number {
  const p = bodyPos(ctx, o.body);
  const b = bodyPos(ctx, "robot0_base");
  const toBase = Math.atan2(b[1] - p[1], b[0] - p[0]);
  let best = toBase - hintAngle;
  let bestScore = -Infinity;
  for (let k = 0; k < 16; k++) {
    const ang = toBase + (k * Math.PI) / 8;
    // the outer finger of the open gripper stands about 4 cm outside the rim
    const rim = [p[0] + (radius + 0.04) * Math.cos(ang), p[1] + (radius + 0.04) * Math.sin(ang)];
    let clearance = 0.1;
    for (const other of scene.objects) {
      if (other === o) continue;
      const q = bodyPos(ctx, other.body);
      if (Math.abs(q[2] - p[2]) > 0.08) continue; // not at the same level
      clearance = Math.min(clearance, Math.hypot(rim[0] - q[0], rim[1] - q[1]) - other.horizontalRadius);
    }
    // facing the robot, unless the outer finger would land on another object there
    const facing = Math.cos(ang - toBase);
    const score = clearance >= 0.01 ? facing : facing - 10 + clearance;
    if (score > bestScore) [bestScore, best] = [score, ang - hintAngle];
  }
  return best;
}

/** Where to close the fingers on object `o`, from its grasp hint (object frame) and live pose. */
function graspOf(ctx: ExpertContext, scene: TaskScene, o: PlacedObject): GraspSpec {
  const p = bodyPos(ctx, o.body);
  let m = bodyMat(ctx, o.body);
  const hint = o.grasp ?? { pos: [0, 0, Math.max(0, o.topOffset - 0.02)] as Vec3, yaw: 0, width: 0.08 };
  if (ROUND_CATEGORIES.has(o.category) && Math.hypot(hint.pos[0], hint.pos[1]) > 1e-6) {
    const yaw = rimYaw(ctx, scene, o, Math.hypot(hint.pos[0], hint.pos[1]), Math.atan2(hint.pos[1], hint.pos[0]));
    m = [Math.cos(yaw), -Math.sin(yaw), 0, Math.sin(yaw), Math.cos(yaw), 0, 0, 0, 1];
  }
  const g = hint.pos;
  const point: Vec3 = [0, 1, 2].map((r) => p[r] + m[3 * r] * g[0] + m[3 * r + 1] * g[1] + m[3 * r + 2] * g[2]) as Vec3;
  // closing direction: the object's x axis turned by the hint's yaw about the object's z
  const cx = Math.cos(hint.yaw ?? 0);
  const sx = Math.sin(hint.yaw ?? 0);
  const dir = [m[0] * cx + m[1] * sx, m[3] * cx + m[4] * sx];
  // The finger pads reach 9.4 mm below the TCP: keep them 3 mm above whatever the object stands on.
  const lowest = p[2] - o.bottomOffset + FINGER_REACH_BELOW_TCP + 0.003;
  return { point: [point[0] + ctx.style.graspOffset * dir[1], point[1] - ctx.style.graspOffset * dir[0], Math.max(point[2], lowest)], yaw: Math.atan2(dir[1], dir[0]) };
}

function objectOf(scene: TaskScene, instance: string): PlacedObject {
  const o = scene.objects.find((x) => x.instance === instance);
  if (!o) throw new Error(`Task ${scene.task.name}: the expert can only move objects; ${instance} is not one.`);
  return o;
}

/**
 * Height of the held object's origin while carrying: its bottom clears the start, the target and the rim
 * of the target region (a basket's walls, a drawer's sides) by the style's clearance.
 */
function carryHeight(ctx: ExpertContext, o: PlacedObject, targetZ: number, rimZ: number): number {
  const z0 = bodyPos(ctx, o.body)[2];
  const height = o.bottomOffset + o.topOffset;
  return Math.max(z0 + height, targetZ + height, rimZ + o.bottomOffset) + ctx.style.carryHeight;
}

function* pickAndPlace(ctx: ExpertContext, scene: TaskScene, atom: Atom): Skill {
  const [a, b] = atom.args;
  const o = objectOf(scene, a);
  const region = resolveRegion(scene.task, b);
  let target: Vec3;
  let releaseAbove = 0.01;
  let rimZ = -Infinity;
  if (region === null) {
    const base = objectOf(scene, b);
    const pb = bodyPos(ctx, base.body);
    target = [pb[0], pb[1], pb[2] + base.topOffset + o.bottomOffset];
  } else {
    const f = regionFrame(ctx, scene, b);
    rimZ = f.pos[2] + f.half[2];
    if (atom.op === "In") {
      const floor = f.pos[2] + f.supportOffset;
      target = [f.pos[0], f.pos[1], floor + o.bottomOffset];
      releaseAbove = 0.03;
    } else {
      target = [f.pos[0], f.pos[1], f.pos[2] + f.supportOffset + o.bottomOffset];
    }
  }
  const carry = carryHeight(ctx, o, target[2], rimZ);
  const grasp = () => graspOf(ctx, scene, o);
  const liftTo = bodyPos(ctx, o.body)[2] + 0.1 + o.topOffset;
  const held = yield* pick(ctx, o.body, grasp, Math.min(liftTo, carry));
  if (!held) return false;
  return yield* place(ctx, o.body, target, carry - (ctx.robot.tcpPos()[2] - bodyPos(ctx, o.body)[2]), releaseAbove);
}

/** World position of a named geom (handles, knob bars, door handles). */
function geomPos(ctx: ExpertContext, geom: string): Vec3 {
  const g = ctx.sim.id("geom", geom);
  const x = ctx.sim.data.geom_xpos;
  return [x[3 * g], x[3 * g + 1], x[3 * g + 2]];
}

/** Unit direction of a body's local axis in world coordinates. */
function bodyAxis(ctx: ExpertContext, body: string, axis: 0 | 1 | 2): Vec3 {
  const m = bodyMat(ctx, body);
  return [m[axis], m[3 + axis], m[6 + axis]];
}

/**
 * Drawers. Closing: push the drawer's front panel along the cabinet's +y with the closed gripper until the
 * joint is shut. Opening: turn the gripper to point horizontally at the cabinet, close it on the handle bar
 * from the front and pull along the cabinet's −y (works on some init states only: the wrist does not always
 * reach the horizontal pose; see the expert benchmark).
 */
function* moveDrawer(ctx: ExpertContext, scene: TaskScene, region: string, open: boolean): Skill {
  const { joints } = resolveJoints(scene.task, region);
  const joint = joints[0];
  const r = resolveRegion(scene.task, region)!;
  const cab = r.target;
  const drawer = joint.replace(/_level$/, "_drawer").replace(`${cab}_`, "");
  const handle = `${cab}_${drawer}_handle`;
  const q = () => ctx.sim.data.qpos[(ctx.sim.model.jnt_qposadr as unknown as Int32Array)[ctx.sim.id("joint", joint)]];
  const y = bodyAxis(ctx, cab, 1); // drawers slide along the cabinet's +y; the handle is on its −y side
  const yaw = nearestGraspYaw(Math.atan2(y[1], y[0]), currentYaw(ctx)); // fingers close along the slide axis
  const s = ctx.style;
  const h = geomPos(ctx, handle);
  ctx.gripper = open ? OPEN : CLOSE;
  if (open) {
    // The handle bar hangs under the upper drawer's front and the housing top: no way down behind it from
    // above. So the gripper turns to point horizontally at the cabinet (TCP z along the cabinet's +y, fingers closing
    // vertically), closes on the bar from the front and pulls it out along the cabinet's −y.
    const d = [y[0], y[1], 0];
    // columns: x = (dy, −dx, 0), y = −world z, z = d (the twin with y = +z needs joint 7 past its limit)
    const facing = [d[1], 0, d[0], -d[0], 0, d[1], 0, -1, 0];
    const out = (k: number): Vec3 => [h[0] - k * d[0], h[1] - k * d[1], h[2]];
    const pre = out(0.12);
    yield* moveTo(ctx, [pre[0], pre[1], Math.max(h[2] + 0.12, ctx.robot.tcpPos()[2])], yaw, s.speed, 0.02);
    yield* moveToPose(ctx, [pre[0], pre[1], h[2] + 0.02], facing, s.fineSpeed, 0.01, 60);
    yield* moveToPose(ctx, pre, facing, s.fineSpeed, 0.008, 40);
    yield* moveToPose(ctx, out(-0.002), facing, s.fineSpeed * 0.7, 0.006, 50);
    yield* actuateGripper(ctx, CLOSE, ctx.robot.tcpPos(), facing);
    for (let i = 0; i < 40 && q() > -0.15; i++) {
      const p = ctx.robot.tcpPos();
      yield* moveToPose(ctx, [p[0] - 0.03 * d[0], p[1] - 0.03 * d[1], h[2]], facing, s.fineSpeed, 0.004, 1);
    }
    yield* actuateGripper(ctx, OPEN, ctx.robot.tcpPos(), facing);
    const p = ctx.robot.tcpPos();
    yield* moveToPose(ctx, [p[0] - 0.05 * d[0], p[1] - 0.05 * d[1], p[2] + 0.05], facing, s.speed, 0.02, 20);
    yield* moveTo(ctx, [p[0] - 0.08 * d[0], p[1] - 0.08 * d[1], p[2] + 0.15], yaw, s.speed, 0.03, 30);
    return q() < -0.14;
  }
  // push: fingertips against the middle of the front panel, then along +y until shut (q > 0)
  const front: Vec3 = [h[0] - 0.03 * y[0], h[1] - 0.03 * y[1], h[2] + 0.01];
  yield* moveTo(ctx, [front[0], front[1], Math.max(front[2] + 0.1, ctx.robot.tcpPos()[2])], yaw, s.speed, 0.02);
  yield* moveTo(ctx, front, yaw, s.fineSpeed, 0.01);
  for (let i = 0; i < 60 && q() <= 0.002; i++) {
    const p = ctx.robot.tcpPos();
    yield* moveTo(ctx, [p[0] + 0.04 * y[0], p[1] + 0.04 * y[1], front[2]], yaw, s.fineSpeed, 0.005, 1);
  }
  const p = ctx.robot.tcpPos();
  yield* moveTo(ctx, [p[0] - 0.05 * y[0], p[1] - 0.05 * y[1], p[2] + 0.08], yaw, s.speed, 0.02, 30);
  return q() > 0;
}

/** Pushes the stove knob's bar round about the knob axis until q crosses the on/off threshold. */
function* turnKnob(ctx: ExpertContext, scene: TaskScene, stove: string, on: boolean): Skill {
  const joint = `${stove}_button`;
  const adr = (ctx.sim.model.jnt_qposadr as unknown as Int32Array)[ctx.sim.id("joint", joint)];
  const q = () => ctx.sim.data.qpos[adr];
  const axis = bodyPos(ctx, stove); // knob axis = stove root origin
  const bar = `${stove}_knob_bar`;
  const s = ctx.style;
  ctx.gripper = CLOSE;
  const yaw = currentYaw(ctx);
  const goal = (x: number) => (on ? x >= 0.75 : x < -0.001);
  // Turning direction: +q is counter-clockwise about +z. Push the bar's tip sideways, tangentially.
  for (let round = 0; round < 4 && !goal(q()); round++) {
    const tip = geomPos(ctx, bar);
    const barAxis = bodyAxis(ctx, `${stove}_button`, 1); // the bar runs along the button's y
    const radius = 0.035;
    const sign = on ? 1 : -1;
    // contact point on the bar's end, and the tangent direction of increasing (or decreasing) q
    const c: Vec3 = [axis[0] + barAxis[0] * radius, axis[1] + barAxis[1] * radius, tip[2]];
    const tangent = [-barAxis[1] * sign, barAxis[0] * sign];
    const start: Vec3 = [c[0] - 0.03 * tangent[0], c[1] - 0.03 * tangent[1], tip[2]];
    yield* moveTo(ctx, [start[0], start[1], tip[2] + 0.08], yaw, s.speed, 0.015);
    yield* moveTo(ctx, start, yaw, s.fineSpeed, 0.006, 40);
    for (let i = 0; i < 12 && !goal(q()); i++) {
      const p = ctx.robot.tcpPos();
      // follow the circle: aim 2 cm further along the current tangent at the bar's radius
      const rel = [p[0] - axis[0], p[1] - axis[1]];
      const ang = Math.atan2(rel[1], rel[0]) + sign * 0.35;
      const rr = Math.max(0.03, Math.hypot(rel[0], rel[1]));
      yield* moveTo(ctx, [axis[0] + rr * Math.cos(ang), axis[1] + rr * Math.sin(ang), tip[2]], yaw, s.fineSpeed, 0.004, 2);
    }
    const p = ctx.robot.tcpPos();
    yield* moveTo(ctx, [p[0], p[1], p[2] + 0.08], yaw, s.speed, 0.02, 20);
  }
  return goal(q());
}

/** Pushes an open microwave door shut, pressing on its outer face near the free edge. */
function* closeDoor(ctx: ExpertContext, scene: TaskScene, microwave: string): Skill {
  const joint = `${microwave}_microjoint`;
  const adr = (ctx.sim.model.jnt_qposadr as unknown as Int32Array)[ctx.sim.id("joint", joint)];
  const q = () => ctx.sim.data.qpos[adr];
  const door = `${microwave}_microdoorroot`;
  const s = ctx.style;
  ctx.gripper = CLOSE;
  const yaw = currentYaw(ctx);
  for (let i = 0; i < 30 && q() <= -0.005; i++) {
    // a point 0.16 m along the door from the hinge, 3 cm outside its face, pushed toward the shut pose
    const hinge = bodyPos(ctx, door);
    const along = bodyAxis(ctx, door, 0);
    const normal = bodyAxis(ctx, door, 1); // the door's outer face looks along −y of the door frame
    const z = hinge[2];
    const pt: Vec3 = [hinge[0] + 0.16 * along[0] - 0.03 * normal[0], hinge[1] + 0.16 * along[1] - 0.03 * normal[1], z];
    if (i === 0) {
      yield* moveTo(ctx, [pt[0], pt[1], Math.max(z + 0.15, ctx.robot.tcpPos()[2])], yaw, s.speed, 0.02);
      yield* moveTo(ctx, pt, yaw, s.fineSpeed, 0.01, 40);
    }
    yield* moveTo(ctx, [pt[0] + 0.05 * normal[0], pt[1] + 0.05 * normal[1], z], yaw, s.fineSpeed, 0.005, 3);
  }
  const p = ctx.robot.tcpPos();
  yield* moveTo(ctx, [p[0], p[1], p[2] + 0.1], yaw, s.speed, 0.02, 20);
  return q() > -0.005;
}

function isPlacement(a: Atom): boolean {
  return a.op === "On" || a.op === "In";
}

/** The goal atoms in the order the expert achieves them, with implied prerequisites added. */
export function orderedSubgoals(scene: TaskScene): Atom[] {
  const task = scene.task;
  const goal = [...task.goal];
  const out: Atom[] = [];
  const add = (a: Atom) => {
    if (!out.some((b) => b.op === a.op && b.args.join() === a.args.join())) out.push(a);
  };
  // a drawer that must receive something is opened first if the task starts with it closed
  for (const a of goal) {
    if (a.op !== "In") continue;
    const region = resolveRegion(task, a.args[1]);
    const category = region ? categoryOf(task, region.target) : undefined;
    if (category && ARTICULATIONS[category]?.kind === "drawer") {
      const startsOpen = task.init.some((i) => i.op === "Open" && i.args[0] === a.args[1]);
      if (!startsOpen) add({ op: "Open", args: [a.args[1]] });
    }
  }
  for (const a of goal) if (a.op === "Open" || a.op === "Turnon" || a.op === "Turnoff") add(a);
  for (const a of goal) if (isPlacement(a)) add(a);
  for (const a of goal) if (a.op === "Close") add(a);
  return out;
}

/** The whole plan of a task, as one generator of actions. */
export function* taskPlan(ctx: ExpertContext, scene: TaskScene): Skill {
  let ok = true;
  for (const atom of orderedSubgoals(scene)) {
    switch (atom.op) {
      case "On":
      case "In":
        ok = (yield* pickAndPlace(ctx, scene, atom)) && ok;
        break;
      case "Open":
      case "Close": {
        const { kind } = resolveJoints(scene.task, atom.args[0]);
        if (kind === "drawer") ok = (yield* moveDrawer(ctx, scene, atom.args[0], atom.op === "Open")) && ok;
        else if (atom.op === "Close") ok = (yield* closeDoor(ctx, scene, atom.args[0])) && ok;
        else ok = false; // no skill yet to open the microwave door: the plan fails this subgoal
        break;
      }
      case "Turnon":
      case "Turnoff":
        ok = (yield* turnKnob(ctx, scene, atom.args[0], atom.op === "Turnon")) && ok;
        break;
    }
  }
  // after the last subgoal, settle: a few steps holding still with the gripper open
  const p = ctx.robot.tcpPos();
  yield* moveTo(ctx, [p[0], p[1], p[2] + 0.02], currentYaw(ctx), ctx.style.fineSpeed, 0.005, 6);
  return ok;
}

