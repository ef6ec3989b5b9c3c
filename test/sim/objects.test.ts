/**
 * The LIBERO object and fixture library: every category compiles, weighs what LIBERO's does, spans LIBERO's
 * collision extents, carries its predicate sites where LIBERO_ADDENDUM.md §3 puts them, and behaves: a can
 * dropped on the table stands, a bowl holds a small box, a can dropped in the basket is In it.
 */
import { existsSync, readFileSync } from "node:fs";
import { beforeAll, describe, expect, it } from "vitest";
import { quatToMat } from "../../sim/math.ts";
import { el, toXml, type MjcfElement } from "../../sim/mjcf.ts";
import { getMujoco, Simulation, type Mujoco } from "../../sim/mujoco.ts";
import { physicsOptions } from "../../sim/physics.ts";
import { FIXTURE_CATEGORIES, fixtureModel } from "../../sim/fixtures/registry.ts";
import { setBurnerGlow, GLOW_Z_ON } from "../../sim/fixtures/stove.ts";
import { OBJECT_CATEGORIES, objectModel } from "../../sim/objects/registry.ts";
import { freeBox } from "../../sim/scenes/robotTable.ts";
import { inSite, liberoSiteOffset, onSite } from "../../sim/tasks/predicates.ts";
import { allTasks } from "../../sim/tasks/registry.ts";
import { SUPPORT_CATEGORIES } from "../../sim/tasks/naming.ts";
import { axisQuat, quatMul } from "../../sim/objects/parts.ts";
import { WORLD_CONTACT } from "../../sim/robot/panda.ts";

const EXTENTS = "/work/shared/reference/libero/libero_object_collision_extents.json";
const extentsPresent = existsSync(EXTENTS);
if (!extentsPresent) console.warn(`Extent cross-check skipped: ${EXTENTS} is not on this machine.`);

/** Masses (kg) of LIBERO's objects from their group-0 boxes at density 100 (LIBERO_ADDENDUM.md §5). */
const LIBERO_MASS: Record<string, number> = {
  akita_black_bowl: 0.0056, white_bowl: 0.0021, plate: 0.0115, glazed_rim_porcelain_ramekin: 0.0097, basket: 0.1361,
  chefmate_8_frypan: 0.0502, moka_pot: 0.0682, porcelain_mug: 0.0165, red_coffee_mug: 0.0294, white_yellow_mug: 0.0309,
  wine_bottle: 0.0154, black_book: 0.0425, yellow_book: 0.0281, wooden_tray: 0.0572, alphabet_soup: 0.0259,
  tomato_sauce: 0.0266, cream_cheese: 0.0062, butter: 0.0052, chocolate_pudding: 0.0102, cookies: 0.0096, ketchup: 0.0232,
  milk: 0.0317, orange_juice: 0.0317, bbq_sauce: 0.0122, salad_dressing: 0.0218, new_salad_dressing: 0.0218,
};

let mj: Mujoco;
beforeAll(async () => {
  mj = await getMujoco();
});

function worldXml(...bodies: MjcfElement[]): string {
  return toXml(el("mujoco", {}, physicsOptions(), el("worldbody", {}, ...bodies))) + "\n";
}

/** A 0.05 m thick table box with its top at z 0.90, LIBERO's main-table friction. */
function table(): MjcfElement {
  return el("geom", { name: "table", type: "box", pos: [0, 0, 0.875], size: [0.5, 0.6, 0.025], friction: [0.6, 0.005, 0.0001], ...WORLD_CONTACT });
}

/** Bounds of the collision boxes (contype or conaffinity non-zero) at the current state, world frame. */
function collisionBoxBounds(sim: Simulation): [number[], number[]] {
  const m = sim.model as unknown as Record<string, ArrayLike<number>> & { ngeom: number };
  const d = sim.data as unknown as Record<string, ArrayLike<number>>;
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (let g = 0; g < m.ngeom; g++) {
    if (m.geom_type[g] !== 6 || (m.geom_contype[g] === 0 && m.geom_conaffinity[g] === 0)) continue;
    for (const sx of [-1, 1]) for (const sy of [-1, 1]) for (const sz of [-1, 1]) {
      const l = [sx * m.geom_size[3 * g], sy * m.geom_size[3 * g + 1], sz * m.geom_size[3 * g + 2]];
      for (let i = 0; i < 3; i++) {
        const v = d.geom_xpos[3 * g + i] + d.geom_xmat[9 * g + 3 * i] * l[0] + d.geom_xmat[9 * g + 3 * i + 1] * l[1] + d.geom_xmat[9 * g + 3 * i + 2] * l[2];
        lo[i] = Math.min(lo[i], v);
        hi[i] = Math.max(hi[i], v);
      }
    }
  }
  return [lo, hi];
}

/** LIBERO's object-frame AABB turned into our upright frame (R(uprightQuat) applied to its corners). */
function liberoBoundsInOurFrame(min: number[], max: number[], quat: readonly number[]): [number[], number[]] {
  const R = quatToMat(quat);
  const lo = [Infinity, Infinity, Infinity];
  const hi = [-Infinity, -Infinity, -Infinity];
  for (const a of [min[0], max[0]]) for (const b of [min[1], max[1]]) for (const c of [min[2], max[2]]) {
    for (let i = 0; i < 3; i++) {
      const v = R[3 * i] * a + R[3 * i + 1] * b + R[3 * i + 2] * c;
      lo[i] = Math.min(lo[i], v);
      hi[i] = Math.max(hi[i], v);
    }
  }
  return [lo, hi];
}

describe("object library", () => {
  it("models every object category that the 130 tasks use", () => {
    const used = new Set(allTasks().flatMap((t) => Object.values(t.objects)));
    expect([...used].filter((c) => !OBJECT_CATEGORIES.includes(c))).toEqual([]);
  });

  it("an unknown category names the known ones", () => {
    expect(() => objectModel("teapot")).toThrow(/Unknown object category "teapot".*akita_black_bowl/);
  });

  it.each(OBJECT_CATEGORIES)("%s compiles alone, weighs 0.7–1.3 × LIBERO's mass, has ≤ 12 geoms and a free joint named <instance>_joint", (category) => {
    const model = objectModel(category);
    const sim = new Simulation(mj, worldXml(model.build(`${category}_1`)));
    try {
      const body = sim.id("body", `${category}_1`);
      const mass = (sim.model.body_mass as Float64Array)[body];
      expect(mass / LIBERO_MASS[category]).toBeGreaterThan(0.7);
      expect(mass / LIBERO_MASS[category]).toBeLessThan(1.3);
      expect(sim.model.ngeom).toBeLessThanOrEqual(12);
      const joint = sim.id("joint", `${category}_1_joint`);
      expect((sim.model.jnt_type as Int32Array)[joint]).toBe(0); // mjJNT_FREE
      expect((sim.model.dof_damping as Float64Array)[0]).toBeCloseTo(0.0005, 8);
    } finally {
      sim.dispose();
    }
  });

  it.skipIf(!extentsPresent)("every object's collision boxes span LIBERO's extents within 5 mm (in our upright frame)", () => {
    const json = JSON.parse(readFileSync(EXTENTS, "utf8")) as Record<string, { aabb_obj_frame_min: number[]; aabb_obj_frame_max: number[] }>;
    for (const category of OBJECT_CATEGORIES) {
      const model = objectModel(category);
      const sim = new Simulation(mj, worldXml(model.build("x")));
      try {
        mj.mj_forward(sim.model, sim.data);
        const [lo, hi] = collisionBoxBounds(sim);
        const [elo, ehi] = liberoBoundsInOurFrame(json[category].aabb_obj_frame_min, json[category].aabb_obj_frame_max, model.uprightQuat);
        for (let i = 0; i < 3; i++) {
          expect(Math.abs(lo[i] - elo[i]), `${category} min[${i}]`).toBeLessThan(0.005);
          expect(Math.abs(hi[i] - ehi[i]), `${category} max[${i}]`).toBeLessThan(0.005);
        }
        expect(model.bottomOffset).toBeCloseTo(-elo[2], 3);
      } finally {
        sim.dispose();
      }
    }
  });

  it("a can dropped 2 cm onto the table settles upright at its bottom offset", () => {
    const soup = objectModel("alphabet_soup");
    const body = soup.build("can");
    const z0 = 0.9 + soup.bottomOffset + 0.02;
    const sim = new Simulation(mj, worldXml(table(), { ...body, attrs: { ...body.attrs, pos: [0, 0, z0] } }));
    try {
      for (let k = 0; k < 500; k++) mj.mj_step(sim.model, sim.data);
      const id = sim.id("body", "can");
      const xmat = (sim.data.xmat as Float64Array).slice(9 * id, 9 * id + 9);
      expect(xmat[8]).toBeGreaterThan(0.999); // body z still points up
      expect((sim.data.xpos as Float64Array)[3 * id + 2]).toBeCloseTo(0.9 + soup.bottomOffset, 2);
    } finally {
      sim.dispose();
    }
  });

  it("a bowl holds a 3 cm box dropped into it: the box rests inside, on the bowl's floor", () => {
    const bowl = objectModel("akita_black_bowl");
    const body = bowl.build("bowl");
    const sim = new Simulation(
      mj,
      worldXml(
        table(),
        { ...body, attrs: { ...body.attrs, pos: [0, 0, 0.9 + bowl.bottomOffset] } },
        freeBox({ name: "cube", pos: [0.01, 0, 0.99], size: [0.015, 0.015, 0.015], rgba: [1, 0, 0, 1] }),
      ),
    );
    try {
      for (let k = 0; k < 750; k++) mj.mj_step(sim.model, sim.data);
      const cube = sim.id("body", "cube");
      const b = sim.id("body", "bowl");
      const xpos = sim.data.xpos as Float64Array;
      const rel = [0, 1, 2].map((i) => xpos[3 * cube + i] - xpos[3 * b + i]);
      expect(Math.hypot(rel[0], rel[1])).toBeLessThan(0.03);
      // above the bowl's floor (top 0.0056) by about the cube's half-height, below the rim
      expect(rel[2]).toBeGreaterThan(0.0056 + 0.012);
      expect(rel[2]).toBeLessThan(bowl.topOffset);
    } finally {
      sim.dispose();
    }
  });

  it("a soup can dropped into the basket is In its contain_region (LIBERO's in_box test)", () => {
    const basketModel = objectModel("basket");
    const soup = objectModel("alphabet_soup");
    const basketBody = basketModel.build("basket_1");
    const canBody = soup.build("can");
    const sim = new Simulation(
      mj,
      worldXml(
        table(),
        { ...basketBody, attrs: { ...basketBody.attrs, pos: [0, 0, 0.9 + basketModel.bottomOffset] } },
        { ...canBody, attrs: { ...canBody.attrs, pos: [0, 0, 0.9 + 0.0216 + soup.bottomOffset + 0.03] } },
      ),
    );
    try {
      for (let k = 0; k < 500; k++) mj.mj_step(sim.model, sim.data);
      const site = sim.id("site", "basket_1_contain_region");
      const d = sim.data as unknown as Record<string, Float64Array>;
      const frame = { pos: d.site_xpos.slice(3 * site, 3 * site + 3), mat: d.site_xmat.slice(9 * site, 9 * site + 9), size: (sim.model.site_size as Float64Array).slice(3 * site, 3 * site + 3) };
      const can = sim.id("body", "can");
      expect(inSite(d.xpos.slice(3 * can, 3 * can + 3), frame)).toBe(true);
    } finally {
      sim.dispose();
    }
  });
});

/** A fixture's root at the world origin with its joints at zero, forwarded. */
function fixtureAtOrigin(category: string): Simulation {
  const sim = new Simulation(mj, worldXml(fixtureModel(category).build("f")));
  mj.mj_forward(sim.model, sim.data);
  return sim;
}

/**
 * LIBERO's predicate sites (LIBERO_ADDENDUM.md §3) in the fixture's root frame with joints at zero:
 * position, quaternion (wxyz) and half-size.
 */
const SITES: Record<string, { site: string; pos: number[]; quat: number[]; size: number[] }[]> = {
  wooden_cabinet: [
    { site: "top_side", pos: [0.00354, 0.01567, 0.22152], quat: [1, 0, 0, 0], size: [0.12534, 0.09438, 0.00147] },
    { site: "top_region", pos: [0.00328, 0.01128, 0.18563], quat: [0.70711, 0, 0.70711, 0], size: [0.02993, 0.07561, 0.10224] },
    { site: "middle_region", pos: [0.00328, 0.01128, 0.1169], quat: [0.70711, 0, 0.70711, 0], size: [0.02993, 0.07561, 0.10224] },
    { site: "bottom_region", pos: [0.00328, 0.01128, 0.04701], quat: [0.70711, 0, 0.70711, 0], size: [0.02993, 0.07561, 0.10224] },
  ],
  flat_stove: [{ site: "cook_region", pos: [0.15, 0, 0], quat: [1, 0, 0, 0], size: [0.075, 0.075, 0.0025] }],
  microwave: [
    { site: "heating_region", pos: [0, 0.01, 0.096], quat: [1, 0, 0, 0], size: [0.12, 0.0835, 0.08] },
    { site: "top_side", pos: [0, 0.01, 0.2], quat: [1, 0, 0, 0], size: [0.12, 0.0835, 0.005] },
  ],
  wine_rack: [{ site: "top_region", pos: [0, -0.08003, 0.21745], quat: [0.8549119, -0.5187733, 0, 0], size: [0.10087, 0.022, 0.00251] }],
  wooden_two_layer_shelf: [
    { site: "top_side", pos: [0.00496, 0.01567, 0.20688], quat: [1, 0, 0, 0], size: [0.17557, 0.09438, 0.00147] },
    { site: "top_region", pos: [0.00538, 0.01687, 0.13672], quat: [0.70711, 0, -0.70711, 0], size: [0.06739, 0.08564, 0.15093] },
    { site: "bottom_region", pos: [0.00555, 0.01687, 0.01407], quat: [0.70711, 0, 0.70711, 0], size: [0.03528, 0.08564, 0.1558] },
  ],
  desk_caddy: [
    { site: "right_contain_region", pos: [0.00631, -0.14339, 0.06558], quat: [0, 0, 1, 0], size: [0.06196, 0.06216, 0.06046] },
    { site: "left_contain_region", pos: [0.00631, 0.14551, 0.06558], quat: [0, 0, 1, 0], size: [0.06196, 0.06216, 0.06046] },
    { site: "back_contain_region", pos: [0.03364, -0.00064, 0.08558], quat: [0, 0, 1, 0], size: [0.02775, 0.06216, 0.06046] },
    { site: "front_contain_region", pos: [-0.03102, -0.00064, 0.04054], quat: [0, 0, 0.70711, -0.70711], size: [0.02775, 0.03595, 0.06216] },
  ],
};
SITES.white_cabinet = SITES.wooden_cabinet;

/** Object sites (LIBERO_ADDENDUM.md §3.7), in the object frame. */
const OBJECT_SITES: Record<string, { site: string; pos: number[]; quat: number[]; size: number[] }> = {
  basket: { site: "contain_region", pos: [0, 0, 0.07185], quat: [0, 0, 0, 1], size: [0.06108, 0.06108, 0.06949] },
  wooden_tray: { site: "contain_region", pos: [0.00863, -0.00471, 0.04255], quat: [0.70711, 0, 0.70711, 0], size: [0.04038, 0.07839, 0.13549] },
};

function expectSite(sim: Simulation, name: string, want: { pos: number[]; quat: number[]; size: number[] }): void {
  const id = sim.id("site", name);
  const d = sim.data as unknown as Record<string, Float64Array>;
  const size = (sim.model.site_size as Float64Array).slice(3 * id, 3 * id + 3);
  const mat = d.site_xmat.slice(9 * id, 9 * id + 9);
  const wantMat = quatToMat(want.quat.map((v) => v / Math.hypot(...want.quat)));
  for (let i = 0; i < 3; i++) {
    expect(d.site_xpos[3 * id + i], `${name} pos[${i}]`).toBeCloseTo(want.pos[i], 4);
    expect(size[i], `${name} size[${i}]`).toBeCloseTo(want.size[i], 4);
  }
  for (let i = 0; i < 9; i++) expect(mat[i], `${name} mat[${i}]`).toBeCloseTo(wantMat[i], 4);
}

describe("fixture library", () => {
  it("models every fixture category of the 130 tasks besides the tables and the floor", () => {
    const used = new Set(allTasks().flatMap((t) => Object.values(t.fixtures)).filter((c) => !SUPPORT_CATEGORIES.includes(c)));
    expect([...used].filter((c) => !FIXTURE_CATEGORIES.includes(c))).toEqual([]);
    expect(() => fixtureModel("fridge")).toThrow(/Unknown fixture category "fridge".*wooden_cabinet/);
  });

  it.each(Object.keys(SITES))("%s has LIBERO's predicate sites (position, orientation, half-size) at joint zero", (category) => {
    const sim = fixtureAtOrigin(category);
    try {
      for (const s of SITES[category]) expectSite(sim, `f_${s.site}`, s);
    } finally {
      sim.dispose();
    }
  });

  it.each(Object.keys(OBJECT_SITES))("%s carries contain_region where LIBERO does", (category) => {
    const sim = new Simulation(mj, worldXml(objectModel(category).build("f")));
    try {
      mj.mj_forward(sim.model, sim.data);
      expectSite(sim, `f_${OBJECT_SITES[category].site}`, OBJECT_SITES[category]);
    } finally {
      sim.dispose();
    }
  });

  it.skipIf(!extentsPresent)("every fixture's collision boxes span LIBERO's extents within 5 mm (joints at zero)", () => {
    const json = JSON.parse(readFileSync(EXTENTS, "utf8")) as Record<string, { aabb_obj_frame_min: number[]; aabb_obj_frame_max: number[] }>;
    for (const category of FIXTURE_CATEGORIES) {
      const sim = fixtureAtOrigin(category);
      try {
        const [lo, hi] = collisionBoxBounds(sim);
        for (let i = 0; i < 3; i++) {
          expect(Math.abs(lo[i] - json[category].aabb_obj_frame_min[i]), `${category} min[${i}]`).toBeLessThan(0.005);
          expect(Math.abs(hi[i] - json[category].aabb_obj_frame_max[i]), `${category} max[${i}]`).toBeLessThan(0.005);
        }
      } finally {
        sim.dispose();
      }
    }
  });

  it("cabinet drawers slide along +y in −0.16…0.01 with damping 50 and mass 3; the drawer site moves with q (y = 0.01128 + q)", () => {
    const sim = fixtureAtOrigin("wooden_cabinet");
    try {
      const m = sim.model as unknown as Record<string, ArrayLike<number>>;
      for (const j of ["top_level", "middle_level", "bottom_level"]) {
        const id = sim.id("joint", `f_${j}`);
        expect(m.jnt_type[id]).toBe(2); // mjJNT_SLIDE
        expect([m.jnt_range[2 * id], m.jnt_range[2 * id + 1]]).toEqual([-0.16, 0.01]);
        expect(m.dof_damping[m.jnt_dofadr[id]]).toBe(50);
        expect(m.body_mass[m.jnt_bodyid[id]]).toBe(3);
      }
      const q = sim.id("joint", "f_top_level");
      (sim.data.qpos as Float64Array)[m.jnt_qposadr[q]] = -0.15;
      mj.mj_forward(sim.model, sim.data);
      expect((sim.data.site_xpos as Float64Array)[3 * sim.id("site", "f_top_region") + 1]).toBeCloseTo(0.01128 - 0.15, 5);
    } finally {
      sim.dispose();
    }
  });

  it("stove knob hinge button: range −0.005…2.1, damping 1, mass 3; setBurnerGlow raises the red disc onto the plate", () => {
    const sim = fixtureAtOrigin("flat_stove");
    try {
      const m = sim.model as unknown as Record<string, ArrayLike<number>>;
      const id = sim.id("joint", "f_button");
      expect([m.jnt_range[2 * id], m.jnt_range[2 * id + 1]]).toEqual([-0.005, 2.1]);
      expect(m.dof_damping[m.jnt_dofadr[id]]).toBe(1);
      expect(m.body_mass[m.jnt_bodyid[id]]).toBe(3);
      setBurnerGlow(sim, "f", true);
      mj.mj_forward(sim.model, sim.data);
      expect((sim.data.geom_xpos as Float64Array)[3 * sim.id("geom", "f_burner_glow") + 2]).toBeCloseTo(GLOW_Z_ON, 6);
    } finally {
      sim.dispose();
    }
  });

  it("microwave door hinge microjoint: range −2.094…0, damping 0.5, door mass 0.26 kg, handle reaching y −0.152", () => {
    const sim = fixtureAtOrigin("microwave");
    try {
      const m = sim.model as unknown as Record<string, ArrayLike<number>>;
      const id = sim.id("joint", "f_microjoint");
      expect([m.jnt_range[2 * id], m.jnt_range[2 * id + 1]]).toEqual([-2.094, 0]);
      expect(m.dof_damping[m.jnt_dofadr[id]]).toBe(0.5);
      expect(m.body_mass[m.jnt_bodyid[id]]).toBeCloseTo(0.26, 6);
      const bar = sim.id("geom", "f_handle_bar");
      expect((sim.data.geom_xpos as Float64Array)[3 * bar + 1] - 0.01).toBeCloseTo(-0.152, 3);
    } finally {
      sim.dispose();
    }
  });
});

describe("resting heights on fixtures match LIBERO's simulated ones (LIBERO_ADDENDUM.md §3.1, §3.2)", () => {
  /** Drops `category` 1 cm above `fixture`'s site `region` (fixture at the origin) and returns origin − site centre. */
  function restAbove(fixture: string, region: string, category: string): number[] {
    const fx = fixtureModel(fixture);
    const site = fx.regions.find((s) => s.region === region)!;
    const centre = [0, 1, 2].map((i) => (site.bodyPos?.[i] ?? 0) + site.pos[i]);
    const m = objectModel(category);
    const body = m.build("o");
    const z = centre[2] + (site.supportOffset ?? 0) + m.bottomOffset + 0.01;
    const sim = new Simulation(mj, worldXml(fx.build("f"), { ...body, attrs: { ...body.attrs, pos: [centre[0], centre[1], z] } }));
    try {
      for (let k = 0; k < 600; k++) mj.mj_step(sim.model, sim.data);
      const id = sim.id("body", "o");
      return [0, 1, 2].map((i) => (sim.data.xpos as Float64Array)[3 * id + i] - centre[i]);
    } finally {
      sim.dispose();
    }
  }

  it("akita bowl on the stove plate: origin 0.0239 above cook_region, inside On's window −0.0025…0.1025", () => {
    expect(restAbove("flat_stove", "cook_region", "akita_black_bowl")[2]).toBeCloseTo(0.0239, 3);
  });

  it("moka pot on the stove plate: origin 0.0916 above cook_region, 1.1 cm under On's upper bound", () => {
    expect(restAbove("flat_stove", "cook_region", "moka_pot")[2]).toBeCloseTo(0.0916, 3);
  });

  it("akita bowl on the cabinet top: origin d_z ≈ −0.00013 from top_side's centre (its top face 0.00147 above)", () => {
    expect(restAbove("wooden_cabinet", "top_side", "akita_black_bowl")[2]).toBeCloseTo(-0.00013, 4);
  });

  it("akita bowl in the top drawer rests on the drawer floor, 0.0265 below top_region's centre and above In's lower bound", () => {
    const d = restAbove("wooden_cabinet", "top_region", "akita_black_bowl");
    expect(d[2]).toBeCloseTo(-0.02648 - 0.0016, 3);
    expect(d[2]).toBeGreaterThan(-0.02993 - 0.01);
  });
});

describe("LIBERO's placement quirks survive in our geometry", () => {
  /** Steps 1 s and returns the body's origin and the frame of the site, world frame. */
  function settle(sim: Simulation, body: string, site: string) {
    for (let k = 0; k < 500; k++) mj.mj_step(sim.model, sim.data);
    const d = sim.data as unknown as Record<string, Float64Array>;
    const s = sim.id("site", site);
    const b = sim.id("body", body);
    return {
      origin: d.xpos.slice(3 * b, 3 * b + 3),
      frame: { pos: d.site_xpos.slice(3 * s, 3 * s + 3), mat: d.site_xmat.slice(9 * s, 9 * s + 9), size: (sim.model.site_size as Float64Array).slice(3 * s, 3 * s + 3) },
    };
  }

  it("a wine bottle lying on the rack's upper plane, bottom against the stopper, is On top_region: d_y ≈ −0.018 (rack at yaw π as in every LIBERO placement; LIBERO_ADDENDUM.md §3.5)", () => {
    // Rack frame: up-slope u and outward normal n of the upper plane; the stopper's centre is 9.6 mm above
    // the plane's mid-surface along n. The bottle's axis (our z) points up the slope: a rotation about x.
    const u = [0, 0.855, 0.519];
    const n = [0, -0.519, 0.855];
    const along = (p: number[], v: number[], k: number) => p.map((x, i) => x + k * v[i]);
    let p = along([0, -0.0748, 0.2207], n, -0.0096 + 0.0045 + 0.0213 + 0.002); // bottle axis 2 mm off the plane
    p = along(p, u, 0.00108 + 0.002 - 0.0011); // bottom 2 mm up-slope of the stopper; origin 1.1 mm below it
    const tilt = Math.atan2(-0.855, 0.519);
    const bottle = objectModel("wine_bottle").build("bottle");
    const rack = fixtureModel("wine_rack").build("rack");
    const yawPi: [number, number, number, number] = [0, 0, 0, 1];
    const sim = new Simulation(
      mj,
      worldXml(
        el("geom", { type: "plane", pos: [0, 0, -0.0022], size: [1, 1, 0.1], ...WORLD_CONTACT }),
        { ...rack, attrs: { ...rack.attrs, quat: yawPi } },
        // yaw π maps (x, y, z) to (−x, −y, z); the bottle turns by R_z(π)·R_x(tilt)
        { ...bottle, attrs: { ...bottle.attrs, pos: [-p[0], -p[1], p[2]], quat: quatMul(yawPi, axisQuat([1, 0, 0], tilt)) } },
      ),
    );
    try {
      const { origin, frame } = settle(sim, "bottle", "rack_top_region");
      const d = liberoSiteOffset(frame, origin);
      expect(d[1]).toBeCloseTo(-0.018, 2);
      expect(onSite(origin, frame, null)).toBe(true);
    } finally {
      sim.dispose();
    }
  });

  it("an upright black book standing on the caddy's back floor is not In back_contain_region: origin 0.0116 < bound 0.01512 (LIBERO_ADDENDUM.md §3.4)", () => {
    const book = objectModel("black_book");
    const body = book.build("book");
    const sim = new Simulation(
      mj,
      worldXml(
        el("geom", { type: "plane", size: [1, 1, 0.1], ...WORLD_CONTACT }),
        fixtureModel("desk_caddy").build("caddy"),
        { ...body, attrs: { ...body.attrs, pos: [0.033, 0.006, 0.01381 + book.bottomOffset + 0.003] } },
      ),
    );
    try {
      const { origin, frame } = settle(sim, "book", "caddy_back_contain_region");
      expect(origin[2]).toBeCloseTo(0.0116, 3);
      expect(inSite(origin, frame)).toBe(false);
      // the same origin 4 mm higher, as a book leaning ≥ 14° would hold it, passes
      expect(inSite([origin[0], origin[1], origin[2] + 0.004], frame)).toBe(true);
    } finally {
      sim.dispose();
    }
  });
});
