/**
 * `PredicateWorld` over a live MuJoCo simulation: what LIBERO's predicates read, taken from `MjData` after
 * the step (body origins `xpos`, site frames `site_xpos`/`site_xmat` with `site_size`, joint `qpos`, and the
 * contact list).
 *
 * Contact follows robosuite's `check_contact`: any active contact between a collision geom of A and one of B,
 * where an object's collision geoms are the group-0 geoms of its body subtree (LIBERO_ADDENDUM §1: a group-1
 * geom that still collides, such as the stove's `base_vis`, does not count). Pairs with a compiled contact
 * sensor (`contactSensors.ts`) are read from `sensordata` in O(1); any other pair falls back to scanning the
 * contact list, which is correct but slow in mujoco-js.
 */
import type { Simulation } from "../mujoco.ts";
import type { PredicateWorld, SiteFrame } from "./predicates.ts";
import { contactSensorName } from "./contactSensors.ts";

export class MujocoWorld implements PredicateWorld {
  private readonly sim: Simulation;
  private readonly bodyIds = new Map<string, number>();
  private readonly siteIds = new Map<string, number>();
  private readonly jointAdr = new Map<string, number>();
  /** for each body id: the set of its subtree's group-0 geom ids, built on first use */
  private readonly subtreeGeoms = new Map<number, Set<number>>();
  /** sensordata address of the contact sensor of a pair, or −1 when the scene has none */
  private readonly sensorAdr = new Map<string, number>();
  private contactCache: { time: number; pairs: Int32Array; n: number } | null = null;

  constructor(sim: Simulation) {
    this.sim = sim;
  }

  private body(name: string): number {
    let id = this.bodyIds.get(name);
    if (id === undefined) {
      id = this.sim.id("body", name);
      this.bodyIds.set(name, id);
    }
    return id;
  }

  bodyPos(body: string): [number, number, number] {
    const b = this.body(body);
    const x = this.sim.data.xpos;
    return [x[3 * b], x[3 * b + 1], x[3 * b + 2]];
  }

  siteFrame(site: string): SiteFrame {
    let s = this.siteIds.get(site);
    if (s === undefined) {
      s = this.sim.id("site", site);
      this.siteIds.set(site, s);
    }
    const d = this.sim.data;
    const size = this.sim.model.site_size;
    return {
      pos: [d.site_xpos[3 * s], d.site_xpos[3 * s + 1], d.site_xpos[3 * s + 2]],
      mat: Array.from(d.site_xmat.subarray(9 * s, 9 * s + 9)),
      size: [size[3 * s], size[3 * s + 1], size[3 * s + 2]],
    };
  }

  jointQ(joint: string): number {
    let adr = this.jointAdr.get(joint);
    if (adr === undefined) {
      adr = (this.sim.model.jnt_qposadr as unknown as Int32Array)[this.sim.id("joint", joint)];
      this.jointAdr.set(joint, adr);
    }
    return this.sim.data.qpos[adr];
  }

  /** Group-0 geoms of the subtree rooted at body `b`. */
  private geomsOf(b: number): Set<number> {
    let set = this.subtreeGeoms.get(b);
    if (set) return set;
    const m = this.sim.model;
    const parent = m.body_parentid as unknown as Int32Array;
    const geomBody = m.geom_bodyid as unknown as Int32Array;
    const group = m.geom_group as unknown as Int32Array;
    const inSubtree = (body: number): boolean => {
      for (let x = body; x > 0; x = parent[x]) if (x === b) return true;
      return b === 0;
    };
    set = new Set<number>();
    for (let g = 0; g < m.ngeom; g++) if (group[g] === 0 && inSubtree(geomBody[g])) set.add(g);
    this.subtreeGeoms.set(b, set);
    return set;
  }

  /** The current contact list as geom pairs, read once per simulation time. */
  private contacts(): { pairs: Int32Array; n: number } {
    const d = this.sim.data;
    if (this.contactCache && this.contactCache.time === d.time) return this.contactCache;
    const n = d.ncon;
    const pairs = new Int32Array(2 * n);
    // Each access to `data.contact` copies the whole contact vector into new WASM memory that is ours to
    // free (≈10 KB in a tabletop scene): an undeleted copy per query leaked gigabytes over a long sweep.
    const list = d.contact;
    try {
      for (let i = 0; i < n; i++) {
        const c = list.get(i) as unknown as { geom1: number; geom2: number; delete?: () => void };
        pairs[2 * i] = c.geom1;
        pairs[2 * i + 1] = c.geom2;
        c.delete?.();
      }
    } finally {
      list.delete();
    }
    this.contactCache = { time: d.time, pairs, n };
    return this.contactCache;
  }

  inContact(bodyA: string, bodyB: string): boolean {
    const key = contactSensorName(bodyA, bodyB);
    let adr = this.sensorAdr.get(key);
    if (adr === undefined) {
      const m = this.sim.model;
      const id = this.sim.mj.mj_name2id(m, this.sim.mj.mjtObj.mjOBJ_SENSOR.value, key);
      adr = id < 0 ? -1 : (m.sensor_adr as unknown as Int32Array)[id];
      this.sensorAdr.set(key, adr);
    }
    if (adr >= 0) return this.sim.data.sensordata[adr] > 0;
    return this.scanContacts(bodyA, bodyB);
  }

  private scanContacts(bodyA: string, bodyB: string): boolean {
    const ga = this.geomsOf(this.body(bodyA));
    const gb = this.geomsOf(this.body(bodyB));
    const { pairs, n } = this.contacts();
    for (let i = 0; i < n; i++) {
      const g1 = pairs[2 * i];
      const g2 = pairs[2 * i + 1];
      if ((ga.has(g1) && gb.has(g2)) || (ga.has(g2) && gb.has(g1))) return true;
    }
    return false;
  }
}
