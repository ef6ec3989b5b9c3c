/**
 * The MuJoCo scene of any of the 130 LIBERO tasks: the scene family's table (or floor), the Panda at the
 * family's base, the `agentview` camera, every fixture and object of the task at a default pose, and a site
 * for every region (names from `sim/tasks/naming.ts`).
 *
 * Default poses follow the task's init atoms with the centre of each region and no randomness: a fixture
 * stands at the centre of its placement region, at the mean of its yaw range, at LIBERO's fixture height
 * (LIBERO_ADDENDUM.md §4); an object rests at the centre of its region, on the thing it is On, or on the
 * floor of the site it is In, turned by its category's LIBERO yaw (`ObjectModel.liberoYaw`; a region's yaw
 * range is composed on top by the sampler). The init-state sampler overwrites all of these (fixtures through
 * `model.body_pos/quat`, objects through their free joints); the defaults only make the compiled model and
 * its first picture sensible.
 */
import { el, toXml, type MjcfElement } from "../mjcf.ts";
import { physicsOptions } from "../physics.ts";
import { fixtureModel } from "../fixtures/registry.ts";
import { fixtureHeight, SCENE_FAMILIES, type SceneFamilySpec } from "../fixtures/tables.ts";
import { objectModel } from "../objects/registry.ts";
import type { RegionSite } from "../objects/parts.ts";
import { pandaMjcf } from "../robot/panda.ts";
import { categoryOf, jointName, regionSiteName, resolveRegion, SUPPORT_CATEGORIES } from "../tasks/naming.ts";
import type { RegionSpec, TaskSpec } from "../tasks/types.ts";
import type { PlacedFixture, PlacedObject, TaskScene, Vec3 } from "./taskScene.ts";

/** Name of the agentview camera in every task scene. */
export const AGENTVIEW = "agentview";
/** Half-height of a table-zone site (LIBERO `TargetZone`, LIBERO.md §2). */
export const ZONE_HALF_HEIGHT = 0.007;
/** Gap left under an object at its default pose, so that it settles by a short drop instead of starting in contact. */
const DROP_GAP = 0.002;

interface Pose {
  pos: Vec3;
  yaw: number;
}

export function buildTaskScene(task: TaskSpec): TaskScene {
  const family = SCENE_FAMILIES[task.sceneFamily];
  const support = Object.entries(task.fixtures).find(([, c]) => SUPPORT_CATEGORIES.includes(c));
  if (support === undefined) {
    throw new Error(`Task ${task.name} declares no table or floor among its fixtures; one of ${SUPPORT_CATEGORIES.join(", ")} is needed.`);
  }
  const supportInstance = support[0];
  const placer = new DefaultPlacer(task, family, supportInstance);

  const fixtures: PlacedFixture[] = [];
  const fixtureBodies: MjcfElement[] = [];
  for (const [instance, category] of Object.entries(task.fixtures)) {
    if (instance === supportInstance) continue;
    const model = fixtureModel(category);
    fixtures.push({ instance, category, body: instance, bottomOffset: model.bottomOffset, joints: model.joints.map((j) => jointName(instance, j)) });
    fixtureBodies.push(placed(model.build(instance), placer.fixturePose(instance)));
  }

  const objects: PlacedObject[] = [];
  const objectBodies: MjcfElement[] = [];
  for (const [instance, category] of Object.entries(task.objects)) {
    const model = objectModel(category);
    objects.push({
      instance,
      category,
      body: instance,
      freeJoint: `${instance}_joint`,
      bottomOffset: model.bottomOffset,
      topOffset: model.topOffset,
      horizontalRadius: model.horizontalRadius,
      grasp: model.grasp ? { pos: model.grasp.pos, yaw: model.grasp.yaw, width: model.grasp.width } : undefined,
    });
    objectBodies.push(placed(model.build(instance), placer.objectPose(instance)));
  }

  checkRegionSites(task, supportInstance);
  const robot = pandaMjcf(family.robotBase, { mount: family.mount });
  const root = el(
    "mujoco",
    { model: task.name },
    physicsOptions(),
    el(
      "worldbody",
      {},
      family.arena(supportInstance),
      zoneSites(task, supportInstance, family),
      el("camera", { name: AGENTVIEW, mode: "fixed", pos: family.camera.pos, quat: family.camera.quat, fovy: 45 }),
      robot.body,
      fixtureBodies,
      objectBodies,
    ),
    el("actuator", {}, robot.actuators),
  );
  return {
    task,
    xml: toXml(root) + "\n",
    objects,
    fixtures,
    workspaceOffset: [...family.workspaceOffset],
    supportZ: family.supportZ,
    camera: AGENTVIEW,
  };
}

/** The body with its default pose written in (for a free body this becomes its qpos0). */
function placed(body: MjcfElement, pose: Pose): MjcfElement {
  return { ...body, attrs: { ...body.attrs, pos: pose.pos, quat: yawQuat(pose.yaw) } };
}

function yawQuat(yaw: number): [number, number, number, number] {
  return [Math.cos(yaw / 2), 0, 0, Math.sin(yaw / 2)];
}

function rotateYaw(v: readonly number[], yaw: number): Vec3 {
  const c = Math.cos(yaw);
  const s = Math.sin(yaw);
  return [c * v[0] - s * v[1], s * v[0] + c * v[1], v[2]];
}

/** Centre (x, y) of a region's first range, relative to the workspace offset. */
function rangeCentre(r: RegionSpec): [number, number] {
  const [x0, y0, x1, y1] = r.ranges[0];
  return [(x0 + x1) / 2, (y0 + y1) / 2];
}

/** LIBERO's table zones: one site per ranged region of the support, half-size (w/2, h/2, 0.007). */
function zoneSites(task: TaskSpec, supportInstance: string, family: SceneFamilySpec): MjcfElement[] {
  return task.regions
    .filter((r) => r.target === supportInstance && r.ranges.length > 0)
    .map((r) => {
      const [x0, y0, x1, y1] = r.ranges[0];
      const [cx, cy] = rangeCentre(r);
      return el("site", {
        name: regionSiteName(r.target, r.name),
        type: "box",
        pos: [cx + family.workspaceOffset[0], cy + family.workspaceOffset[1], family.zoneZ],
        size: [(x1 - x0) / 2, (y1 - y0) / 2, ZONE_HALF_HEIGHT],
        rgba: [0.9, 0.2, 0.2, 0.3],
        group: 5,
      });
    });
}

/**
 * Every region of a declared fixture or object must be a site of its model; regions of undeclared targets
 * (libero_goal's bowl_drainer_1) are skipped, as naming.ts says.
 */
function checkRegionSites(task: TaskSpec, supportInstance: string): void {
  for (const r of task.regions) {
    const category = categoryOf(task, r.target);
    if (category === undefined || r.target === supportInstance) continue;
    const sites = task.fixtures[r.target] !== undefined ? fixtureModel(category).regions : objectModel(category).regions;
    if (!sites.some((s) => s.region === r.name)) {
      throw new Error(`Task ${task.name}: region ${r.name} of ${r.target} (${category}) is not a site of its model; its sites are ${sites.map((s) => s.region).join(", ") || "none"}.`);
    }
  }
}

/** Resolves default poses from the init atoms, memoised, with a guard against circular On chains. */
class DefaultPlacer {
  private readonly poses = new Map<string, Pose>();
  private readonly inProgress = new Set<string>();

  constructor(
    private readonly task: TaskSpec,
    private readonly family: SceneFamilySpec,
    private readonly supportInstance: string,
  ) {}

  fixturePose(instance: string): Pose {
    return this.memo(instance, () => {
      const model = fixtureModel(this.task.fixtures[instance]);
      const z = fixtureHeight(this.family, model.bottomOffset);
      const zone = this.zoneOf(instance);
      if (zone === null) return { pos: [this.family.workspaceOffset[0], this.family.workspaceOffset[1], z], yaw: 0 };
      const [x, y] = this.zoneXY(zone);
      return { pos: [x, y, z], yaw: zone.yaw ? (zone.yaw[0] + zone.yaw[1]) / 2 : 0 };
    });
  }

  objectPose(instance: string): Pose {
    return this.memo(instance, () => {
      const model = objectModel(this.task.objects[instance]);
      const atom = this.task.init.find((a) => (a.op === "On" || a.op === "In") && a.args[0] === instance);
      // Objects keep their category's LIBERO yaw; a region's yaw range is the sampler's to compose on top.
      const restOn = (surfaceZ: number, x: number, y: number): Pose => ({ pos: [x, y, surfaceZ + model.bottomOffset + DROP_GAP], yaw: model.liberoYaw });
      if (atom === undefined) return restOn(this.family.supportZ, this.family.workspaceOffset[0], this.family.workspaceOffset[1]);
      const target = atom.args[1];
      const region = resolveRegion(this.task, target);
      if (region === null) {
        // On another object: stacked on its top at its xy.
        const below = this.objectPose(target);
        const top = below.pos[2] + objectModel(this.task.objects[target]).topOffset;
        return restOn(top, below.pos[0], below.pos[1]);
      }
      if (region.owner === null) {
        const zone = this.task.regions.find((r) => r.target === region.target && r.name === region.region)!;
        const [x, y] = this.zoneXY(zone);
        return restOn(this.family.supportZ, x, y);
      }
      const { site, ownerPose } = this.siteOf(region.owner, region.region);
      const p = rotateYaw([(site.bodyPos?.[0] ?? 0) + site.pos[0], (site.bodyPos?.[1] ?? 0) + site.pos[1], (site.bodyPos?.[2] ?? 0) + site.pos[2]], ownerPose.yaw);
      const world: Vec3 = [ownerPose.pos[0] + p[0], ownerPose.pos[1] + p[1], ownerPose.pos[2] + p[2]];
      if (site.supportOffset !== null) return restOn(world[2] + site.supportOffset, world[0], world[1]);
      // No flat support in the site (the wine rack's slope, the shelf's open bottom): the table if the site
      // reaches down to it, else just above the site.
      const nearTable = world[2] - site.size[2] < this.family.supportZ + 0.05;
      return restOn(nearTable ? this.family.supportZ : world[2] + 0.05, world[0], world[1]);
    });
  }

  private siteOf(owner: string, regionName: string): { site: RegionSite; ownerPose: Pose } {
    const isFixture = this.task.fixtures[owner] !== undefined;
    const sites = isFixture ? fixtureModel(this.task.fixtures[owner]).regions : objectModel(this.task.objects[owner]).regions;
    const site = sites.find((s) => s.region === regionName);
    if (site === undefined) throw new Error(`Task ${this.task.name}: ${owner} has no region ${regionName}.`);
    return { site, ownerPose: isFixture ? this.fixturePose(owner) : this.objectPose(owner) };
  }

  /** The support zone a fixture is placed On, or null when its init atoms place it nowhere. */
  private zoneOf(instance: string): RegionSpec | null {
    const atom = this.task.init.find((a) => a.op === "On" && a.args[0] === instance);
    if (atom === undefined) return null;
    return this.task.regions.find((r) => r.target === this.supportInstance && regionSiteName(r.target, r.name) === atom.args[1] && r.ranges.length > 0) ?? null;
  }

  private zoneXY(zone: RegionSpec): [number, number] {
    const [cx, cy] = rangeCentre(zone);
    return [cx + this.family.workspaceOffset[0], cy + this.family.workspaceOffset[1]];
  }

  private memo(instance: string, compute: () => Pose): Pose {
    const hit = this.poses.get(instance);
    if (hit) return hit;
    if (this.inProgress.has(instance)) throw new Error(`Task ${this.task.name}: the init atoms place ${instance} on itself through a cycle of On atoms.`);
    this.inProgress.add(instance);
    const pose = compute();
    this.inProgress.delete(instance);
    this.poses.set(instance, pose);
    return pose;
  }
}
