/**
 * The scripted expert's task plans, derived from a LIBERO task's goal atoms with the simulator's true poses
 * (the expert is privileged; the policy only sees the image).
 *
 * Atom → skills:
 *   On(a, object b)          pick a, place it on b's top (b's origin xy)
 *   On(a, region site)       pick a, place it on the region's support surface at the site's xy
 *   In(a, region site)       pick a, lower it into the region's box and release just above its floor
 *   Open / Close (drawer)    grasp the handle and pull it out along the cabinet's −y / push the handle in
 *   Open (microwave door)    pinch the handle bar's top and carry it round the hinge
 *   Close (microwave door)   push the open door shut from its outer side
 *   Turnon / Turnoff (stove) push the knob's bar round about the knob axis
 * Order: opening and turning atoms first (a drawer must be open before something goes in), then placements
 * in goal order (those onto an object that is itself placed after it), then closing atoms. A placement into
 * a drawer that starts closed gets an Open first.
 */
import { axisAngleToMat, matMul3, type Vec3 } from "../math.ts";
import type { TaskScene, PlacedObject } from "../scenes/taskScene.ts";
import { fixtureModel } from "../fixtures/registry.ts";
import { objectModel } from "../objects/registry.ts";
import type { RegionSite } from "../objects/parts.ts";
import { ARTICULATIONS, categoryOf, resolveJoints, resolveRegion, SUPPORT_CATEGORIES } from "../tasks/naming.ts";
import type { Atom } from "../tasks/types.ts";

import {
  actuateGripper, bodyMat, bodyPos, bodyYaw, clearHeight, CLOSE, currentYaw, graspYaw, moveTo, moveToPose, OPEN, pick, place, transitTo,
  type Action, type ExpertContext, type GraspSpec, type Skill,
} from "./skills.ts";
import {
  bodyFootprint, bodyLocalBox, FINGER_REACH_BELOW_TCP, gripperFootprints, highestTop, rootsOf, sweptClearance, underReachFootprints, type Footprint, type Shift,
} from "./clearance.ts";
import { downOrientation, nearestGraspYaw, wrap } from "./motion.ts";

/** The support-surface offset and the site frame of a region, read live from the simulation. */
interface RegionFrame {
  /** site centre, world */
  pos: Vec3;
  /** world half-extents |R|·size */
  half: Vec3;
  /** surface height above the site centre along world z (supportOffset of the region's model) */
  supportOffset: number;
  /** yaw (rad about world z) of the site's most horizontal axis: the region's sides run along it */
  yaw: number;
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
  const k = [0, 1, 2].reduce((best, c) => (Math.abs(m[6 + c]) < Math.abs(m[6 + best]) ? c : best), 0);
  const yaw = Math.atan2(m[3 + k], m[k]);
  return { pos: [d.site_xpos[3 * s], d.site_xpos[3 * s + 1], d.site_xpos[3 * s + 2]], half, supportOffset, yaw };
}

/**
 * Where in region `f` to set object `o` down, its bottom at `bottomZ`: the `nominal` point (the site centre,
 * or a slot of it), unless something overhangs the object's way down there (the cabinet's housing and the
 * drawer above over the back of an open drawer, whose region reaches under them) or already stands there;
 * then the point of a 5 mm grid over the region with the most room around the object's way down (up to
 * 1 cm; nearer the nominal point on ties). The object's footprint is the one it has now (bodyFootprint):
 * carrying keeps its yaw, unless the plan turns it by `turn` (rad about world z) on the way.
 */
function releaseSpot(ctx: ExpertContext, o: PlacedObject, f: RegionFrame, bottomZ: number, nominal: [number, number], turn = 0): [number, number] {
  const own = rootsOf(ctx.sim, [o.body]);
  const { offset, half } = turn === 0 ? bodyFootprint(ctx.sim, o.body) : turnedFootprint(ctx, o, turn);
  const room = (x: number, y: number) =>
    Math.min(0.01, sweptClearance(ctx.sim, [{ centre: [x + offset[0], y + offset[1]], yaw: 0, halfAlong: half[0], halfAcross: half[1], floor: bottomZ + 0.002 }], own));
  let best = nominal;
  let bestRoom = room(...best);
  if (bestRoom >= 0.005) return best;
  const STEP = 0.005;
  const [nx, ny] = [Math.floor(f.half[0] / STEP), Math.floor(f.half[1] / STEP)];
  const away = (p: [number, number]) => Math.hypot(p[0] - nominal[0], p[1] - nominal[1]);
  for (let i = -nx; i <= nx; i++) {
    for (let j = -ny; j <= ny; j++) {
      const p: [number, number] = [f.pos[0] + i * STEP, f.pos[1] + j * STEP];
      const free = room(...p);
      if (free > bestRoom + 1e-4 || (free > bestRoom - 1e-4 && away(p) < away(best))) [best, bestRoom] = [p, free];
    }
  }
  return best;
}

/**
 * The world footprint (centre offset from the origin, half-extents along world x and y) of object `o` once
 * turned by `turn` (rad) about world z through its origin.
 */
function turnedFootprint(ctx: ExpertContext, o: PlacedObject, turn: number): { offset: [number, number]; half: [number, number] } {
  const { centre, half } = bodyLocalBox(ctx.sim, o.body);
  const yaw = bodyYaw(ctx, o.body) + turn;
  const [c, s] = [Math.cos(yaw), Math.sin(yaw)];
  return {
    offset: [c * centre[0] - s * centre[1], s * centre[0] + c * centre[1]],
    half: [Math.abs(c) * half[0] + Math.abs(s) * half[1], Math.abs(s) * half[0] + Math.abs(c) * half[1]],
  };
}

/**
 * The turn (rad about world z, |turn| ≤ 90°) that object `o` takes on its way into region `f`: none where
 * it fits the region's box as it stands; else the one that lays its long side along the region's long side,
 * if it fits so (a book into the caddy's back compartment, 6 cm by 13 cm: 2.9 by 11 cm upright, it goes in
 * only spine along the compartment). A half turn more or less fits as well; of the two, the one that keeps
 * the Panda's joint 7 inside its ±2.9 rad (the joint falls as the TCP's yaw rises).
 */
/** Room a side (m) under which an object that fits a region as it stands is turned to fit it with more. */
const TIGHT_FIT = 0.01;

function turnToFit(ctx: ExpertContext, o: PlacedObject, f: RegionFrame): number {
  const { half } = bodyLocalBox(ctx.sim, o.body);
  const yaw = bodyYaw(ctx, o.body);
  const [cf, sf] = [Math.abs(Math.cos(f.yaw)), Math.abs(Math.sin(f.yaw))];
  const room = [cf * f.half[0] + sf * f.half[1], sf * f.half[0] + cf * f.half[1]]; // along the region's sides
  // the least room (m) left a side of the object turned to yaw y; negative where it does not fit
  const slack = (y: number) => {
    const [c, s] = [Math.abs(Math.cos(y - f.yaw)), Math.abs(Math.sin(y - f.yaw))];
    return Math.min(room[0] - (c * half[0] + s * half[1]), room[1] - (s * half[0] + c * half[1]));
  };
  const fits = (y: number) => slack(y) >= 0;
  if (slack(yaw) >= TIGHT_FIT) return 0;
  if (fits(yaw)) {
    // It fits as it stands, with less than TIGHT_FIT a side: the turn (5° steps, at most 90° either way)
    // that leaves the most room, where that is 5 mm a side more.
    let best = 0;
    for (let k = -18; k <= 18; k++) if (slack(yaw + (k * Math.PI) / 36) > slack(yaw + best) + 1e-9) best = (k * Math.PI) / 36;
    if (slack(yaw + best) < slack(yaw) + 0.005) return 0;
    if (Math.abs(ctx.robot.armQpos()[6] - best) > 2.75) best -= Math.sign(best) * Math.PI;
    return best;
  }
  const objectLong = half[0] >= half[1] ? yaw : yaw + Math.PI / 2;
  const regionLong = room[0] >= room[1] ? f.yaw : f.yaw + Math.PI / 2;
  let turn = wrap(regionLong - objectLong);
  if (turn > Math.PI / 2) turn -= Math.PI;
  if (turn < -Math.PI / 2) turn += Math.PI;
  if (!fits(yaw + turn)) return 0;
  if (Math.abs(ctx.robot.armQpos()[6] - turn) > 2.75) turn -= Math.sign(turn) * Math.PI;
  return turn;
}

/**
 * The nominal release point of the k-th of n objects that a task puts on or into the same region: the centre
 * for one. Objects stood on a surface (both moka pots on the stove) go side by side, their footprints plus
 * 1 cm apart, along the region's horizontal axis nearer world y (across the robot's view, so that all are at
 * about the same reach), or along the other one where only that one has room; kept 2 cm inside the region.
 * Objects dropped into a container (two cans into the basket) go out along its diagonal, the longest line
 * across it, until 6 mm from the walls: two 6.2 cm cans fit an 11.7 cm basket only that way.
 */
function slotOf(ctx: ExpertContext, scene: TaskScene, f: RegionFrame, op: "On" | "In", k: number, instances: string[]): [number, number] {
  const n = instances.length;
  if (n < 2) return [f.pos[0], f.pos[1]];
  const side = (k - (n - 1) / 2) / ((n - 1) / 2); // −1 … 1
  if (op === "In") {
    // out along the diagonal as far as the walls leave 6 mm (the footprint test, without the other objects)
    const o = objectOf(scene, instances[k]);
    const { offset, half } = bodyFootprint(ctx.sim, o.body);
    const ignore = rootsOf(ctx.sim, instances.map((i) => objectOf(scene, i).body));
    const [a, b] = [Math.cos(f.yaw), Math.sin(f.yaw)];
    const u = [(a - b) / Math.SQRT2, (b + a) / Math.SQRT2];
    const floor = f.pos[2] + f.supportOffset + 0.01;
    let reach = 0;
    for (let d = 0.0025; d < Math.max(f.half[0], f.half[1]); d += 0.0025) {
      const c: [number, number] = [f.pos[0] + side * d * u[0] + offset[0], f.pos[1] + side * d * u[1] + offset[1]];
      if (sweptClearance(ctx.sim, [{ centre: c, yaw: 0, halfAlong: half[0], halfAcross: half[1], floor }], ignore) < 0.006) break;
      reach = d;
    }
    return [f.pos[0] + side * reach * u[0], f.pos[1] + side * reach * u[1]];
  }
  const half = Math.min(f.half[0], f.half[1]) - 0.02;
  const room = (2 * half) / (n - 1);
  let u = [Math.cos(f.yaw), Math.sin(f.yaw)];
  if (Math.abs(u[1]) < Math.abs(u[0])) u = [-u[1], u[0]];
  if (u[1] < 0) u = [-u[0], -u[1]];
  // Where they are too long that way to stand side by side, along the other axis: two moka pots, 14.7 cm
  // from spout to handle along y, on the stove's 15 cm cook region came 11 cm apart along y, releaseSpot
  // moved the second one off its neighbour toward the region's edge, and in 3 of 50 train states of
  // libero_10 task 8 it stood outside LIBERO's window (state 3: its origin 7.5 cm from the centre, on the
  // window's strict bound). Along x they are 9.1 cm apart.
  const need = (v: number[]) => 2 * Math.max(...instances.map((i) => alongAxis(ctx, objectOf(scene, i).body, v))) + 0.01;
  const other = [u[1], -u[0]];
  if (need(u) > room && need(other) <= room) u = other[0] < 0 ? [-other[0], -other[1]] : other;
  const spacing = Math.min(need(u), room);
  const offset = (k - (n - 1) / 2) * spacing;
  return [f.pos[0] + offset * u[0], f.pos[1] + offset * u[1]];
}

/** Half the extent (m) of a body's footprint (bodyFootprint, world axes) along the horizontal unit vector `v`. */
function alongAxis(ctx: ExpertContext, body: string, v: number[]): number {
  const { half } = bodyFootprint(ctx.sim, body);
  return Math.abs(v[0]) * half[0] + Math.abs(v[1]) * half[1];
}

/**
 * How far (m) a grasp on a part of an object may move along it, in the order tried: up to 8 cm (the frying
 * pan's handle is 16 cm long, its grasp point 5.7 cm from the end).
 */
const PART_GRASP_SHIFTS = [0, 0.01, -0.01, 0.02, -0.02, 0.03, -0.03, 0.04, -0.04, 0.05, -0.05, 0.06, -0.06, 0.07, -0.07, 0.08, -0.08];

const ROUND_CATEGORIES = new Set(["akita_black_bowl", "white_bowl", "plate", "glazed_rim_porcelain_ramekin"]);

type GraspHint = NonNullable<PlacedObject["grasp"]>;

/** The grasp of hint `hint` on object `o` at `p`, with the object's frame taken to be `m` (row-major). */
function graspInFrame(ctx: ExpertContext, o: PlacedObject, p: Vec3, m: ArrayLike<number>, hint: GraspHint): GraspSpec {
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

/**
 * Where to close the fingers on object `o`, from its grasp hint (object frame) and live pose.
 *
 * Round dishes are grasped by the rim, and any point of the rim will do: the expert tries 16 of them and
 * takes the one facing the robot most (the far rim of a bowl at the front of the table is at the edge of the
 * Panda's reach) among those where the open gripper comes down without touching anything else: another
 * object, an open drawer's front, a fixture's wall (clearance.ts). Where none is clear, a reach under the
 * overhang (underReachGrasp) if there is one. A dish that stands on another object (`base`) is lifted
 * with a peel (GraspSpec.peel).
 */
function graspOf(ctx: ExpertContext, o: PlacedObject, base: PlacedObject | undefined): GraspSpec {
  const p = bodyPos(ctx, o.body);
  const hint = graspHint(o);
  const radius = Math.hypot(hint.pos[0], hint.pos[1]);
  const own = rootsOf(ctx.sim, [o.body]);
  if (!ROUND_CATEGORIES.has(o.category) || radius < 1e-6) {
    // Other objects: the hint's grasp, unless the hand (19 cm along the closing axis) would come down on a
    // neighbour (a milk carton beside a cream cheese box). Then the least different grasp that is clear:
    // the closing axis turned up to 30° (as long as the fingers, 8 cm apart when open, still span the
    // object; they turn it straight as they close) and the grasp point moved up to 2 cm across it (staying
    // 2 cm inside the object's footprint).
    const m = bodyMat(ctx, o.body);
    const { offset, half } = bodyFootprint(ctx.sim, o.body);
    const nominal = nearerWallPinch(ctx, o, graspInFrame(ctx, o, p, m, hint));
    let best = nominal;
    let bestClearance = sweptClearance(ctx.sim, gripperFootprints(nominal.point, nominal.yaw), own);
    if (bestClearance >= 0.005) return best;
    let bestCost = Infinity;
    // A grasp on a part of the object (a frying pan's handle, narrower than the body is across the hint's
    // closing axis) may move up to 8 cm along the part (staying 2 cm inside the object's footprint), and
    // turn up to 45° as long as the fingers span the part's width: libero_90 tasks 18 and 21, the pan's handle end
    // beside the moka pot's handle, which the hand (±9.5 cm along the closing axis) came down on.
    const span = (u: number[]) => 2 * (Math.abs(u[0]) * half[0] + Math.abs(u[1]) * half[1]);
    const u0 = [Math.cos(nominal.yaw), Math.sin(nominal.yaw)];
    const onPart = span(u0) > 0.078;
    const v = [-u0[1], u0[0]];
    const centre = [p[0] + offset[0], p[1] + offset[1]];
    const along = (nominal.point[0] - centre[0]) * v[0] + (nominal.point[1] - centre[1]) * v[1];
    const extent = Math.abs(v[0]) * half[0] + Math.abs(v[1]) * half[1] - 0.02;
    // Moved toward the body and turned, an open finger lands on the pan's rim (the clearance test leaves the
    // grasped object out): the fingers (pads 1.6 by 2 cm, 4.8 cm out along the closing axis) stay 5 mm
    // outside the body's radius where the hint's own grasp has them there.
    const fingersOffBody = (point: Vec3, yaw: number) =>
      [1, -1].every((k) => Math.hypot(point[0] + k * 0.048 * Math.cos(yaw) - p[0], point[1] + k * 0.048 * Math.sin(yaw) - p[1]) - 0.013 > o.horizontalRadius + 0.005);
    const turns = [0, Math.PI / 12, -Math.PI / 12, Math.PI / 6, -Math.PI / 6];
    for (const turn of onPart ? [...turns, Math.PI / 4, -Math.PI / 4] : turns) {
      const yaw = nominal.yaw + turn;
      const u = [Math.cos(yaw), Math.sin(yaw)];
      // too wide to span (the part: its own width, across the turned fingers)
      if (onPart ? hint.width / Math.cos(turn) > 0.078 : span(u) > 0.078) continue;
      const reach = Math.max(0, Math.abs(u[1]) * half[0] + Math.abs(u[0]) * half[1] - 0.02);
      for (const shift of onPart ? PART_GRASP_SHIFTS : [0, 0.01, -0.01, 0.02, -0.02]) {
        if (onPart ? Math.abs(along + shift) > extent : Math.abs(shift) > reach) continue;
        // along the part: square to the hint's closing axis, whatever the turn
        const w = onPart ? [-u0[1], u0[0]] : [-u[1], u[0]];
        const point: Vec3 = [nominal.point[0] + shift * w[0], nominal.point[1] + shift * w[1], nominal.point[2]];
        if (onPart && fingersOffBody(nominal.point, nominal.yaw) && !fingersOffBody(point, yaw)) continue;
        const clearance = sweptClearance(ctx.sim, gripperFootprints(point, yaw), own);
        const cost = Math.abs(turn) / (Math.PI / 6) + Math.abs(shift) / 0.02;
        const better = clearance >= 0.005 ? bestClearance < 0.005 || cost < bestCost : bestClearance < 0.005 && clearance > bestClearance;
        if (better) [best, bestClearance, bestCost] = [{ point, yaw }, clearance, cost];
      }
    }
    // nothing clear from above by 5 mm: under whatever overhangs the object, if that can be done
    if (bestClearance < 0.005) return underReachBoxGrasp(ctx, o, nominal) ?? best;
    return best;
  }
  const rim = rimGrasp(ctx, o);
  const best = rim.clear ? rim.grasp : (underReachGrasp(ctx, o) ?? (rim.reachable ? slideFromUnder(ctx, o, rim.grasp) : undefined) ?? rim.grasp);
  if (!base) return best;
  const inward = [p[0] - best.point[0], p[1] - best.point[1]];
  const n = Math.hypot(inward[0], inward[1]);
  return { ...best, peel: { inward: [inward[0] / n, inward[1] / n], base: base.body } };
}

/** How far (m, horizontally) from the robot's base a grasp may lie before a nearer one is taken where there is one. */
const FAR_GRASP = 0.75;

/**
 * A mug's wall may be pinched anywhere but at its handle: where the hint's pinch (the wall opposite the handle)
 * lies beyond FAR_GRASP from the robot's base, the one a quarter turn round the wall that is nearest the base.
 * libero_90 task 84: the red mug stands 0.74–0.78 m out; pinched on its far side, the arm came up straight,
 * its elbow against joint 4's limit, and could not bring the mug back to the caddy's side (up to 8 cm nearer
 * pinched on the near quarter). Objects without a handle and a ring of wall geoms, or whose grasp is not on
 * the wall, keep `g`.
 */
function nearerWallPinch(ctx: ExpertContext, o: PlacedObject, g: GraspSpec): GraspSpec {
  const walls = Array.from({ length: 8 }, (_, k) => `${o.body}_wall${k}`);
  if (!hasGeom(ctx, `${o.body}_handle`) || !walls.every((w) => hasGeom(ctx, w))) return g;
  const base = bodyPos(ctx, "robot0_base");
  const reach = (q: Vec3) => Math.hypot(q[0] - base[0], q[1] - base[1]);
  if (reach(g.point) <= FAR_GRASP) return g;
  // the wall's axis: the mean of its eight boxes; a pinch on the wall lies about as far from it as they do
  // (not the frying pan's, on its handle)
  const boxes = walls.map((w) => geomPos(ctx, w));
  const c = boxes.reduce((a, q) => [a[0] + q[0] / 8, a[1] + q[1] / 8, 0], [0, 0, 0]);
  const wallRadius = boxes.reduce((a, q) => a + Math.hypot(q[0] - c[0], q[1] - c[1]) / 8, 0);
  if (Math.abs(Math.hypot(g.point[0] - c[0], g.point[1] - c[1]) - wallRadius) > 0.01) return g;
  let best = g;
  for (const turn of [Math.PI / 2, -Math.PI / 2]) {
    const [dx, dy] = [g.point[0] - c[0], g.point[1] - c[1]];
    const [ct, st] = [Math.cos(turn), Math.sin(turn)];
    const q: GraspSpec = { point: [c[0] + ct * dx - st * dy, c[1] + st * dx + ct * dy, g.point[2]], yaw: g.yaw + turn };
    if (reach(q.point) < reach(best.point)) best = q;
  }
  return best;
}

function graspHint(o: PlacedObject): GraspHint {
  return o.grasp ?? { pos: [0, 0, Math.max(0, o.topOffset - 0.02)], yaw: 0, width: 0.08 };
}

/**
 * The 16 rim grasps of round dish `o`, the first facing the robot and then round the rim by 22.5°: the grasp
 * hint turned about the dish's centre, closing radially across the rim.
 */
function rimPoints(ctx: ExpertContext, o: PlacedObject): { grasp: GraspSpec; facing: number }[] {
  const p = bodyPos(ctx, o.body);
  const hint = graspHint(o);
  const hintAngle = Math.atan2(hint.pos[1], hint.pos[0]);
  const b = bodyPos(ctx, "robot0_base");
  const toBase = Math.atan2(b[1] - p[1], b[0] - p[0]);
  const out: { grasp: GraspSpec; facing: number }[] = [];
  for (let k = 0; k < 16; k++) {
    const ang = toBase + (k * Math.PI) / 8;
    const yaw = ang - hintAngle; // the object frame turned so that the hint lands at angle `ang`
    out.push({ grasp: graspInFrame(ctx, o, p, [Math.cos(yaw), -Math.sin(yaw), 0, Math.sin(yaw), Math.cos(yaw), 0, 0, 0, 1], hint), facing: Math.cos(ang - toBase) });
  }
  return out;
}

/**
 * Round dish `o` moved horizontally by `by` (m, world), as two squares around its centre, turned by `yaw`:
 * its foot (0.6 of its radius: a bowl's wall flares out, and its rim may hang over a plate's edge) from 5 mm
 * above its bottom up to 3 cm, its full radius above that, up to `roof` (or open upward).
 */
function dishFootprints(ctx: ExpertContext, o: PlacedObject, by: [number, number], roof?: number, yaw = 0): Footprint[] {
  const c = bodyPos(ctx, o.body);
  const bottom = c[2] - o.bottomOffset;
  const r = o.horizontalRadius;
  const centre: [number, number] = [c[0] + by[0], c[1] + by[1]];
  return [
    { centre, yaw, halfAlong: 0.6 * r, halfAcross: 0.6 * r, floor: bottom + 0.005, ceiling: bottom + 0.03 },
    { centre, yaw, halfAlong: r, halfAcross: r, floor: bottom + 0.03, ceiling: roof },
  ];
}

/**
 * How far (m) in from the rim toward the dish's centre the TCP may stand for a rim grasp, in the order tried.
 * The outer open finger reaches 4.0–5.6 cm past the TCP: over a bowl 5 cm from a drawer's side wall it lands
 * on the wall. Standing in, it comes down in the gap and, closing, pushes the dish in by as much (the inner
 * finger, 4 cm the other way, still comes down inside the dish).
 */
const RIM_INSETS = [0, 0.005, 0.01, 0.015, 0.02, 0.025];

/**
 * What a rim grasp's inset costs in its score against the others (per m): facing the robot counts more. A
 * rim point 2.5 cm in on the side facing the robot (score 0.5) wins over the far side (−1), where the Panda is
 * at the edge of its reach: libero_spatial task 4, the bowl in the open top drawer within 5 cm of the side wall
 * facing the robot, had only the far rim clear, and 9 of its 11 failures of 50 were far-rim grasps (the bowl
 * slipped on the lift, or settled too slowly for the step limit).
 */
const RIM_INSET_COST = 20;

/**
 * The rim grasp facing the robot most among those whose way down is clear (standing in from the rim by one of
 * RIM_INSETS where needed), or else the least blocked one; `clear` when the first exists and nothing overhangs
 * the dish (its way up: the gripper may have room beside an open drawer's front that covers part of the
 * dish). With `shift`, as if that body (a drawer) stood moved.
 */
function rimGrasp(ctx: ExpertContext, o: PlacedObject, shift?: Shift): { grasp: GraspSpec; clear: boolean; reachable: boolean } {
  const own = rootsOf(ctx.sim, [o.body]);
  const c = bodyPos(ctx, o.body);
  const top = c[2] + o.topOffset;
  const overhang = sweptClearance(ctx.sim, [{ ...dishFootprints(ctx, o, [0, 0])[1], floor: top + 0.005 }], own, shift) < 0;
  let best: GraspSpec | undefined;
  let bestScore = -Infinity;
  for (const { grasp, facing } of rimPoints(ctx, o)) {
    const out = [grasp.point[0] - c[0], grasp.point[1] - c[1]];
    const n = Math.hypot(out[0], out[1]);
    const inset = (d: number): GraspSpec => ({ ...grasp, point: [grasp.point[0] - (d * out[0]) / n, grasp.point[1] - (d * out[1]) / n, grasp.point[2]] });
    const clearance = sweptClearance(ctx.sim, gripperFootprints(grasp.point, grasp.yaw), own, shift);
    let [score, g] = [clearance >= 0.005 ? facing : facing - 10 + clearance, grasp];
    for (const d of clearance >= 0.005 ? [] : RIM_INSETS.slice(1)) {
      const candidate = inset(d);
      if (sweptClearance(ctx.sim, gripperFootprints(candidate.point, candidate.yaw), own, shift) < 0.005) continue;
      [score, g] = [facing - RIM_INSET_COST * d, candidate];
      break;
    }
    if (score > bestScore) [bestScore, best] = [score, g];
  }
  return { grasp: best!, clear: bestScore > -5 && !overhang, reachable: bestScore > -5 };
}

/**
 * The clearance (m) of round dish `o` moved by `by`, as `dishFootprints` gives it: the best of six squares
 * around it, turned by 15° from one another (the dish is inside each). One square alone, turned 25° to a
 * drawer's walls, reaches 1.3 times the dish's radius toward them and finds no room in a drawer that has it.
 */
function roundDishClearance(ctx: ExpertContext, o: PlacedObject, by: [number, number], roof: number | undefined, own: ReadonlySet<number>): number {
  return Math.max(...[0, 1, 2, 3, 4, 5].map((k) => sweptClearance(ctx.sim, dishFootprints(ctx, o, by, roof, (k * Math.PI) / 12), own)));
}

/** How far (m) at most a rim grasp slides a dish out from under an overhang before the lift. */
const MAX_SLIDE = 0.06;

/**
 * A rim grasp `grasp` whose way down is clear but whose dish lies partly under an overhang, with the slide
 * that brings the dish out from under it before the lift: of 32 directions and slides in 2.5 mm steps (the
 * dish touching nothing on the way), the one after which the dish's and the hand's way up have the most room,
 * the shortest where several are clear. libero_spatial task 4: the bowl's back lies up to 2.5 cm under the
 * cabinet's top plate, 8 mm above its rim, and its front 1–4 cm from the drawer's front; lifted straight, the
 * rim caught the plate and the bowl slipped out of the fingers. Undefined where no slide gains 5 mm of room.
 * The slide is made as an under-reach's (GraspSpec.underReach, with no turn on the way down).
 */
function slideFromUnder(ctx: ExpertContext, o: PlacedObject, grasp: GraspSpec): GraspSpec | undefined {
  const own = rootsOf(ctx.sim, [o.body]);
  const top = bodyPos(ctx, o.body)[2] + o.topOffset;
  const room = (by: [number, number]) => {
    const hand = gripperFootprints([grasp.point[0] + by[0], grasp.point[1] + by[1], grasp.point[2]], grasp.yaw)[2];
    return Math.min(roundDishClearance(ctx, o, by, undefined, own), sweptClearance(ctx.sim, [hand], own));
  };
  const still = room([0, 0]);
  let best: { by: [number, number]; room: number; d: number } | undefined;
  for (let k = 0; k < 32; k++) {
    const u = [Math.cos((k * Math.PI) / 16), Math.sin((k * Math.PI) / 16)];
    for (let d = 0.0025; d <= MAX_SLIDE + 1e-9; d += 0.0025) {
      const by: [number, number] = [d * u[0], d * u[1]];
      if (roundDishClearance(ctx, o, by, top, own) < 0) break;
      const r = Math.min(0, room(by));
      if (!best || r > best.room + 1e-4 || (r > best.room - 1e-4 && d < best.d)) best = { by, room: r, d };
      if (r >= 0) break;
    }
  }
  if (!best || best.room < still + 0.005) return undefined;
  return { ...grasp, underReach: { descentYaw: grasp.yaw, slideOut: best.by } };
}

/** How far (m) out from the rim the TCP may stand in a reach under an overhang, in the order tried. */
const UNDER_REACH_OUT = [0, 0.01, 0.02];

/** How far (rad) the gripper may come down turned from a rim grasp's radial yaw, in the order tried. */
const UNDER_REACH_TURNS = [Math.PI / 12, -Math.PI / 12, Math.PI / 6, -Math.PI / 6, Math.PI / 4, -Math.PI / 4, Math.PI / 3, -Math.PI / 3];

/**
 * A rim grasp under an overhang: the bowl in libero_goal stands where the open top drawer's front (its
 * underside 16 cm above the table) covers a quarter of it, and every radial grasp would bring the hand (19 cm
 * along the closing axis) down through that front. The gripper comes down at a rim point on the clear side
 * turned by up to 60° (its way down clear), turns to the radial yaw at the bottom, where the hand slab
 * (4.5–10 cm above the fingertips' height) passes under the overhang and the wrist stays clear of it, closes,
 * and slides the dish out along the rim point's outward direction until the gripper and the dish have a
 * clear way up; then the usual lift. Of the candidates, the shortest slide wins (then the smaller turn).
 * Undefined when no rim point allows it. With `shift`, as if that body (a drawer) stood moved.
 */
function underReachGrasp(ctx: ExpertContext, o: PlacedObject, shift?: Shift): GraspSpec | undefined {
  const own = rootsOf(ctx.sim, [o.body]);
  const c = bodyPos(ctx, o.body);
  const roof = c[2] + o.topOffset;
  let best: GraspSpec | undefined;
  let bestCost = Infinity;
  for (const { grasp: rim } of rimPoints(ctx, o)) {
    const u = [rim.point[0] - c[0], rim.point[1] - c[1]];
    const n = Math.hypot(u[0], u[1]);
    const [ux, uy] = [u[0] / n, u[1] / n];
    // The TCP may stand up to 2 cm out from the rim (the inner finger, 4 cm off the TCP when open, still
    // comes down inside the bowl): closing, the fingers centre the rim on the TCP, and the dish moves out
    // by as much.
    for (const out of UNDER_REACH_OUT) {
      const at = (d: number): Vec3 => [rim.point[0] + (out + d) * ux, rim.point[1] + (out + d) * uy, rim.point[2]];
      if (sweptClearance(ctx.sim, underReachFootprints(at(0), rim.yaw), own, shift) < 0.002) continue;
      const turn = UNDER_REACH_TURNS.find((t) => sweptClearance(ctx.sim, gripperFootprints(at(0), rim.yaw + t), own, shift) >= 0.003);
      if (turn === undefined) continue;
      // the dish's clearance: the better of two squares around it, turned 45° to each other (the round dish
      // is inside both, so wherever either is clear, it is)
      const dish = (d: number, top?: number) =>
        Math.max(...[0, Math.PI / 4].map((yaw) => sweptClearance(ctx.sim, dishFootprints(ctx, o, [(out + d) * ux, (out + d) * uy], top, yaw), own, shift)));
      for (let d = 0.01; d <= 0.12 + 1e-9; d += 0.01) {
        // on the way: the hand under the overhang and the dish's slab; at the end: both clear upward
        const way = Math.min(sweptClearance(ctx.sim, underReachFootprints(at(d), rim.yaw), own, shift), dish(d, roof));
        const up = Math.min(sweptClearance(ctx.sim, gripperFootprints(at(d), rim.yaw), own, shift), dish(d));
        if (way < 0) break;
        if (up < 0.001) continue;
        const cost = out + d + 0.02 * Math.abs(turn);
        if (cost < bestCost) {
          const point: Vec3 = at(0);
          [best, bestCost] = [{ point, yaw: rim.yaw, underReach: { descentYaw: rim.yaw + turn, slideOut: [d * ux, d * uy] } }, cost];
        }
        break;
      }
    }
  }
  return best;
}

/** How far (rad) the gripper may come down turned from a box's grasp yaw, in the order tried. */
const BOX_UNDER_REACH_TURNS = [Math.PI / 2, -Math.PI / 2, Math.PI / 3, -Math.PI / 3, Math.PI / 4, -Math.PI / 4];

/**
 * A grasp `g` of a low box under an overhang: libero_90 task 5, the chocolate pudding (2.7 cm tall) stands in
 * front of the open top drawer, and its grasp closes across its 4.6 cm side, square to the drawer's front:
 * the hand (±9.5 cm along the closing axis) comes down through the front and the handle. The hand fits
 * under them at the grasp (the front's underside is 14 cm above the table), so the gripper comes down turned
 * (its way clear) until the finger pads are 8 mm above the box, turns to the grasp's yaw there, where the
 * hand slab passes under the overhang, goes down, closes, and slides the box out (one of 8 directions, up
 * to 12 cm) until the gripper and the box have a clear way up. Of the candidates, the shortest slide wins
 * (then the smaller turn). Undefined when none allows it.
 */
function underReachBoxGrasp(ctx: ExpertContext, o: PlacedObject, g: GraspSpec): GraspSpec | undefined {
  const own = rootsOf(ctx.sim, [o.body]);
  const c = bodyPos(ctx, o.body);
  const { offset, half } = bodyFootprint(ctx.sim, o.body);
  const [bottom, top] = [c[2] - o.bottomOffset, c[2] + o.topOffset];
  const turnZ = Math.max(g.point[2], top + FINGER_REACH_BELOW_TCP + 0.008);
  const turnAt: Vec3 = [g.point[0], g.point[1], turnZ];
  // nothing overhangs where the gripper's way up is clear
  if (sweptClearance(ctx.sim, gripperFootprints(g.point, g.yaw), own) >= 0.002) return undefined;
  if (sweptClearance(ctx.sim, underReachFootprints(turnAt, g.yaw), own) < 0.002) return undefined;
  const turn = BOX_UNDER_REACH_TURNS.find((t) => sweptClearance(ctx.sim, gripperFootprints(turnAt, g.yaw + t), own) >= 0.003);
  if (turn === undefined) return undefined;
  const box = (dx: number, dy: number, ceiling?: number): Footprint => ({
    centre: [c[0] + offset[0] + dx, c[1] + offset[1] + dy], yaw: 0, halfAlong: half[0], halfAcross: half[1], floor: bottom + 0.002, ceiling,
  });
  let best: GraspSpec | undefined;
  let bestCost = Infinity;
  for (let k = 0; k < 8; k++) {
    const u = [Math.cos((k * Math.PI) / 4), Math.sin((k * Math.PI) / 4)];
    const at = (d: number): Vec3 => [g.point[0] + d * u[0], g.point[1] + d * u[1], g.point[2]];
    const way = (d: number) => Math.min(sweptClearance(ctx.sim, underReachFootprints(at(d), g.yaw), own), sweptClearance(ctx.sim, [box(d * u[0], d * u[1], top)], own));
    for (let d = 0; d <= 0.12 + 1e-9; d += 0.01) {
      if (way(d) < 0) break;
      const up = Math.min(sweptClearance(ctx.sim, gripperFootprints(at(d), g.yaw), own), sweptClearance(ctx.sim, [box(d * u[0], d * u[1])], own));
      if (up < 0.002) continue;
      const cost = d + 0.02 * Math.abs(turn);
      // 1 cm further where that is clear too: the slide stops within 8 mm of its goal (pick)
      const slide = way(d + 0.01) >= 0 ? d + 0.01 : d;
      if (cost < bestCost) [best, bestCost] = [{ ...g, underReach: { descentYaw: g.yaw + turn, slideOut: [slide * u[0], slide * u[1]], turnZ } }, cost];
      break;
    }
  }
  return best;
}

/** The movable object that `o` stands on (or in), if any: a bowl on a ramekin, on a cookie box. */
function objectUnder(ctx: ExpertContext, scene: TaskScene, o: PlacedObject): PlacedObject | undefined {
  const p = bodyPos(ctx, o.body);
  const bottom = p[2] - o.bottomOffset;
  return scene.objects.find((other) => {
    if (other === o) return false;
    const q = bodyPos(ctx, other.body);
    const under = Math.hypot(p[0] - q[0], p[1] - q[1]) < other.horizontalRadius;
    return under && q[2] < p[2] && q[2] + other.topOffset > bottom - 0.01;
  });
}

function objectOf(scene: TaskScene, instance: string): PlacedObject {
  const o = scene.objects.find((x) => x.instance === instance);
  if (!o) throw new Error(`Task ${scene.task.name}: the expert can only move objects; ${instance} is not one.`);
  return o;
}

/**
 * Height of the held object's origin while carrying: its bottom clears, by the style's clearance, the tallest
 * thing under the corridor it is carried along (its footprint, straight from its start to the target): other
 * objects on the way, a basket's walls, a drawer's front, the cabinet it goes onto.
 */
function carryHeight(ctx: ExpertContext, o: PlacedObject, target: Vec3): number {
  const start = bodyPos(ctx, o.body);
  const [dx, dy] = [target[0] - start[0], target[1] - start[1]];
  const steps = Math.max(1, Math.ceil(Math.hypot(dx, dy) / 0.02));
  const { offset, half } = bodyFootprint(ctx.sim, o.body);
  const corridor: Footprint[] = [];
  for (let k = 0; k <= steps; k++) {
    const centre: [number, number] = [start[0] + offset[0] + (k / steps) * dx, start[1] + offset[1] + (k / steps) * dy];
    corridor.push({ centre, yaw: 0, halfAlong: half[0], halfAcross: half[1], floor: -Infinity });
  }
  const top = highestTop(ctx.sim, corridor, rootsOf(ctx.sim, [o.body]));
  return Math.max(top, start[2] - o.bottomOffset, target[2] - o.bottomOffset) + o.bottomOffset + ctx.style.carryHeight;
}

/**
 * A region under a roof (the microwave's cavity): the unit horizontal direction out through its open side,
 * or undefined when the object's way down onto it is open from above (or no side is open). A square of half
 * the object's radius is moved out 30 cm from the centre along each of the region's four sides, sweeping
 * the slab between `bottomZ` and the object's top; the side with nothing in the way is the opening.
 */
function sideOpening(ctx: ExpertContext, o: PlacedObject, f: RegionFrame, bottomZ: number): [number, number] | undefined {
  const own = rootsOf(ctx.sim, [o.body]);
  // half the object's radius: this only tells the open side from walls; where it fits comes later
  const r = o.horizontalRadius / 2;
  const ceiling = bottomZ + o.topOffset + o.bottomOffset;
  const at = (x: number, y: number, roof?: number): Footprint => ({ centre: [x, y], yaw: f.yaw, halfAlong: r, halfAcross: r, floor: bottomZ, ceiling: roof });
  if (sweptClearance(ctx.sim, [at(f.pos[0], f.pos[1])], own) >= 0) return undefined;
  const openSide = (roof: number, reach: (u: [number, number]) => number): [number, number] | undefined => {
    let best: [number, number] | undefined;
    let bestRoom = 0;
    for (let k = 0; k < 4; k++) {
      const u: [number, number] = [Math.cos(f.yaw + (k * Math.PI) / 2), Math.sin(f.yaw + (k * Math.PI) / 2)];
      const path: Footprint[] = [];
      for (let t = 0.02; t <= reach(u); t += 0.02) path.push(at(f.pos[0] + t * u[0], f.pos[1] + t * u[1], roof));
      const room = sweptClearance(ctx.sim, path, own);
      if (room > bestRoom) [best, bestRoom] = [u, room];
    }
    return best;
  };
  // An object as tall as the room under the roof (the black book, 13.44 cm, under the shelf's top board)
  // finds no side open over its whole height. The open side is then the one open just above the floor, out
  // to 6 cm past the region's edge: further out, what stands in front of the shelf (the other books) blocks
  // the slab as walls would.
  return openSide(ceiling, () => 0.3) ?? openSide(bottomZ + 0.02, (u) => Math.abs(u[0]) * f.half[0] + Math.abs(u[1]) * f.half[1] + 0.06);
}

/**
 * Turns the held object about the vertical, at the spot, so that `ref` (a point on it: its handle, or the end
 * in the hand) lies on the `out` side of its origin; two half turns. The wrist turns the other way round when
 * that keeps joint 7 in range (q7 falls as the TCP's yaw rises), or the way round the sign of `way` gives.
 * Returns the TCP's yaw after the turn.
 */
function* pointOut(ctx: ExpertContext, body: string, ref: Vec3, out: [number, number], way?: number): Generator<Action, number, void> {
  const s = ctx.style;
  const origin = bodyPos(ctx, body);
  let turn = wrap(Math.atan2(out[1], out[0]) - Math.atan2(ref[1] - origin[1], ref[0] - origin[0]));
  const q7 = ctx.robot.armQpos()[6];
  if (way !== undefined ? Math.sign(turn) !== Math.sign(way) : Math.abs(q7 - turn) > 2.75) turn -= Math.sign(turn) * 2 * Math.PI;
  const yaw0 = currentYaw(ctx);
  const here = ctx.robot.tcpPos();
  yield* moveTo(ctx, here, yaw0 + turn / 2, s.fineSpeed, 0.01, 30);
  yield* moveTo(ctx, here, yaw0 + turn, s.fineSpeed, 0.01, 30);
  return yaw0 + turn;
}

/**
 * TCP targets that bring a held body's origin to a given point, from the hand-to-origin offset as last
 * measured (now, and again at each `measure()`: the grasp may slip between moves).
 */
function heldTargets(ctx: ExpertContext, body: string): { measure(): void; tcpFor(p: Vec3): Vec3 } {
  let off: Vec3 = [0, 0, 0];
  const measure = () => {
    const p = ctx.robot.tcpPos();
    const q = bodyPos(ctx, body);
    off = [p[0] - q[0], p[1] - q[1], p[2] - q[2]];
  };
  measure();
  return { measure, tcpFor: (p) => [p[0] + off[0], p[1] + off[1], p[2] + off[2]] };
}

/** How far (rad) from the middle of its ±2.90 rad range joint 7 may end a turn (pointOut's bound). */
const Q7_TURN_LIMIT = 2.75;

/**
 * Grasp `g` of object `o` at the twin yaw (g.yaw or g.yaw + π) from which pointOut's half turn, bringing
 * `ref` (a point on the object: its handle, the end held) to the `out` side of its origin, can go the way
 * round the object has room to swing, and that way (the turn's sign). The object swings about the grasp
 * point, its bottom at `carry` less its bottomOffset: one way round a mug may sweep through the open
 * microwave door (libero_10 task 9 state 0: the door pushed from −1.33 to −1.60 rad and the mug turned in the
 * fingers, stuck halfway in). Which way the wrist can turn depends on joint 7, which falls as the TCP's yaw
 * rises: from one twin often only one way stays inside the joint's range. Ways are tried clear first, the
 * shorter turn first; of the twins that fit, the one that ends the turn with joint 7 nearest its middle, for
 * what comes after. Where neither twin fits, `g` as it is and no way: pointOut then turns as joint 7 allows.
 */
function graspForTurn(ctx: ExpertContext, o: PlacedObject, g: GraspSpec, ref: Vec3, out: [number, number], carry: number): { grasp: GraspSpec; way?: number } {
  const origin = bodyPos(ctx, o.body);
  const need = wrap(Math.atan2(out[1], out[0]) - Math.atan2(ref[1] - origin[1], ref[0] - origin[0]));
  const ways = [need, need - Math.sign(need) * 2 * Math.PI];
  const own = rootsOf(ctx.sim, [o.body]);
  const r = o.horizontalRadius;
  const rel = [origin[0] - g.point[0], origin[1] - g.point[1]];
  // the object's footprint every 15° along the swing (a square of half its radius holds it at any yaw)
  const swing = (way: number): number => {
    const steps = Math.max(1, Math.ceil(Math.abs(way) / (Math.PI / 12)));
    const footprints: Footprint[] = [];
    for (let k = 1; k <= steps; k++) {
      const [c, sn] = [Math.cos((k / steps) * way), Math.sin((k / steps) * way)];
      const centre: [number, number] = [g.point[0] + c * rel[0] - sn * rel[1], g.point[1] + sn * rel[0] + c * rel[1]];
      footprints.push({ centre, yaw: 0, halfAlong: r, halfAcross: r, floor: carry - o.bottomOffset, ceiling: carry + o.topOffset });
    }
    return sweptClearance(ctx.sim, footprints, own);
  };
  const order = ways.map((way) => ({ way, clear: swing(way) >= 0.005 })).sort((a, b) => Number(b.clear) - Number(a.clear) || Math.abs(a.way) - Math.abs(b.way));
  // joint 7 falls about as much as the TCP's yaw rises (skills.ts, graspYaw)
  const current = currentYaw(ctx);
  const q7 = ctx.robot.armQpos()[6];
  const near = nearestGraspYaw(g.yaw, current);
  const twins = [near, near - Math.sign(near - current) * Math.PI];
  for (const { way } of order) {
    const fits = twins
      .map((yaw) => ({ yaw, q7Grasp: q7 - (yaw - current) }))
      .filter(({ q7Grasp }) => Math.abs(q7Grasp) <= Q7_TURN_LIMIT && Math.abs(q7Grasp - way) <= Q7_TURN_LIMIT)
      .sort((a, b) => Math.abs(a.q7Grasp - way) - Math.abs(b.q7Grasp - way));
    if (fits.length > 0) return { grasp: { ...g, yaw: fits[0].yaw, keepTwin: true }, way };
  }
  return { grasp: g, way: undefined };
}

/**
 * Puts object `o` into a region under a roof through its open side `out` (unit, pointing out): a mug into the
 * microwave. A grasp from above leaves the hand higher than the cavity's roof, so the object is held by
 * its handle, pinched low across the handle's thin side, and turned so that the handle points out; it is
 * lowered in front of the opening to just above the floor, slid in, let go, and the gripper backs out.
 * The spot inside is the one nearest the region's centre where the object and the hand both have room.
 * Objects without a handle geom have no such grasp: the subgoal fails.
 */
function* insertThroughSide(ctx: ExpertContext, o: PlacedObject, f: RegionFrame, out: [number, number]): Skill {
  const handleName = `${o.body}_handle`;
  if (!hasGeom(ctx, handleName)) return false;
  const s = ctx.style;
  const handle = geomBox(ctx, handleName);
  const [hm, hs, hc] = [handle.mat, handle.size, handle.pos];
  const origin = bodyPos(ctx, o.body);
  const bottom = origin[2] - o.bottomOffset;
  // the handle's thin horizontal side: the pinch closes across it, 1 cm above the handle's lowest point
  const thin = [0, 1, 2].filter((k) => Math.abs(hm[6 + k]) < 0.5).reduce((a, b) => (hs[a] < hs[b] ? a : b));
  const pinch: GraspSpec = { point: [hc[0], hc[1], hc[2] - halfHeight(handle) + 0.01], yaw: Math.atan2(hm[3 + thin], hm[thin]) };
  const reachOut = Math.hypot(hc[0] - origin[0], hc[1] - origin[1]); // origin → pinch point, horizontally
  const pinchHeight = pinch.point[2] - bottom;

  // where inside: object and hand (at the pinch point, handle out) both clear between floor and roof
  const floorZ = f.pos[2] + f.supportOffset + 0.005;
  const own = rootsOf(ctx.sim, [o.body]);
  const r = o.horizontalRadius;
  const closingYaw = Math.atan2(out[1], out[0]) + Math.PI / 2;
  const room = (x: number, y: number) => {
    const tcp: Vec3 = [x + reachOut * out[0], y + reachOut * out[1], floorZ + pinchHeight];
    const hand = gripperFootprints(tcp, closingYaw)[2];
    const body: Footprint = { centre: [x, y], yaw: f.yaw, halfAlong: r, halfAcross: r, floor: floorZ, ceiling: floorZ + o.topOffset + o.bottomOffset };
    return sweptClearance(ctx.sim, [body, { ...hand, ceiling: tcp[2] + 0.097 }], own);
  };
  let target: [number, number] | undefined;
  const STEP = 0.005;
  for (let i = -Math.floor(f.half[0] / STEP); i <= f.half[0] / STEP; i++) {
    for (let j = -Math.floor(f.half[1] / STEP); j <= f.half[1] / STEP; j++) {
      const p: [number, number] = [f.pos[0] + i * STEP, f.pos[1] + j * STEP];
      const nearer = !target || Math.hypot(i, j) * STEP < Math.hypot(target[0] - f.pos[0], target[1] - f.pos[1]);
      if (nearer && room(...p) >= 0.003) target = p;
    }
  }
  if (!target) return false;
  const inside: Vec3 = [target[0], target[1], floorZ + o.bottomOffset];
  const front: Vec3 = [inside[0] + 0.25 * out[0], inside[1] + 0.25 * out[1], inside[2]];
  const carry = carryHeight(ctx, o, front);
  const { grasp, way } = graspForTurn(ctx, o, pinch, geomPos(ctx, handleName), out, carry);
  const held = yield* pick(ctx, o.body, () => grasp, carry + pinch.point[2] - origin[2]);
  if (!held) return false;

  const yaw = yield* pointOut(ctx, o.body, geomPos(ctx, handleName), out, way);
  const moved = heldTargets(ctx, o.body);
  yield* moveTo(ctx, moved.tcpFor([front[0], front[1], carry]), yaw, s.speed, 0.02);
  moved.measure();
  yield* moveTo(ctx, moved.tcpFor(front), yaw, s.fineSpeed, 0.008);
  moved.measure();
  yield* moveTo(ctx, moved.tcpFor(inside), yaw, s.fineSpeed * 0.7, 0.006, 60);
  yield* actuateGripper(ctx, OPEN, ctx.robot.tcpPos(), yaw);
  const p = ctx.robot.tcpPos();
  yield* moveTo(ctx, [p[0] + 0.15 * out[0], p[1] + 0.15 * out[1], p[2]], yaw, s.fineSpeed, 0.02, 30);
  const q = ctx.robot.tcpPos();
  yield* moveTo(ctx, [q[0], q[1], q[2] + 0.08], yaw, s.speed, 0.02, 20);
  return true;
}

/**
 * Where the TCP stops, outside a roofed region's edge along its opening (m), when an object is slid in held
 * by its outer end: the shelf's top board reaches 1.05 cm beyond the edge of its top_region (board front at
 * root y −0.0792, the region's edge at −0.0687), and the closed fingers stand 1 cm either side of the TCP
 * across their thin side, so they stop 4.5 mm in front of the board.
 */
const TCP_OUTSIDE_EDGE = 0.025;

/** How far in from its outer end a thin box slid under a roof is held (m): the pads (1.6 cm wide) on it. */
const END_INSET = 0.015;

/** Room a box slid in under a roof keeps (m): 4 mm over the floor, 6 mm under the roof. */
const ROOF_MARGIN = 0.01;

/** The largest roll (rad) of a box slid in under a roof: beyond it the hand's lower end comes down to the floor. */
const MAX_ROLL = (50 * Math.PI) / 180;

/**
 * The roll of a box that is let go in front of the opening to fall onto its cover (layDownAndPushIn): it
 * tips over past 11°. Rolled by MAX_ROLL instead, toward the base, the wrist needed joint 6 past its 3.75
 * rad limit (and joint 7 at its 2.90 one) with the fingers closing along the TCP's x axis: the hand stopped
 * short of the roll, the book fell from too high, and the push ran out of steps (libero_90 task 89: 4 of
 * states 0-7 failed, against 0 at 30°).
 */
const LAID_ROLL = (30 * Math.PI) / 180;

/** How far inside the region's edge a rolled box's origin ends (m); LIBERO's In is strict. */
const ROLLED_ORIGIN_INSET = 0.008;

/**
 * The height (m) of the free slab over a region's floor at `floorZ`, under what roofs it (the shelf's top
 * board over its top_region: 13.44 cm), over the region's footprint less 1 cm each side, leaving out `o`.
 */
function roomUnderRoof(ctx: ExpertContext, o: PlacedObject, f: RegionFrame, floorZ: number): number {
  const own = rootsOf(ctx.sim, [o.body]);
  const slab = (h: number): Footprint => ({
    centre: [f.pos[0], f.pos[1]], yaw: 0, halfAlong: f.half[0] - 0.01, halfAcross: f.half[1] - 0.01, floor: floorZ + 0.002, ceiling: floorZ + h,
  });
  let [lo, hi] = [0, 0.5];
  for (let k = 0; k < 16; k++) {
    const mid = (lo + hi) / 2;
    if (sweptClearance(ctx.sim, [slab(mid)], own) >= 0) lo = mid;
    else hi = mid;
  }
  return lo;
}

/**
 * Slides a thin box without a handle (a book) into a region under a roof through its open side `out` (unit,
 * pointing out): the yellow book onto the shelf's middle board (libero_90 88), whose top board covers the
 * whole region, 13.44 cm over the middle board for a 12.2 cm book, so the hand cannot come down into it.
 * The box is taken from above by its top edge near one end, the closing axis across its thickness, turned so
 * that end points out, lowered in front of the opening to 5 mm above the floor, and slid in until the fingers
 * are just outside the roof: the book's centre then ends (halfLong − END_INSET − TCP_OUTSIDE_EDGE) = 9 mm
 * inside the region. Boxes without a `cover` geom have no such grasp: the subgoal fails.
 *
 * A box as tall as the room under the roof (the black book, 13.44 cm, onto that shelf: libero_90 86) goes in
 * rolled about its length by the least angle (5° steps, at most 50°) at which it clears the roof by
 * ROOF_MARGIN: 40° for the black book, 12.1 cm tall so. It is held by the end farther from its origin (6.7
 * cm from it, against 4.3) and slid in only until the origin, which LIBERO's In tests, is ROLLED_ORIGIN_INSET
 * inside the region's edge: the hand (2.5 cm either side of the TCP along the opening) then stays 1.2 cm in
 * front of the roof, which it could not pass rolled (`slideInRolled`). A box too tall even rolled by 50° (the
 * yellow book, 12.2 cm, under the shelf's middle board: libero_90 89) is laid down in front of the opening
 * and pushed in (`layDownAndPushIn`), where it fits lying; otherwise the subgoal fails at once.
 */
function* slideInByEnd(ctx: ExpertContext, o: PlacedObject, f: RegionFrame, out: [number, number]): Skill {
  const name = `${o.body}_cover`;
  if (!hasGeom(ctx, name)) return false;
  const s = ctx.style;
  const { mat: m, size, pos: c } = geomBox(ctx, name);
  // local axis 0/1 horizontal: the longer is the length, the shorter the thickness
  const [li, ti] = size[0] >= size[1] ? [0, 1] : [1, 0];
  const L = [m[li], m[3 + li]];
  const T = [m[ti], m[3 + ti]];
  const halfLong = size[li];
  const top = c[2] + size[2];
  const origin = bodyPos(ctx, o.body);
  const floorZ = f.pos[2] + f.supportOffset + 0.005;
  const room = roomUnderRoof(ctx, o, f, floorZ - 0.005);
  const [height, thickness] = [2 * size[2], 2 * size[ti]];
  let roll = 0;
  while (roll <= MAX_ROLL + 1e-9 && height * Math.cos(roll) + thickness * Math.sin(roll) + ROOF_MARGIN > room) roll += Math.PI / 36;
  // too tall even rolled: laid on its cover in front of the opening, then pushed in, where it fits so
  const laid = roll > MAX_ROLL + 1e-9;
  if (laid && thickness + ROOF_MARGIN > room) return false;
  if (laid) roll = LAID_ROLL;
  // the end held: the +L one upright; rolled, the one farther from the origin (the hand stays out in front)
  const along = (c[0] - origin[0]) * L[0] + (c[1] - origin[1]) * L[1];
  const end = roll > 0 && along < 0 ? -1 : 1;
  const point: Vec3 = [c[0] + end * (halfLong - END_INSET) * L[0], c[1] + end * (halfLong - END_INSET) * L[1], top - 0.015];
  const grasp: GraspSpec = { point, yaw: Math.atan2(T[1], T[0]) };
  const edge = Math.abs(out[0]) * f.half[0] + Math.abs(out[1]) * f.half[1];
  // TCP's final spot: the fingers just outside the roof's front (about 1 cm beyond the region's edge)
  const tcpIn: Vec3 = [f.pos[0] + (edge + TCP_OUTSIDE_EDGE) * out[0], f.pos[1] + (edge + TCP_OUTSIDE_EDGE) * out[1], 0];
  const inside: Vec3 = [tcpIn[0] - (halfLong - END_INSET) * out[0], tcpIn[1] - (halfLong - END_INSET) * out[1], floorZ + o.bottomOffset];
  // rolled: the origin ROLLED_ORIGIN_INSET inside the edge; the way in starts where the box's inner end
  // (halfLong − |along| from the origin) is 3 cm out of the region's edge, short of what stands further out
  const originIn: [number, number] = [f.pos[0] + (edge - ROLLED_ORIGIN_INSET) * out[0], f.pos[1] + (edge - ROLLED_ORIGIN_INSET) * out[1]];
  const lead = halfLong - Math.abs(along) + ROLLED_ORIGIN_INSET + 0.03;
  const front: Vec3 = roll > 0
    ? [originIn[0] + lead * out[0], originIn[1] + lead * out[1], inside[2]]
    : [inside[0] + 0.2 * out[0], inside[1] + 0.2 * out[1], inside[2]];
  const carry = carryHeight(ctx, o, front);
  const held = yield* pick(ctx, o.body, () => grasp, carry + point[2] - origin[2]);
  if (!held) return false;
  // the held end (at the hand) points out
  const yaw = yield* pointOut(ctx, o.body, ctx.robot.tcpPos(), out);
  const moved = heldTargets(ctx, o.body);
  const aboveFront = moved.tcpFor([front[0], front[1], carry]);
  if (laid) return yield* layDownAndPushIn(ctx, o, f, out, roll, aboveFront, originIn, front, floorZ);
  if (roll > 0) return yield* slideInRolled(ctx, o, f, out, roll, aboveFront, originIn, front, floorZ);
  yield* moveTo(ctx, aboveFront, yaw, s.speed, 0.02);
  moved.measure();
  yield* moveTo(ctx, moved.tcpFor(front), yaw, s.fineSpeed, 0.008);
  moved.measure();
  const z = moved.tcpFor(inside)[2];
  yield* moveTo(ctx, [tcpIn[0], tcpIn[1], z], yaw, s.fineSpeed * 0.7, 0.006, 60);
  yield* actuateGripper(ctx, OPEN, ctx.robot.tcpPos(), yaw);
  const p = ctx.robot.tcpPos();
  yield* moveTo(ctx, [p[0] + 0.1 * out[0], p[1] + 0.1 * out[1], p[2]], yaw, s.fineSpeed, 0.02, 30);
  return true;
}

/**
 * Carries the held box to `above` (TCP, world) pointing down and rolls the hand there about `out` by `roll`
 * (rad), the box's top leaning toward the robot's base or away from it; returns the rolled TCP orientation.
 */
function* rollAbout(ctx: ExpertContext, f: RegionFrame, out: [number, number], roll: number, above: Vec3, towardBase: boolean): Generator<number[], number[], void> {
  const s = ctx.style;
  yield* moveTo(ctx, above, currentYaw(ctx), s.speed, 0.02);
  // +roll about `out` carries the top toward out × z
  const base = bodyPos(ctx, "robot0_base");
  const side = [out[1], -out[0]];
  const sign = (side[0] * (base[0] - f.pos[0]) + side[1] * (base[1] - f.pos[1]) >= 0 ? 1 : -1) * (towardBase ? 1 : -1);
  const rolled = matMul3(axisAngleToMat([sign * roll * out[0], sign * roll * out[1], 0]), ctx.robot.tcpMat());
  yield* moveToPose(ctx, above, rolled, s.fineSpeed, 0.01, 40);
  return rolled;
}

/** World z of the lowest point of a box object's `cover` geom, as it stands or hangs now. */
function lowestPoint(ctx: ExpertContext, o: PlacedObject): number {
  const cover = geomBox(ctx, `${o.body}_cover`);
  return cover.pos[2] - halfHeight(cover);
}

/**
 * The laid end of `slideInByEnd`, for a box too tall for the room under the roof even rolled (the yellow book
 * under the shelf, 12.2 cm tall under the middle board: libero_90 89): rolled by LAID_ROLL at `above`, its
 * top toward the base, it is lowered in front of the opening until its lowest edge is 5 mm over the floor and
 * let go, and falls onto its cover (it tips past 11°), its length still along `out`; the closed fingers then
 * push it in by its outer end, 1 cm over the floor, until its origin (on its side now, halfway along) is at
 * `originIn`. Rolled away from the base, the hand let go 10 cm further out and the elbow came straight (joint
 * 4 at its −0.07 limit), from where the arm could not come back for the push. The push's yaw is the twin
 * half a turn from the yaw the book was carried at: the release leaves joints 5 and 6 at their limits (−2.90,
 * 3.75), and pointing down at the near twin kept them there, the push stalling 1–2 cm short (6 of states
 * 0–9); the far twin unwinds the wrist (joint 5 near 0).
 */
function* layDownAndPushIn(
  ctx: ExpertContext, o: PlacedObject, f: RegionFrame, out: [number, number], roll: number, above: Vec3, originIn: [number, number], front: Vec3, floorZ: number,
): Skill {
  const s = ctx.style;
  const carriedYaw = currentYaw(ctx);
  const rolled = yield* rollAbout(ctx, f, out, roll, above, true);
  const originZ = floorZ + (bodyPos(ctx, o.body)[2] - lowestPoint(ctx, o));
  yield* moveToPose(ctx, heldTargets(ctx, o.body).tcpFor([front[0], front[1], originZ]), rolled, s.fineSpeed, 0.008, 60);
  yield* actuateGripper(ctx, OPEN, ctx.robot.tcpPos(), rolled);
  const p = ctx.robot.tcpPos();
  yield* moveToPose(ctx, [p[0] + 0.05 * out[0], p[1] + 0.05 * out[1], p[2] + 0.08], rolled, s.speed, 0.02, 30);
  // the push: the closed fingers' broad side against the middle of its outer end, tips 1 cm over the floor
  const { offset, half } = bodyFootprint(ctx.sim, o.body);
  const q = bodyPos(ctx, o.body);
  const centre = [q[0] + offset[0], q[1] + offset[1]];
  const reach = Math.abs(out[0]) * half[0] + Math.abs(out[1]) * half[1];
  const z = floorZ - 0.005 + 0.01 + FINGER_REACH_BELOW_TCP;
  const start: Vec3 = [centre[0] + (reach + 0.02) * out[0], centre[1] + (reach + 0.02) * out[1], z];
  const push = (q[0] - originIn[0]) * out[0] + (q[1] - originIn[1]) * out[1];
  ctx.gripper = CLOSE;
  // point down again, 10 cm higher, before choosing the push's yaw: the release left the wrist near its limits
  const here = ctx.robot.tcpPos();
  yield* moveTo(ctx, [here[0], here[1], here[2] + 0.1], currentYaw(ctx), s.fineSpeed, 0.02, 40);
  const twin = wrap(Math.atan2(out[1], out[0]) + Math.PI / 2);
  const yaw = Math.abs(wrap(twin - carriedYaw)) >= Math.PI / 2 ? twin : wrap(twin + Math.PI);
  yield* moveTo(ctx, [start[0], start[1], z + 0.06], yaw, s.speed, 0.015);
  yield* moveTo(ctx, start, yaw, s.fineSpeed, 0.006, 40);
  const end: Vec3 = [start[0] - (push + 0.02) * out[0], start[1] - (push + 0.02) * out[1], z];
  yield* moveTo(ctx, end, yaw, s.fineSpeed * 0.6, 0.005, 80);
  const e = ctx.robot.tcpPos();
  yield* moveTo(ctx, [e[0] + 0.03 * out[0], e[1] + 0.03 * out[1], e[2] + 0.05], yaw, s.speed, 0.02, 20);
  return true;
}

/**
 * The rolled end of `slideInByEnd`, the box held by its outer end with its length along `out`: to `above`
 * (the TCP over the approach point at the carry height), roll the hand about `out` by `roll`, the box's top
 * leaning away from the robot's base, lower it in front of the opening until its lowest edge is 6 mm over the
 * floor, slide it in until its origin is at `originIn`, let go and back out. Leaning toward the base, the roll
 * on top of the turn that points the held end out took joint 7 to its limit (2.90 rad, libero_90 86 state 0),
 * and the TCP stopped 1.4 cm high, the book's top above the top board's underside.
 */
function* slideInRolled(
  ctx: ExpertContext, o: PlacedObject, f: RegionFrame, out: [number, number], roll: number, above: Vec3, originIn: [number, number], front: Vec3, floorZ: number,
): Skill {
  const s = ctx.style;
  const rolled = yield* rollAbout(ctx, f, out, roll, above, false);
  const originZ = floorZ + 0.001 + (bodyPos(ctx, o.body)[2] - lowestPoint(ctx, o));
  if (originZ >= f.pos[2] + f.half[2]) return false; // the origin would stay above the region: not In
  const moved = heldTargets(ctx, o.body);
  yield* moveToPose(ctx, moved.tcpFor([front[0], front[1], originZ]), rolled, s.fineSpeed, 0.008, 60);
  moved.measure();
  yield* moveToPose(ctx, moved.tcpFor([originIn[0], originIn[1], originZ]), rolled, s.fineSpeed * 0.7, 0.006, 60);
  yield* actuateGripper(ctx, OPEN, ctx.robot.tcpPos(), rolled);
  const p = ctx.robot.tcpPos();
  yield* moveToPose(ctx, [p[0] + 0.1 * out[0], p[1] + 0.1 * out[1], p[2] + 0.03], rolled, s.fineSpeed, 0.02, 30);
  return true;
}

function hasGeom(ctx: ExpertContext, name: string): boolean {
  return ctx.sim.mj.mj_name2id(ctx.sim.model, ctx.sim.mj.mjtObj.mjOBJ_GEOM.value, name) >= 0;
}

/** How far (m, horizontally) into a sloping region's On window the expert aims (slopeInset). */
const SLOPE_INSET = 0.01;

/**
 * The horizontal move (m, world) from a region site's centre to where an object set On it should aim, for a
 * site on a slope: the wine rack's top region, its z axis 62.5° from the vertical, pointing up the rack.
 * LIBERO's On window runs along that axis from 2.5 mm below the site's centre to 10 cm above it, so an
 * object aimed at the centre ends on the window's edge: a wine bottle set upright there stands on the
 * stopper bar, whose slanted top pushes it back out by about 1 cm (libero_goal task 9: 6 of 50 train states
 * pressed for 40 steps 0.5–3.5 mm short of the window and gave up). Aimed 1 cm in, it lands inside on the
 * first touch (those 6 took 196–211 steps). Zero for a level site and for a wall's (the shelf's bottom
 * region stands on its side: its z axis is horizontal, and its window is not a slope).
 */
function slopeInset(ctx: ExpertContext, site: string): [number, number] {
  const s = ctx.sim.id("site", site);
  const m = ctx.sim.data.site_xmat.subarray(9 * s, 9 * s + 9);
  const [zx, zy, zz] = [m[2], m[5], m[8]]; // the site's z axis in world
  const level = Math.hypot(zx, zy);
  if (Math.abs(zz) > 0.99 || Math.abs(zz) < 0.1) return [0, 0];
  return [(SLOPE_INSET * zx) / level, (SLOPE_INSET * zy) / level];
}

function* pickAndPlace(ctx: ExpertContext, scene: TaskScene, atom: Atom): Skill {
  const [a, b] = atom.args;
  const o = objectOf(scene, a);
  const region = resolveRegion(scene.task, b);
  let target: Vec3;
  let releaseAbove = 0.01;
  let turn = 0;
  if (region === null) {
    const base = objectOf(scene, b);
    const pb = bodyPos(ctx, base.body);
    target = [pb[0], pb[1], pb[2] + base.topOffset + o.bottomOffset];
  } else {
    const f = regionFrame(ctx, scene, b);
    const surface = f.pos[2] + f.supportOffset;
    if (atom.op === "In") {
      const out = sideOpening(ctx, o, f, surface + 0.005);
      if (out) return hasGeom(ctx, `${o.body}_handle`) ? yield* insertThroughSide(ctx, o, f, out) : yield* slideInByEnd(ctx, o, f, out);
      releaseAbove = 0.03;
    }
    const sharing = scene.task.goal.filter((g) => g.op === atom.op && g.args[1] === b).map((g) => g.args[0]);
    const nominal = slotOf(ctx, scene, f, atom.op as "On" | "In", sharing.indexOf(a), sharing);
    // Dropped into a shared container, an object goes to its slot even where the square footprints of the
    // test overlap its round neighbour's; elsewhere the spot must be clear.
    const shared = atom.op === "In" && sharing.length > 1;
    if (atom.op === "In") turn = turnToFit(ctx, o, f);
    if (atom.op === "In" && !shared && surface + o.bottomOffset >= f.pos[2] + f.half[2]) return yield* tipOverInto(ctx, scene, o, f, surface);
    target = [...(shared ? nominal : releaseSpot(ctx, o, f, surface + releaseAbove, nominal, turn)), surface + o.bottomOffset];
    if (atom.op === "On") {
      const [dx, dy] = slopeInset(ctx, b);
      target = [target[0] + dx, target[1] + dy, target[2]];
    }
  }
  const carry = carryHeight(ctx, o, target);
  const base = objectUnder(ctx, scene, o);
  const grasp = () => graspOf(ctx, o, base);
  // lift straight up until the object's origin is at the carry height (the TCP is the grasp point's height
  // above it)
  const liftTo = carry + grasp().point[2] - bodyPos(ctx, o.body)[2];
  const held = yield* pick(ctx, o.body, grasp, liftTo);
  if (!held) return false;
  return yield* place(ctx, o.body, target, carry, releaseAbove, turn === 0 ? undefined : currentYaw(ctx) + turn);
}

/**
 * Puts object `o` into region `f` (open from above, its floor at `surface`) lying down, where standing up its
 * origin would stay above the region's top, which LIBERO's In needs it under: the ketchup (14.6 cm, origin at
 * its middle) into the top drawer (libero_90 32) stands with its origin 7.2 cm over the floor, and the region
 * reaches 5.6 cm. It is set down upright near one end of the region's long side, 1.5 cm from the end (the
 * end nearer the robot's base), and the closed fingers push its upper part (at 3/4 of its height) about 8 cm
 * toward the other end, over which it falls lying along that side (20 cm of drawer for its 14.6 cm; from the
 * middle it would fall onto the far wall's top and lean there with its origin about at the region's top).
 * Its origin passes under the region's top as it falls.
 */
function* tipOverInto(ctx: ExpertContext, scene: TaskScene, o: PlacedObject, f: RegionFrame, surface: number): Skill {
  const s = ctx.style;
  // the region's long side: along f.yaw or across it
  const [c, sn] = [Math.abs(Math.cos(f.yaw)), Math.abs(Math.sin(f.yaw))];
  const along = c * f.half[0] + sn * f.half[1];
  const across = sn * f.half[0] + c * f.half[1];
  const axis = along >= across ? f.yaw : f.yaw + Math.PI / 2;
  let u: [number, number] = [Math.cos(axis), Math.sin(axis)];
  const halfLong = Math.max(along, across);
  // fall away from the robot's base: the push is then a reach forward
  const base = bodyPos(ctx, "robot0_base");
  if (u[0] * (f.pos[0] - base[0]) + u[1] * (f.pos[1] - base[1]) < 0) u = [-u[0], -u[1]];
  const { offset, half } = bodyFootprint(ctx.sim, o.body);
  const reach = Math.abs(u[0]) * half[0] + Math.abs(u[1]) * half[1];
  const back = halfLong - reach - 0.015;
  const nominal: [number, number] = [f.pos[0] - back * u[0] - offset[0], f.pos[1] - back * u[1] - offset[1]];
  const target: Vec3 = [...releaseSpot(ctx, o, f, surface + 0.03, nominal), surface + o.bottomOffset];
  const carry = carryHeight(ctx, o, target);
  const under = objectUnder(ctx, scene, o);
  const grasp = () => graspOf(ctx, o, under);
  const held = yield* pick(ctx, o.body, grasp, carry + grasp().point[2] - bodyPos(ctx, o.body)[2]);
  if (!held) return false;
  yield* place(ctx, o.body, target, carry, 0.03);
  // the push: the closed fingers' broad side against the object's upper part, on the near side
  const p = bodyPos(ctx, o.body);
  const height = o.topOffset + o.bottomOffset;
  const z = p[2] - o.bottomOffset + 0.75 * height + FINGER_REACH_BELOW_TCP;
  const foot = bodyFootprint(ctx.sim, o.body);
  const r = Math.abs(u[0]) * foot.half[0] + Math.abs(u[1]) * foot.half[1];
  const cx = [p[0] + foot.offset[0], p[1] + foot.offset[1]];
  const start: Vec3 = [cx[0] - (r + 0.02) * u[0], cx[1] - (r + 0.02) * u[1], z];
  const yaw = nearestGraspYaw(Math.atan2(u[1], u[0]) + Math.PI / 2, currentYaw(ctx));
  ctx.gripper = CLOSE;
  yield* moveTo(ctx, [start[0], start[1], z + 0.05], yaw, s.speed, 0.015);
  yield* moveTo(ctx, start, yaw, s.fineSpeed, 0.006, 40);
  yield* moveTo(ctx, [start[0] + 0.1 * u[0], start[1] + 0.1 * u[1], z], yaw, s.fineSpeed * 0.6, 0.005, 60);
  const e = ctx.robot.tcpPos();
  yield* moveTo(ctx, [e[0], e[1], e[2] + 0.06], yaw, s.speed, 0.02, 20);
  return true;
}

/** World position of a named geom (handles, knob bars, door handles). */
function geomPos(ctx: ExpertContext, geom: string): Vec3 {
  const g = ctx.sim.id("geom", geom);
  const x = ctx.sim.data.geom_xpos;
  return [x[3 * g], x[3 * g + 1], x[3 * g + 2]];
}

/**
 * A box geom as it stands now: centre, rotation (row-major: column k is the geom's axis k in world) and half
 * sizes. The two arrays are views into the simulator's memory: read them before stepping again.
 */
interface GeomBox {
  pos: Vec3;
  mat: ArrayLike<number>;
  size: ArrayLike<number>;
}

function geomBox(ctx: ExpertContext, geom: string): GeomBox {
  const g = ctx.sim.id("geom", geom);
  return { pos: geomPos(ctx, geom), mat: ctx.sim.data.geom_xmat.subarray(9 * g, 9 * g + 9), size: ctx.sim.model.geom_size.subarray(3 * g, 3 * g + 3) };
}

/** How far a box geom reaches below (and above) its centre, vertically. */
function halfHeight(b: GeomBox): number {
  return Math.abs(b.mat[6]) * b.size[0] + Math.abs(b.mat[7]) * b.size[1] + Math.abs(b.mat[8]) * b.size[2];
}

/** Unit direction of a body's local axis in world coordinates. */
function bodyAxis(ctx: ExpertContext, body: string, axis: 0 | 1 | 2): Vec3 {
  const m = bodyMat(ctx, body);
  return [m[axis], m[3 + axis], m[6 + axis]];
}

/**
 * How far (m, joint q) the expert pulls a drawer out: past LIBERO's Open threshold (q < −0.14), and far
 * enough for a bowl's rim (10.2 cm) to pass down between the housing and the drawer's front (|q| − 2.95 cm
 * of room: 11.5 cm), no further (a drawer pulled out further overhangs more of what stands in front).
 */
const PULLED_TO = -0.145;

/** Half the Panda hand's length along the closing axis (m; clearance.ts, gripperFootprints). */
const HAND_HALF_LENGTH = 0.095;

/** How far (rad) from straight down the gripper points when it pinches a bottom drawer's bar lengthwise. */
const LOW_HANDLE_PITCH = Math.PI / 4;

/**
 * Drawers. Closing: push the handle bar along the cabinet's +y with the closed fingertips, the gripper
 * pitched toward the cabinet, until the joint is shut. Opening: turn the gripper to point horizontally at the
 * cabinet, close it on the handle bar from the front and pull along the cabinet's −y.
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
  const s = ctx.style;
  const h = geomPos(ctx, handle);
  ctx.gripper = open ? OPEN : CLOSE;
  if (open) {
    // Pointing down, the gripper takes the yaw from which the turn to `facing` is a pure 90° pitch about
    // the TCP's y axis (square to the closing axis x): any other yaw adds a half turn of the wrist that pushes
    // joint 7 past its limit. Of the two such yaws (closing along the cabinet's ∓y), the twin graspYaw keeps
    // joint 7 in range with.
    let yaw = graspYaw(ctx, Math.atan2(-y[1], -y[0]));
    // The handle bar hangs under the upper drawer's front and the housing top: no way down behind it from
    // above. So the gripper turns to point horizontally at the cabinet (TCP z along the cabinet's +y, fingers closing
    // vertically), closes on the bar from the front and pulls it out along the cabinet's −y.
    const d = [y[0], y[1], 0];
    // columns: x = y × z (±world z: the fingers close vertically), y = the pointing-down TCP's y (horizontal,
    // along the bar; the pitch turns about it), z = d
    const side = [Math.sin(yaw), -Math.cos(yaw), 0]; // column 1 of downOrientation(yaw)
    const up = side[0] * d[1] - side[1] * d[0]; // (side × d)·world z; side × d has no other component
    let facing = [0, side[0], d[0], 0, side[1], d[1], up, 0, 0];
    // the gripper's pointing axis (TCP z): it comes in along it
    let axis = d;
    if (h[2] - HAND_HALF_LENGTH < scene.supportZ + 0.01) {
      // A bottom drawer's bar (5 cm above the table): closing vertically, the hand (±9.5 cm along the closing
      // axis) meets the table before the fingers reach the bar. The closing axis lies along the bar instead:
      // the open fingers (8 cm apart) pass its ends (7 cm apart) and pinch it lengthwise. Pointing level,
      // the wrist, 8–11 cm behind the fingers and 4.5 cm thick, would come down onto what stands in front
      // of the cabinet (libero_90 task 6: a bowl); pitched 45° down toward the cabinet it stays above it,
      // and the hand (2.5 cm either side across the closing axis) passes 2 cm under the middle drawer's bar.
      // The yaw pointing down is the closing axis's (the turn to `facing` is then a pure pitch about it),
      // the twin that keeps joint 7 in range.
      yaw = graspYaw(ctx, Math.atan2(d[0], -d[1]));
      facing = pitchedToward(d as Vec3, [Math.cos(yaw), Math.sin(yaw), 0], LOW_HANDLE_PITCH);
      axis = [facing[2], facing[5], facing[8]];
    }
    const at = (k: number): Vec3 => [h[0] - k * axis[0], h[1] - k * axis[1], h[2] - k * axis[2]];
    // To 4.5 cm out in front of the bar (back along the pointing axis), at least 3 cm above it: up (over
    // whatever stands between), then across while the wrist turns to point at the cabinet (a 90° pitch
    // takes the wrist about 20 steps: done on the way, not in place); then straight in. Turning, the hand's
    // upper end swings out over the bar, 4.5 cm above the TCP: over the cabinet's top. The open fingers span
    // 8 cm across the 1 cm bar, so the approach only needs to be right in depth (the pads are 1.6 cm deep).
    const pre = at(0.045);
    const from = ctx.robot.tcpPos();
    const aboveZ = Math.max(h[2] + 0.03, pre[2]);
    const travelZ = Math.max(clearHeight(ctx, from, pre, yaw), aboveZ);
    if (travelZ > from[2] + 0.01) yield* moveToPose(ctx, [from[0], from[1], travelZ], downOrientation(yaw), s.speed, 0.02, 60, 0.6);
    yield* moveToPose(ctx, [pre[0], pre[1], travelZ], facing, s.speed, 0.015, 60);
    if (travelZ > aboveZ + 0.005) yield* moveToPose(ctx, [pre[0], pre[1], aboveZ], facing, s.speed, 0.015, 40);
    yield* moveToPose(ctx, pre, facing, s.fineSpeed, 0.008, 40);
    yield* moveToPose(ctx, at(-0.002), facing, s.fineSpeed, 0.008, 30);
    yield* actuateGripper(ctx, CLOSE, ctx.robot.tcpPos(), facing);
    // aim at what is left to pull (plus 4 mm), so that the drawer slows down and stops near PULLED_TO
    // instead of running on to its end stop
    for (let i = 0; i < 40 && q() > PULLED_TO; i++) {
      const p = ctx.robot.tcpPos();
      const k = Math.min(0.05, q() - PULLED_TO + 0.004);
      yield* moveToPose(ctx, [p[0] - k * d[0], p[1] - k * d[1], h[2]], facing, s.speed, 0.004, 1);
    }
    yield* actuateGripper(ctx, OPEN, ctx.robot.tcpPos(), facing);
    // back off the bar and turn down again; the next skill's own approach takes it on from there
    const p = ctx.robot.tcpPos();
    yield* moveToPose(ctx, [p[0] - 0.05 * d[0], p[1] - 0.05 * d[1], p[2] + 0.03], facing, s.speed, 0.02, 20);
    yield* moveTo(ctx, [p[0] - 0.08 * d[0], p[1] - 0.08 * d[1], p[2] + 0.06], yaw, s.speed, 0.03, 30);
    return q() < -0.14;
  }
  // Push: the closed fingertips against the handle bar's face, the gripper pitched 45° toward the cabinet
  // about its closing axis, which runs horizontally along the drawer front. Pointing straight down, the hand
  // (4.5–9.7 cm above the fingertips, 2.5 cm either side) runs into the drawer above before a bottom drawer is
  // shut; pitched, it stays out in front of the handles. Then along +y until shut (q > 0).
  const d: Vec3 = [y[0], y[1], 0];
  // Of the two closing axes along the front, the one nearer the current one: the wrist turns < 90°.
  const along = [-d[1], d[0]];
  const flip = Math.abs(wrap(Math.atan2(along[1], along[0]) - currentYaw(ctx))) > Math.PI / 2;
  const closing: Vec3 = flip ? [-along[0], -along[1], 0] : [along[0], along[1], 0];
  const yaw = Math.atan2(closing[1], closing[0]);
  const pose = pitchedToward(d, closing, Math.PI / 4);
  // fingertip pads 9.4 mm ahead of the TCP along the gripper's axis, on the bar's outer face (5 mm deep bar)
  const axis = [pose[2], pose[5], pose[8]];
  const face: Vec3 = [h[0] - 0.0025 * d[0], h[1] - 0.0025 * d[1], h[2]];
  const at = (back: number): Vec3 => [0, 1, 2].map((k) => face[k] - FINGER_REACH_BELOW_TCP * axis[k] - back * d[k]) as Vec3;
  const pre = at(0.05);
  yield* moveTo(ctx, [pre[0], pre[1], Math.max(pre[2] + 0.1, ctx.robot.tcpPos()[2])], yaw, s.speed, 0.02);
  yield* moveToPose(ctx, [pre[0], pre[1], pre[2] + 0.02], pose, s.fineSpeed, 0.01, 60);
  yield* moveToPose(ctx, pre, pose, s.fineSpeed, 0.008, 40);
  for (let i = 0; i < 60 && q() <= 0.002; i++) {
    const p = ctx.robot.tcpPos();
    yield* moveToPose(ctx, [p[0] + 0.04 * d[0], p[1] + 0.04 * d[1], pre[2]], pose, s.fineSpeed, 0.005, 1);
  }
  const p = ctx.robot.tcpPos();
  yield* moveToPose(ctx, [p[0] - 0.06 * d[0], p[1] - 0.06 * d[1], p[2] + 0.04], pose, s.speed, 0.02, 20);
  yield* moveTo(ctx, [p[0] - 0.08 * d[0], p[1] - 0.08 * d[1], p[2] + 0.12], yaw, s.speed, 0.03, 30);
  return q() > 0;
}

/**
 * TCP orientation (row-major; columns are the TCP axes in world) with the closing axis `closing`
 * (horizontal, unit) and the gripper's pointing axis tipped from straight down by `pitch` (rad) toward the
 * horizontal unit direction `toward`, which must be perpendicular to `closing`.
 */
function pitchedToward(toward: Vec3, closing: Vec3, pitch: number): number[] {
  const z = [Math.sin(pitch) * toward[0], Math.sin(pitch) * toward[1], -Math.cos(pitch)];
  const x = closing; // the fingers close along the TCP's x axis
  const y = [z[1] * x[2] - z[2] * x[1], z[2] * x[0] - z[0] * x[2], z[0] * x[1] - z[1] * x[0]]; // z × x
  return [x[0], y[0], z[0], x[1], y[1], z[1], x[2], y[2], z[2]];
}

/**
 * Before a drawer is opened: an object that the plan will pick and that stands where the open drawer will
 * overhang it can no longer be grasped from above afterwards (in libero_goal the bowl sits in front of the
 * top drawer, which slides out over it). Each such object is pushed out first, along the cabinet's ±x or
 * −y, whichever is shortest, until its centre is 4.5 cm clear of the open drawer's footprint: a rim grasp on
 * the far side then keeps the hand (it reaches 4.1 cm past a bowl's centre) off the drawer.
 */
function* clearDrawerWay(ctx: ExpertContext, scene: TaskScene, region: string, toPick: string[]): Skill {
  const joint = resolveJoints(scene.task, region).joints[0];
  const jointId = ctx.sim.id("joint", joint);
  const drawerBody = ctx.sim.name("body", (ctx.sim.model.jnt_bodyid as unknown as Int32Array)[jointId]);
  const q = ctx.sim.data.qpos[(ctx.sim.model.jnt_qposadr as unknown as Int32Array)[jointId]];
  const qOpen = ctx.sim.model.jnt_range[2 * jointId]; // fully out
  const cab = resolveRegion(scene.task, region)!.target;
  const x = bodyAxis(ctx, cab, 0);
  const y = bodyAxis(ctx, cab, 1);
  const drawer = bodyFootprint(ctx.sim, drawerBody, false);
  const origin = bodyPos(ctx, drawerBody);
  // the open drawer's footprint (world axes), grown by the reach of the hand past the object's centre
  const HAND_PAST_CENTRE = 0.045;
  const c = [origin[0] + drawer.offset[0] + (qOpen - q) * y[0], origin[1] + drawer.offset[1] + (qOpen - q) * y[1]];
  const h = [drawer.half[0] + HAND_PAST_CENTRE, drawer.half[1] + HAND_PAST_CENTRE];
  let ok = true;
  for (const name of toPick) {
    const o = objectOf(scene, name);
    const { offset, half } = bodyFootprint(ctx.sim, o.body);
    const p = bodyPos(ctx, o.body);
    const centre = [p[0] + offset[0], p[1] + offset[1]];
    const overlaps = (dx: number, dy: number) => Math.abs(centre[0] + dx - c[0]) < h[0] && Math.abs(centre[1] + dy - c[1]) < h[1];
    if (!overlaps(0, 0)) continue;
    // a dish that will still have a clear rim grasp, or a reach under the drawer, is left where it is
    // (as if pulled 3 mm past PULLED_TO: the drawer runs on a little)
    const by = PULLED_TO - 0.003 - q;
    const shift: Shift = { body: ctx.sim.id("body", drawerBody), by: [by * y[0], by * y[1]] };
    if (ROUND_CATEGORIES.has(o.category) && (rimGrasp(ctx, o, shift).clear || underReachGrasp(ctx, o, shift))) continue;
    let best: { u: number[]; d: number } | undefined;
    for (const u of [[x[0], x[1]], [-x[0], -x[1]], [-y[0], -y[1]]]) {
      for (let d = 0.005; d <= 0.15; d += 0.005) {
        if (overlaps(d * u[0], d * u[1])) continue;
        if (!best || d < best.d) best = { u, d };
        break;
      }
    }
    if (best) ok = (yield* pushObject(ctx, o, best.u, best.d)) && ok;
  }
  return ok;
}

/**
 * Pushes object `o` along the horizontal unit direction `u` by `distance` (m): the closed fingers come down
 * 2 cm behind its footprint, their tips 3 cm above what it stands on, and slide through.
 */
function* pushObject(ctx: ExpertContext, o: PlacedObject, u: number[], distance: number): Skill {
  const s = ctx.style;
  const { offset, half } = bodyFootprint(ctx.sim, o.body);
  const p = bodyPos(ctx, o.body);
  const reach = Math.abs(u[0]) * half[0] + Math.abs(u[1]) * half[1];
  const z = p[2] - o.bottomOffset + 0.03 + FINGER_REACH_BELOW_TCP;
  const back = reach + 0.02;
  const start: Vec3 = [p[0] + offset[0] - back * u[0], p[1] + offset[1] - back * u[1], z];
  // the closed fingers' broad side (3.4 cm along the closing axis) against the object
  const yaw = nearestGraspYaw(Math.atan2(u[1], u[0]) + Math.PI / 2, currentYaw(ctx));
  ctx.gripper = CLOSE;
  yield* transitTo(ctx, [start[0], start[1], z + 0.06], yaw, s.speed, 0.015);
  yield* moveTo(ctx, start, yaw, s.fineSpeed, 0.006, 40);
  const p0 = bodyPos(ctx, o.body);
  const end: Vec3 = [start[0] + (distance + 0.02) * u[0], start[1] + (distance + 0.02) * u[1], z];
  yield* moveTo(ctx, end, yaw, s.fineSpeed * 0.6, 0.005, 60);
  const moved = Math.hypot(bodyPos(ctx, o.body)[0] - p0[0], bodyPos(ctx, o.body)[1] - p0[1]);
  const e = ctx.robot.tcpPos();
  yield* moveTo(ctx, [e[0] - 0.02 * u[0], e[1] - 0.02 * u[1], e[2] + 0.04], yaw, s.speed, 0.02, 20);
  return moved > 0.8 * distance;
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
    // The closed fingers' thin side (2 cm; 3.4 cm along the closing axis) faces the bar: closing axis along
    // the bar, start 4 cm off its centre line (it is 1.8 cm wide), so that the fingertips come down beside it.
    const yaw = graspYaw(ctx, Math.atan2(barAxis[1], barAxis[0]));
    const start: Vec3 = [c[0] - 0.04 * tangent[0], c[1] - 0.04 * tangent[1], tip[2]];
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
    yield* moveTo(ctx, [p[0], p[1], p[2] + 0.08], currentYaw(ctx), s.speed, 0.02, 20);
  }
  return goal(q());
}

/**
 * How far the microwave door's outer face stands out from its hinge line (m): the door box spans door-frame
 * y −0.025…−0.001 (sim/fixtures/microwave.ts). Measured from the hinge line alone, "3 cm outside" was 5 mm
 * outside the face, and the closed fingers (2 cm thick) came down on the door's top edge (TCP stopped 9.4 mm
 * above it) and dragged it shut by friction; in 8 of libero_90 task 33's 50 train states the fingertips then
 * met the front of the housing's roof with the door still 0.011–0.067 rad open (Close needs q > −0.005).
 */
const DOOR_FACE_OFFSET = 0.025;

/** Pushes an open microwave door shut, pressing on its outer face near the free edge. */
function* closeDoor(ctx: ExpertContext, scene: TaskScene, microwave: string): Skill {
  const joint = `${microwave}_microjoint`;
  const adr = (ctx.sim.model.jnt_qposadr as unknown as Int32Array)[ctx.sim.id("joint", joint)];
  const q = () => ctx.sim.data.qpos[adr];
  const door = `${microwave}_microdoorroot`;
  const s = ctx.style;
  ctx.gripper = CLOSE;
  // the closing axis along the shut door's face (the microwave's x axis): the hand, 19 cm along the closing
  // axis, then lies parallel to the face. Across it (the yaw the gripper happened to have: init_qpos closes
  // along world y), its end reached 9.5 cm toward the door and met it before it was shut (libero_90 task 33
  // state 7: the push stalled at −0.016 rad).
  const face = bodyAxis(ctx, microwave, 0);
  const yaw = graspYaw(ctx, Math.atan2(face[1], face[0]));
  for (let i = 0; i < 30 && q() <= -0.005; i++) {
    // a point 0.16 m along the door from the hinge, 3 cm outside its face, pushed toward the shut pose
    const hinge = bodyPos(ctx, door);
    const along = bodyAxis(ctx, door, 0);
    const normal = bodyAxis(ctx, door, 1); // the door's outer face looks along −y of the door frame
    const z = hinge[2];
    const out = DOOR_FACE_OFFSET + 0.03;
    const pt: Vec3 = [hinge[0] + 0.16 * along[0] - out * normal[0], hinge[1] + 0.16 * along[1] - out * normal[1], z];
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

/** How far (rad) the expert swings the microwave door open: past LIBERO's Open threshold (q < −1.3). */
const DOOR_OPENED_TO = -1.4;

/**
 * Pulls the microwave door open: pinches the top of its vertical handle bar (the closing axis along the door,
 * the pads just under the upper standoff), then carries it round the hinge on its circle (radius 0.24 m),
 * the wrist turning with the door, until q < DOOR_OPENED_TO.
 */
function* openDoor(ctx: ExpertContext, microwave: string): Skill {
  const joint = `${microwave}_microjoint`;
  const adr = (ctx.sim.model.jnt_qposadr as unknown as Int32Array)[ctx.sim.id("joint", joint)];
  const q = () => ctx.sim.data.qpos[adr];
  const door = `${microwave}_microdoorroot`;
  const s = ctx.style;
  const hinge = bodyPos(ctx, door);
  const bar = geomPos(ctx, `${microwave}_handle_bar`);
  const half = ctx.sim.model.geom_size[3 * ctx.sim.id("geom", `${microwave}_handle_bar`) + 1];
  // pads (1.6 cm tall, centred 1.4 mm under the TCP) on the bar's top 2 cm, under the upper standoff
  const z = bar[2] + half - 0.015;
  const r = [bar[0] - hinge[0], bar[1] - hinge[1]];
  const radius = Math.hypot(r[0], r[1]);
  const a0 = Math.atan2(r[1], r[0]);
  // the free edge swings out along the door's outer normal (−y of the door frame)
  const normal = bodyAxis(ctx, door, 1).map((x) => -x);
  const sign = Math.sign(normal[0] * -r[1] + normal[1] * r[0]);
  // closing along the door (tangent to the circle), the twin the shorter wrist turn reaches
  const along = bodyAxis(ctx, door, 0);
  const yaw0 = graspYaw(ctx, Math.atan2(along[1], along[0]));
  ctx.gripper = OPEN;
  yield* transitTo(ctx, [bar[0], bar[1], z + 0.06], yaw0, s.speed, 0.01);
  yield* moveTo(ctx, [bar[0], bar[1], z], yaw0, s.fineSpeed, 0.005, 40);
  yield* actuateGripper(ctx, CLOSE, ctx.robot.tcpPos(), yaw0);
  for (let i = 0; i < 80 && q() > DOOR_OPENED_TO; i++) {
    const p = ctx.robot.tcpPos();
    const a = Math.atan2(p[1] - hinge[1], p[0] - hinge[0]);
    const next = a + sign * 0.15; // aim 0.15 rad (3.6 cm) ahead on the circle
    yield* moveTo(ctx, [hinge[0] + radius * Math.cos(next), hinge[1] + radius * Math.sin(next), z], yaw0 + (a - a0) + sign * 0.15, s.fineSpeed, 0.005, 2);
  }
  yield* actuateGripper(ctx, OPEN, ctx.robot.tcpPos(), currentYaw(ctx));
  const p = ctx.robot.tcpPos();
  yield* moveTo(ctx, [p[0], p[1], p[2] + 0.08], currentYaw(ctx), s.speed, 0.02, 20);
  return q() < -1.3;
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
  // A drawer the plan opens stands out over those below it, in the way of the push that shuts them
  // (libero_90 task 23: close the bottom drawer and open the top one): a drawer of the same cabinet that
  // only has to be shut (nothing goes into it) is shut first.
  const opened = goal.filter((a) => a.op === "Open").map((a) => resolveRegion(task, a.args[0])?.target);
  for (const a of goal) {
    if (a.op !== "Close" || goal.some((b) => b.op === "In" && b.args[1] === a.args[0])) continue;
    const region = resolveRegion(task, a.args[0]);
    if (region && opened.includes(region.target) && ARTICULATIONS[categoryOf(task, region.target) ?? ""]?.kind === "drawer") add(a);
  }
  for (const a of goal) if (a.op === "Open" || a.op === "Turnon" || a.op === "Turnoff") add(a);
  // An object to be stacked on another object that itself has to go somewhere goes on it there, after it
  // (libero_90 tasks 63 and 64: one bowl on the other, and that one into the tray). Carried as a stack,
  // the lower bowl's rim grasp put the inner finger onto the upper bowl's floor.
  const moved = goal.filter(isPlacement).map((a) => a.args[0]);
  for (const a of goal) if (isPlacement(a) && !moved.includes(a.args[1])) add(a);
  for (const a of goal) if (isPlacement(a) && moved.includes(a.args[1])) add(a);
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
        if (kind === "drawer" && atom.op === "Open") {
          const toPick = orderedSubgoals(scene).filter(isPlacement).map((a) => a.args[0]);
          ok = (yield* clearDrawerWay(ctx, scene, atom.args[0], toPick)) && ok;
        }
        if (kind === "drawer") ok = (yield* moveDrawer(ctx, scene, atom.args[0], atom.op === "Open")) && ok;
        else if (atom.op === "Close") ok = (yield* closeDoor(ctx, scene, atom.args[0])) && ok;
        else ok = (yield* openDoor(ctx, atom.args[0])) && ok;
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

