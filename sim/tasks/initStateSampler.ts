/**
 * Seeded init states for a LIBERO task, as LIBERO's region samplers make them (LIBERO.md §5, addendum §4),
 * followed by settling under physics (LIBERO's stored z values are spawn heights, not resting heights).
 *
 * Per init state (one seedrandom stream from `initStateSeed(id)`, so any one state can be made alone):
 * 1. fixtures: each fixture standing `On` a table zone gets a uniform xy in the zone and a yaw in the zone's
 *    yaw range; its height is LIBERO's z_fixture = workspace z + 0.01 − table thickness (0.05) + (−bottom_site
 *    z) (addendum §4: the workspace z is the top of the main and kitchen tables, 0.90, but 0.867 on the study
 *    table, whose top is at 0.8851: the shelf and the desk caddy stand at 0.887, their feet 2 mm above it);
 * 2. articulations: `Open`/`Close` drawers q ~ U[−0.16, −0.14] / U[0, 0.005], microwave U[−2.094, −1.3] /
 *    U[−0.005, 0], stove `Turnon`/`Turnoff` U[0.5, 2.1] / U[−0.005, 0] (LIBERO.md §2), unmentioned joints 0;
 * 3. objects: `On` a table zone → uniform xy in the zone (at least ±1.5 cm around its centre: the spread of
 *    LIBERO's stored tabletop states), yaw from the zone's range if it has one, else the object's default
 *    orientation; a no-overlap check on horizontal radii with up to 5000 tries (as LIBERO); `On` another
 *    object → stacked at its xy; `On`/`In` a fixture's site → inside the site's footprint, resting on (On) or
 *    just above the floor of (In) the site's box;
 * 4. the robot at `init_qpos` plus N(0, 0.02²) joint noise (the noise LIBERO's stored states carry);
 * 5. settle: 40 control steps (2 s) of the arm holding still under OSC, gripper open, then all velocities
 *    are zeroed and the arm is put back at its sampled joints.
 * The result is checked (objects at rest, none fallen off the support, no deep interpenetration, goal not
 * already satisfied); a state failing a check is redrawn from the next attempt's stream.
 *
 * Objects are spawned 5 mm above their resting height rather than LIBERO's 6 cm drop: our primitive
 * objects would tumble from 6 cm where LIBERO's meshes settle, and the resting pose is what matters.
 */
import seedrandom from "seedrandom";
import type { Simulation } from "../mujoco.ts";
import type { InitState, FixturePose } from "../envTypes.ts";
import type { TaskScene, PlacedObject } from "../scenes/taskScene.ts";
import { PandaRobot } from "../robot/pandaRobot.ts";
import { ARM_JOINTS, FINGER_JOINTS, GRIPPER_INIT_QPOS, PANDA_INIT_QPOS } from "../robot/panda.ts";
import { fixtureModel } from "../fixtures/registry.ts";
import { ARTICULATIONS, SUPPORT_CATEGORIES, categoryOf, jointName, resolveJoints, resolveRegion } from "./naming.ts";
import { initStateSeed, type InitStateId } from "./initStateId.ts";
import { evaluateGoal } from "./predicates.ts";
import { MujocoWorld } from "./mujocoWorld.ts";
import type { Atom } from "./types.ts";

/** Table thickness of every LIBERO table arena (m): fixtures sit at workspace z + 0.01 − 0.05 − bottom_site z. */
const TABLE_THICKNESS = 0.05;
const MIN_HALF_SPREAD = 0.015;
const SPAWN_GAP = 0.005;
const SETTLE_STEPS = 40;
const MAX_ATTEMPTS = 20;

/** LIBERO's init sampling ranges per articulation kind (LIBERO.md §2). */
const JOINT_INIT: Record<string, { active: [number, number]; inactive: [number, number] }> = {
  drawer: { active: [-0.16, -0.14], inactive: [0, 0.005] },
  door: { active: [-2.094, -1.3], inactive: [-0.005, 0] },
  knob: { active: [0.5, 2.1], inactive: [-0.005, 0] },
};

export class InitStateError extends Error {}

type Rng = () => number;
const uniform = (rng: Rng, lo: number, hi: number) => lo + (hi - lo) * rng();

function gaussian(rng: Rng): number {
  const u = 1 - rng();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rng());
}

/** Quaternion product a ⊗ b, (w, x, y, z). */
function quatMul(a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number, number] {
  return [
    a[0] * b[0] - a[1] * b[1] - a[2] * b[2] - a[3] * b[3],
    a[0] * b[1] + a[1] * b[0] + a[2] * b[3] - a[3] * b[2],
    a[0] * b[2] - a[1] * b[3] + a[2] * b[0] + a[3] * b[1],
    a[0] * b[3] + a[1] * b[2] - a[2] * b[1] + a[3] * b[0],
  ];
}

const yawQuat = (yaw: number): [number, number, number, number] => [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)];

export class InitStateSampler {
  private readonly scene: TaskScene;
  private readonly sim: Simulation;
  private readonly robot: PandaRobot;
  private readonly world: MujocoWorld;
  private readonly qposAdr: (joint: string) => number;
  /** compiled default (qpos0) position and quaternion of each object's free joint */
  private readonly defaults = new Map<string, { pos: number[]; quat: number[] }>();

  /** `sim` is compiled from `scene.xml` (plus sensors); the sampler drives it and leaves it in the last state. */
  constructor(scene: TaskScene, sim: Simulation) {
    this.scene = scene;
    this.sim = sim;
    this.robot = new PandaRobot(sim);
    this.world = new MujocoWorld(sim);
    // A copy, not a view: any WASM allocation may grow the heap and detach views into it.
    const adr = Int32Array.from(sim.model.jnt_qposadr as unknown as Int32Array);
    this.qposAdr = (joint) => adr[sim.id("joint", joint)];
    const q0 = sim.model.qpos0 as unknown as Float64Array;
    for (const o of scene.objects) {
      const a = this.qposAdr(o.freeJoint);
      this.defaults.set(o.instance, { pos: Array.from(q0.subarray(a, a + 3)), quat: Array.from(q0.subarray(a + 3, a + 7)) });
    }
  }

  /** The init state of `id`; the same id gives the same state on any machine. */
  sample(id: InitStateId): InitState {
    const base = initStateSeed(id);
    let lastError = "";
    for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt++) {
      const rng = seedrandom(`${base}/${attempt}`);
      try {
        const state = this.draw(rng);
        const problem = this.check();
        if (problem === null) return { ...state, id: { suite: id.suite, taskId: id.taskId, split: id.split, index: id.index } };
        lastError = problem;
      } catch (err) {
        if (!(err instanceof InitStateError)) throw err;
        lastError = err.message;
      }
    }
    throw new Error(`Task ${this.scene.task.name}: no valid init state for ${id.split} ${id.index} after ${MAX_ATTEMPTS} attempts (last: ${lastError}).`);
  }

  private placementOf(instance: string): Atom | undefined {
    return this.scene.task.init.find((a) => a.op === "On" && a.args[0] === instance) ??
      this.scene.task.init.find((a) => a.op === "In" && a.args[0] === instance);
  }

  private draw(rng: Rng): Omit<InitState, "id"> {
    const { sim, scene } = this;
    const { mj, model, data } = sim;
    const task = scene.task;
    mj.mj_resetData(model, data);
    const [ox, oy, oz] = scene.workspaceOffset;

    // 1) fixtures
    const fixtures: FixturePose[] = [];
    for (const f of scene.fixtures) {
      if (SUPPORT_CATEGORIES.includes(f.category)) continue;
      const atom = this.placementOf(f.instance);
      const region = atom ? resolveRegion(task, atom.args[1]) : null;
      const spec = region ? task.regions.find((r) => r.target === region.target && r.name === region.region) : undefined;
      const b = sim.id("body", f.body);
      let pos: [number, number, number] = [model.body_pos[3 * b], model.body_pos[3 * b + 1], model.body_pos[3 * b + 2]];
      let quat: [number, number, number, number] = [model.body_quat[4 * b], model.body_quat[4 * b + 1], model.body_quat[4 * b + 2], model.body_quat[4 * b + 3]];
      if (spec && spec.ranges.length > 0) {
        const [x0, y0, x1, y1] = spec.ranges[Math.floor(rng() * spec.ranges.length)];
        const yaw = spec.yaw ? uniform(rng, spec.yaw[0], spec.yaw[1]) : 0;
        pos = [ox + uniform(rng, x0, x1), oy + uniform(rng, y0, y1), oz + 0.01 - TABLE_THICKNESS + f.bottomOffset];
        quat = yawQuat(yaw);
      }
      for (let k = 0; k < 3; k++) model.body_pos[3 * b + k] = pos[k];
      for (let k = 0; k < 4; k++) model.body_quat[4 * b + k] = quat[k];
      fixtures.push({ body: f.body, pos, quat });
    }

    // 2) articulations
    for (const f of scene.fixtures) {
      const art = ARTICULATIONS[f.category];
      if (!art) continue;
      for (const j of art.joints) data.qpos[this.qposAdr(jointName(f.instance, j))] = 0;
    }
    for (const atom of task.init) {
      if (atom.op === "On" || atom.op === "In") continue;
      const { kind, joints } = resolveJoints(task, atom.args[0]);
      const r = JOINT_INIT[kind][atom.op === "Open" || atom.op === "Turnon" ? "active" : "inactive"];
      for (const j of joints) data.qpos[this.qposAdr(j)] = uniform(rng, r[0], r[1]);
    }

    // 4) robot (before objects so that their kinematics pass sees the final arm)
    ARM_JOINTS.forEach((j, i) => (data.qpos[this.qposAdr(j)] = PANDA_INIT_QPOS[i] + 0.02 * gaussian(rng)));
    FINGER_JOINTS.forEach((j, i) => (data.qpos[this.qposAdr(j)] = GRIPPER_INIT_QPOS[i]));
    const armQpos = ARM_JOINTS.map((j) => data.qpos[this.qposAdr(j)]);

    // 3) objects: table zones first, then things stacked on objects, then things on/in fixture sites
    const placed: { o: PlacedObject; x: number; y: number }[] = [];
    const order = [...scene.objects].sort((a, b) => this.placementRank(a) - this.placementRank(b));
    for (const o of order) this.placeObject(o, rng, placed);

    mj.mj_forward(model, data);
    // 5) settle
    this.robot.resetController();
    for (let i = 0; i < SETTLE_STEPS; i++) this.robot.step([0, 0, 0, 0, 0, 0, -1]);
    const qpos = Float64Array.from(data.qpos);
    ARM_JOINTS.forEach((j, i) => (qpos[this.qposAdr(j)] = armQpos[i]));
    FINGER_JOINTS.forEach((j, i) => (qpos[this.qposAdr(j)] = GRIPPER_INIT_QPOS[i]));
    return { fixtures, qpos, qvel: new Float64Array(model.nv) };
  }

  /** 0: on a table zone, 1: on another object, 2: on or in a fixture's site. */
  private placementRank(o: PlacedObject): number {
    const atom = this.placementOf(o.instance);
    if (!atom) return 0;
    const region = resolveRegion(this.scene.task, atom.args[1]);
    if (region === null) return 1;
    return region.owner === null ? 0 : 2;
  }

  private placeObject(o: PlacedObject, rng: Rng, placed: { o: PlacedObject; x: number; y: number }[]): void {
    const { sim, scene } = this;
    const { mj, model, data } = sim;
    const task = scene.task;
    const atom = this.placementOf(o.instance);
    const def = this.defaults.get(o.instance)!;
    const adr = this.qposAdr(o.freeJoint);
    let x = def.pos[0];
    let y = def.pos[1];
    let z = def.pos[2];
    let quat = def.quat;
    if (atom) {
      const target = atom.args[1];
      const region = resolveRegion(task, target);
      if (region === null) {
        // On another object: stack at its current xy, above its top.
        const base = scene.objects.find((p) => p.instance === target);
        if (!base) throw new Error(`Task ${task.name}: ${o.instance} is placed on ${target}, which is not an object of the task.`);
        const ba = this.qposAdr(base.freeJoint);
        x = data.qpos[ba];
        y = data.qpos[ba + 1];
        z = data.qpos[ba + 2] + base.topOffset + o.bottomOffset + SPAWN_GAP;
      } else if (region.owner === null) {
        const spec = task.regions.find((r) => r.target === region.target && r.name === region.region)!;
        const [x0, y0, x1, y1] = spec.ranges[Math.floor(rng() * spec.ranges.length)];
        const cx = scene.workspaceOffset[0] + (x0 + x1) / 2;
        const cy = scene.workspaceOffset[1] + (y0 + y1) / 2;
        const hx = Math.max((x1 - x0) / 2, MIN_HALF_SPREAD);
        const hy = Math.max((y1 - y0) / 2, MIN_HALF_SPREAD);
        let ok = false;
        for (let t = 0; t < 5000 && !ok; t++) {
          x = uniform(rng, cx - hx, cx + hx);
          y = uniform(rng, cy - hy, cy + hy);
          ok = placed.every((p) => Math.hypot(p.x - x, p.y - y) > p.o.horizontalRadius + o.horizontalRadius);
        }
        if (!ok) throw new InitStateError(`no collision-free spot for ${o.instance} in ${region.site}`);
        z = scene.supportZ + o.bottomOffset + SPAWN_GAP;
        if (spec.yaw) quat = quatMul(yawQuat(uniform(rng, spec.yaw[0], spec.yaw[1])), def.quat);
      } else {
        // A site of a fixture or object: its pose depends on the fixture placement and joints set above.
        mj.mj_kinematics(model, data);
        const s = sim.id("site", region.site);
        const sp = [data.site_xpos[3 * s], data.site_xpos[3 * s + 1], data.site_xpos[3 * s + 2]];
        const m = data.site_xmat.subarray(9 * s, 9 * s + 9);
        const size = [model.site_size[3 * s], model.site_size[3 * s + 1], model.site_size[3 * s + 2]];
        // world half-extents |R|·size of the site box
        const half = [0, 1, 2].map((r) => Math.abs(m[3 * r]) * size[0] + Math.abs(m[3 * r + 1]) * size[1] + Math.abs(m[3 * r + 2]) * size[2]);
        let jx = Math.max(0, Math.min(half[0] - o.horizontalRadius, 0.02));
        let jy = Math.max(0, Math.min(half[1] - o.horizontalRadius, 0.02));
        // A site turned about z by other than a multiple of 90° (the libero_spatial cabinet stands at
        // 152–156°): its world box is larger than the site, and a jitter up to it put the bowl into the top
        // drawer's walls (it settled tilted on them, pushed the drawer shut to q −0.09, or left the drawer). The
        // jitter there is the square that stays within the site's own horizontal extents less the radius.
        const k = [0, 1, 2].reduce((best, c) => (Math.abs(m[6 + c]) < Math.abs(m[6 + best]) ? c : best), 0);
        const yaw = Math.atan2(m[3 + k], m[k]);
        const [c, sn] = [Math.cos(yaw), Math.sin(yaw)];
        if (Math.abs(c * sn) > 1e-3) {
          const along = (u: number[]) => [0, 1, 2].reduce((sum, col) => sum + Math.abs(m[col] * u[0] + m[3 + col] * u[1]) * size[col], 0);
          const room = Math.min(along([c, sn]), along([-sn, c])) - o.horizontalRadius;
          jx = jy = Math.max(0, Math.min(room, 0.02)) / (Math.abs(c) + Math.abs(sn));
        }
        x = sp[0] + uniform(rng, -jx, jx);
        y = sp[1] + uniform(rng, -jy, jy);
        // In a fixture's region with a known floor (a drawer's): 5 mm above that floor. 2 cm above the box's
        // bottom (1.2 cm above a drawer's floor) put a bowl's rim into the cabinet's top plate, which
        // overhangs the back of the open top drawer by 8 mm above a resting bowl's rim.
        const floor = atom.op === "In" ? this.regionFloor(region.target, region.region) : undefined;
        z =
          atom.op === "On"
            ? sp[2] + half[2] + o.bottomOffset + SPAWN_GAP
            : floor !== undefined
              ? sp[2] + floor + o.bottomOffset + SPAWN_GAP
              : sp[2] - half[2] + o.bottomOffset + 0.02;
      }
    }
    data.qpos[adr] = x;
    data.qpos[adr + 1] = y;
    data.qpos[adr + 2] = z;
    for (let k = 0; k < 4; k++) data.qpos[adr + 3 + k] = quat[k];
    placed.push({ o, x, y });
  }

  /** The support surface of a fixture's region above its site centre (RegionSite.supportOffset), if known. */
  private regionFloor(target: string, region: string): number | undefined {
    const fixture = this.scene.fixtures.find((f) => f.instance === target);
    return (fixture && fixtureModel(fixture.category).regions.find((r) => r.region === region)?.supportOffset) ?? undefined;
  }

  /** Null when the settled state is acceptable, else why not. */
  private check(): string | null {
    const { sim, scene } = this;
    const { data } = sim;
    for (const o of scene.objects) {
      const a = this.qposAdr(o.freeJoint);
      const dof = (sim.model.jnt_dofadr as unknown as Int32Array)[sim.id("joint", o.freeJoint)];
      const speed = Math.hypot(data.qvel[dof], data.qvel[dof + 1], data.qvel[dof + 2]);
      if (speed > 0.02) return `${o.instance} still moving at ${speed.toFixed(3)} m/s after settling`;
      if (data.qpos[a + 2] < scene.supportZ - 0.3) return `${o.instance} fell off the support`;
    }
    // deep interpenetration means the placement overlapped. `data.contact` returns a fresh copy of the
    // contact vector in WASM memory on every access: read it once and free it (mujocoWorld.ts says more).
    const list = data.contact;
    try {
      for (let i = 0; i < data.ncon; i++) {
        const c = list.get(i) as unknown as { dist: number; delete?: () => void };
        const dist = c.dist;
        c.delete?.();
        if (dist < -0.01) return `interpenetration of ${(-dist * 1000).toFixed(1)} mm`;
      }
    } finally {
      list.delete();
    }
    if (evaluateGoal(scene.task, this.world).success) return "the goal already holds";
    return null;
  }

  dispose(): void {
    this.robot.dispose();
  }
}

/** Categories of objects in `scene` with no placement atom (diagnostics for scene authors). */
export function unplacedObjects(scene: TaskScene): string[] {
  return scene.objects
    .filter((o) => !scene.task.init.some((a) => (a.op === "On" || a.op === "In") && a.args[0] === o.instance))
    .map((o) => `${o.instance} (${categoryOf(scene.task, o.instance)})`);
}
