import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseBddl } from "../../sim/bddl/parser.ts";
import {
  evaluateAtom,
  evaluateGoal,
  inSite,
  liberoSiteOffset,
  onObject,
  onSite,
  type PredicateWorld,
  type SiteFrame,
} from "../../sim/tasks/predicates.ts";
import { getTask } from "../../sim/tasks/registry.ts";
import { taskFromBddl } from "../../sim/tasks/taskFromBddl.ts";
import type { Atom, TaskSpec } from "../../sim/tasks/types.ts";

type V3 = [number, number, number];
type M3 = number[];

const IDENTITY: M3 = [1, 0, 0, 0, 1, 0, 0, 0, 1];

function rotZ(t: number): M3 {
  const [c, s] = [Math.cos(t), Math.sin(t)];
  return [c, -s, 0, s, c, 0, 0, 0, 1];
}

/** Row-major rotation of a unit quaternion (w, x, y, z). */
function quatMat([w, x, y, z]: number[]): M3 {
  return [
    1 - 2 * (y * y + z * z), 2 * (x * y - w * z), 2 * (x * z + w * y),
    2 * (x * y + w * z), 1 - 2 * (x * x + z * z), 2 * (y * z - w * x),
    2 * (x * z - w * y), 2 * (y * z + w * x), 1 - 2 * (x * x + y * y),
  ];
}

function mul(a: M3, b: M3): M3 {
  const out: M3 = [];
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) out.push(a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j]);
  return out;
}

function apply(m: M3, v: V3): V3 {
  return [0, 1, 2].map((i) => m[3 * i] * v[0] + m[3 * i + 1] * v[1] + m[3 * i + 2] * v[2]) as V3;
}

function transpose(m: M3): M3 {
  return [m[0], m[3], m[6], m[1], m[4], m[7], m[2], m[5], m[8]];
}

function add(a: V3, b: V3): V3 {
  return [a[0] + b[0], a[1] + b[1], a[2] + b[2]];
}

/** A hand-built world; asking for anything it was not given throws, so a wrong name or lookup is caught. */
function world(parts: {
  bodies?: Record<string, V3>;
  sites?: Record<string, SiteFrame>;
  contacts?: [string, string][];
  joints?: Record<string, number>;
  noContactQueries?: boolean;
}): PredicateWorld {
  const get = <T>(table: Record<string, T> | undefined, name: string, what: string): T => {
    const value = table?.[name];
    if (value === undefined) throw new Error(`test world has no ${what} ${name}`);
    return value;
  };
  return {
    bodyPos: (name) => get(parts.bodies, name, "body"),
    siteFrame: (name) => get(parts.sites, name, "site"),
    jointQ: (name) => get(parts.joints, name, "joint"),
    inContact: (a, b) => {
      if (parts.noContactQueries) throw new Error(`contact ${a}/${b} queried where none should be`);
      return (parts.contacts ?? []).some(([x, y]) => (x === a && y === b) || (x === b && y === a));
    },
  };
}

/** A kitchen with every articulated fixture, for the joint predicates. */
const KITCHEN: TaskSpec = taskFromBddl(
  parseBddl(`(define (problem LIBERO_Kitchen_Tabletop_Manipulation)
    (:domain robosuite) (:language test kitchen)
    (:regions (top_region (:target wooden_cabinet_1)) (cook_region (:target flat_stove_1))
              (heating_region (:target microwave_1)))
    (:fixtures kitchen_table - kitchen_table wooden_cabinet_1 - wooden_cabinet microwave_1 - microwave
               flat_stove_1 - flat_stove)
    (:objects plate_1 - plate)
    (:init)
    (:goal (And (Open wooden_cabinet_1_top_region))))`),
  "libero_90",
  0,
  "KITCHEN_SCENE0_test_kitchen",
);

const atom = (text: string): Atom => {
  const [op, ...args] = text.split(" ");
  return { op: op as Atom["op"], args };
};

describe("On(a, object b): z(b) ≤ z(a), contact, xy distance < 0.03", () => {
  const b: V3 = [0.1, 0.2, 0.9];
  it("holds when all three hold, including equal heights", () => {
    expect(onObject([0.1, 0.2, 0.95], b, true)).toBe(true);
    expect(onObject([0.1, 0.2, 0.9], b, true)).toBe(true);
  });
  it("fails when a is below b", () => {
    expect(onObject([0.1, 0.2, 0.8999], b, true)).toBe(false);
  });
  it("fails without contact", () => {
    expect(onObject([0.1, 0.2, 0.95], b, false)).toBe(false);
  });
  it("is strict at 0.03 m horizontal distance", () => {
    expect(onObject([0.0299, 0, 1], [0, 0, 0.9], true)).toBe(true);
    expect(onObject([0.03, 0, 1], [0, 0, 0.9], true)).toBe(false);
    // 0.018² + 0.024² = 0.03²: diagonal offsets are measured in the plane, not per axis.
    expect(onObject([0.018, 0.024, 1], [0, 0, 0.9], true)).toBe(false);
  });
  it("evaluateAtom asks for contact between the two bodies (libero_goal 8, bowl on plate)", () => {
    const task = getTask("libero_goal", 8);
    const bodies = { akita_black_bowl_1: [0.01, 0, 0.91] as V3, plate_1: [0, 0, 0.9] as V3 };
    expect(evaluateGoal(task, world({ bodies, contacts: [["akita_black_bowl_1", "plate_1"]] })).success).toBe(true);
    expect(evaluateGoal(task, world({ bodies, contacts: [] })).success).toBe(false);
  });
});

describe("On(a, region site): size_z − 0.005 < d_z < size_z + 0.10, |d_xy| < size_xy", () => {
  // A table zone as LIBERO builds it: half-xy = half the range, half-height 0.007, at the table top.
  const zone: SiteFrame = { pos: [0, 0, 0.9], mat: IDENTITY, size: [0.04, 0.04, 0.007] };
  const at = (dx: number, dy: number, dz: number): V3 => [dx, dy, 0.9 + dz];

  it("accepts 0.002 < d_z < 0.107 over a table zone and rejects just outside", () => {
    expect(onSite(at(0, 0, 0.0025), zone, null)).toBe(true);
    expect(onSite(at(0, 0, 0.0015), zone, null)).toBe(false);
    expect(onSite(at(0, 0, 0.1065), zone, null)).toBe(true);
    expect(onSite(at(0, 0, 0.1075), zone, null)).toBe(false);
  });
  it("is strict on the half-extents in x and y", () => {
    expect(onSite(at(0.0399, -0.0399, 0.01), zone, null)).toBe(true);
    expect(onSite(at(0.0401, 0, 0.01), zone, null)).toBe(false);
    expect(onSite(at(0, -0.0401, 0.01), zone, null)).toBe(false);
  });
  it("needs contact with the owner when the site has one", () => {
    expect(onSite(at(0, 0, 0.01), zone, true)).toBe(true);
    expect(onSite(at(0, 0, 0.01), zone, false)).toBe(false);
  });
  it("a table zone has no contact test (libero_goal 5, plate to the front of the stove)", () => {
    const task = getTask("libero_goal", 5);
    const w = world({ bodies: { plate_1: at(0.01, 0.01, 0.01) }, sites: { main_table_stove_front_region: zone }, noContactQueries: true });
    expect(evaluateGoal(task, w).success).toBe(true);
  });
  it("a fixture's site needs contact with that fixture (libero_goal 1, bowl on the stove)", () => {
    const task = getTask("libero_goal", 1);
    const cook: SiteFrame = { pos: [-0.25, 0.2, 0.905], mat: IDENTITY, size: [0.075, 0.075, 0.0025] };
    const bodies = { akita_black_bowl_1: [-0.25, 0.21, 0.905 + 0.0239] as V3 };
    const sites = { flat_stove_1_cook_region: cook };
    expect(evaluateGoal(task, world({ bodies, sites, contacts: [["akita_black_bowl_1", "flat_stove_1"]] })).success).toBe(true);
    expect(evaluateGoal(task, world({ bodies, sites, contacts: [] })).success).toBe(false);
  });
});

describe("wine rack top_region: LIBERO's R·(p − s) where Rᵀ would be geometric", () => {
  // Addendum §3.5: site in the rack frame at (0, −0.08003, 0.21745), quat (0.8549119, −0.5187733, 0, 0),
  // i.e. −62.5° about x; size (0.10087, 0.022, 0.00251). Rack root at (−0.26, −0.26, 0.92).
  const tilt = quatMat([0.8549119, -0.5187733, 0, 0]);
  const rackAt = (yaw: number): { site: SiteFrame; world: (local: V3) => V3 } => {
    const root: V3 = [-0.26, -0.26, 0.92];
    const yawMat = rotZ(yaw);
    const mat = mul(yawMat, tilt);
    const pos = add(root, apply(yawMat, [0, -0.08003, 0.21745]));
    // A point given in the site's own (geometric) frame.
    return { site: { pos, mat, size: [0.10087, 0.022, 0.00251] }, world: (local) => add(pos, apply(mat, local)) };
  };
  const task = getTask("libero_goal", 9);
  const onRack = (site: SiteFrame, bottle: V3): boolean =>
    evaluateGoal(
      task,
      world({ bodies: { wine_bottle_1: bottle }, sites: { wine_rack_1_top_region: site }, contacts: [["wine_bottle_1", "wine_rack_1"]] }),
    ).success;

  it("at yaw π (every LIBERO placement) R·(p − s) is the geometric local offset Rᵀ·(p − s)", () => {
    const { site, world: toWorld } = rackAt(Math.PI);
    const p = toWorld([0.02, -0.018, 0.015]);
    const geometric = apply(transpose(site.mat as M3), [p[0] - site.pos[0], p[1] - site.pos[1], p[2] - site.pos[2]]);
    liberoSiteOffset(site, p).forEach((d, i) => expect(d).toBeCloseTo(geometric[i], 12));
  });
  it("at yaw π a bottle lying on the rack against the stopper is On (addendum's simulated d = (x, −0.018, 0.015))", () => {
    const { site, world: toWorld } = rackAt(Math.PI);
    expect(onRack(site, toWorld([0.02, -0.018, 0.015]))).toBe(true);
    expect(onRack(site, toWorld([0, -0.01, 0.05]))).toBe(true);
  });
  it("at yaw 0 the test slab is mirrored: the geometric placement fails, its mirror image passes", () => {
    const { site, world: toWorld } = rackAt(0);
    expect(onRack(site, toWorld([0, -0.01, 0.05]))).toBe(false);
    // The point whose R·(p − s) is (0, −0.01, 0.05): p = s + Rᵀ·d, the slab tilted the other way.
    const mirrored = add(site.pos as V3, apply(transpose(site.mat as M3), [0, -0.01, 0.05]));
    expect(onRack(site, mirrored)).toBe(true);
  });
  it("property: for any tilt about x, R_z(π)·R_x(α) is symmetric, so R and Rᵀ agree at yaw π", () => {
    fc.assert(
      fc.property(fc.double({ min: -Math.PI, max: Math.PI, noNaN: true }), (alpha) => {
        const m = mul(rotZ(Math.PI), [1, 0, 0, 0, Math.cos(alpha), -Math.sin(alpha), 0, Math.sin(alpha), Math.cos(alpha)]);
        const t = transpose(m);
        return m.every((x, i) => Math.abs(x - t[i]) < 1e-12);
      }),
    );
  });
});

describe("In(a, site): strict point-in-box of p_site ± |R·size|, lower z bound lowered by 0.01", () => {
  const box: SiteFrame = { pos: [0.5, 0.5, 0.5], mat: IDENTITY, size: [0.25, 0.25, 0.25] };

  it("is strict on every face", () => {
    expect(inSite([0.7499, 0.5, 0.5], box)).toBe(true);
    expect(inSite([0.75, 0.5, 0.5], box)).toBe(false);
    expect(inSite([0.5, 0.25, 0.5], box)).toBe(false);
    expect(inSite([0.5, 0.5, 0.75], box)).toBe(false);
  });
  it("accepts 0.01 m below the box's bottom face, and only in z", () => {
    expect(inSite([0.5, 0.5, 0.245], box)).toBe(true);
    expect(inSite([0.5, 0.5, 0.2401], box)).toBe(true);
    expect(inSite([0.5, 0.5, 0.24], box)).toBe(false);
    expect(inSite([0.245, 0.5, 0.5], box)).toBe(false);
  });
  it("has no contact test (libero_object 0, soup in the basket)", () => {
    const task = getTask("libero_object", 0);
    const w = world({ bodies: { alphabet_soup_1: [0.5, 0.5, 0.3] }, sites: { basket_1_contain_region: box }, noContactQueries: true });
    expect(evaluateGoal(task, w).success).toBe(true);
  });

  describe("basket yaw sensitivity of |R·size| (addendum §3.7)", () => {
    // contain_region: quat (0, 0, 0, 1) = 180° about z on the basket root; size (0.06108, 0.06108, 0.06949).
    const basket = (yawDeg: number): SiteFrame => ({
      pos: [0.1, 0.2, 0.07185],
      mat: rotZ(Math.PI + (yawDeg * Math.PI) / 180),
      size: [0.06108, 0.06108, 0.06949],
    });
    const offset = (dx: number, dy: number): V3 => [0.1 + dx, 0.2 + dy, 0.07];

    it("square basket: half-extent 0.06108 in x and y", () => {
      expect(inSite(offset(0.055, 0), basket(0))).toBe(true);
      expect(inSite(offset(0, 0.068), basket(0))).toBe(false);
    });
    it("yawed 10°: x shrinks to 0.0495 and y grows to 0.0708", () => {
      expect(inSite(offset(0.055, 0), basket(10))).toBe(false);
      expect(inSite(offset(0.0494, 0), basket(10))).toBe(true);
      expect(inSite(offset(0, 0.068), basket(10))).toBe(true);
      expect(inSite(offset(0, 0.0709), basket(10))).toBe(false);
    });
    it("property: at yaw k·90° |R·size| is the true box, so In equals the geometric point-in-box test", () => {
      fc.assert(
        fc.property(
          fc.integer({ min: 0, max: 3 }),
          fc.double({ min: -0.1, max: 0.1, noNaN: true }),
          fc.double({ min: -0.1, max: 0.1, noNaN: true }),
          fc.double({ min: -0.1, max: 0.1, noNaN: true }),
          (k, x, y, z) => {
            const site: SiteFrame = { pos: [0, 0, 0.5], mat: rotZ((k * Math.PI) / 2), size: [0.03, 0.06, 0.04] };
            // Local coordinates of the point (Rᵀ·(p − s)); stay clear of the faces, where rounding decides.
            const local = apply(transpose(site.mat as M3), [x, y, z]);
            const margin = (v: number, half: number, below = 0) => Math.min(Math.abs(v - half), Math.abs(v + half + below));
            fc.pre(margin(local[0], 0.03) > 1e-9 && margin(local[1], 0.06) > 1e-9 && margin(local[2], 0.04, 0.01) > 1e-9);
            const geometric = Math.abs(local[0]) < 0.03 && Math.abs(local[1]) < 0.06 && local[2] > -0.05 && local[2] < 0.04;
            return inSite([x, y, 0.5 + z], site) === geometric;
          },
        ),
      );
    });
    it("yawed 45°: the x extent collapses to zero", () => {
      expect(inSite(offset(1e-6, 0), basket(45))).toBe(false);
      expect(inSite(offset(-1e-6, 0), basket(45))).toBe(false);
    });
  });
});

describe("joint predicates: thresholds of LIBERO's articulated objects", () => {
  const cabinet = (top: number, middle = 0.001, bottom = 0.001) => ({
    wooden_cabinet_1_top_level: top,
    wooden_cabinet_1_middle_level: middle,
    wooden_cabinet_1_bottom_level: bottom,
  });
  const holds = (text: string, joints: Record<string, number>): boolean => evaluateAtom(KITCHEN, atom(text), world({ joints }));

  it("drawer region: Open when q < −0.14, strict", () => {
    expect(holds("Open wooden_cabinet_1_top_region", cabinet(-0.1401))).toBe(true);
    expect(holds("Open wooden_cabinet_1_top_region", cabinet(-0.14))).toBe(false);
  });
  it("drawer region: Close when q > 0, strict", () => {
    expect(holds("Close wooden_cabinet_1_top_region", cabinet(0.0001))).toBe(true);
    expect(holds("Close wooden_cabinet_1_top_region", cabinet(0))).toBe(false);
  });
  it("a drawer region reads only its own drawer's joint", () => {
    expect(holds("Open wooden_cabinet_1_top_region", cabinet(0.001, -0.15, -0.15))).toBe(false);
    expect(holds("Close wooden_cabinet_1_top_region", cabinet(0.001, -0.15, -0.15))).toBe(true);
  });
  it("whole cabinet: Open if any drawer is open, Close only if all are closed", () => {
    expect(holds("Open wooden_cabinet_1", cabinet(0.001, -0.15, 0.001))).toBe(true);
    expect(holds("Open wooden_cabinet_1", cabinet(0.001, 0.001, 0.001))).toBe(false);
    expect(holds("Close wooden_cabinet_1", cabinet(0.001, 0.001, 0.001))).toBe(true);
    expect(holds("Close wooden_cabinet_1", cabinet(0.001, -0.15, 0.001))).toBe(false);
    expect(holds("Close wooden_cabinet_1", cabinet(0.001, 0.001, 0))).toBe(false);
  });
  it("microwave: Open when q < −1.3, Close when q > −0.005, both strict", () => {
    expect(holds("Open microwave_1", { microwave_1_microjoint: -1.3001 })).toBe(true);
    expect(holds("Open microwave_1", { microwave_1_microjoint: -1.3 })).toBe(false);
    expect(holds("Close microwave_1", { microwave_1_microjoint: -0.0049 })).toBe(true);
    expect(holds("Close microwave_1", { microwave_1_microjoint: -0.005 })).toBe(false);
  });
  it("stove: Turnon when q ≥ 0.5, Turnoff when q < 0", () => {
    expect(holds("Turnon flat_stove_1", { flat_stove_1_button: 0.5 })).toBe(true);
    expect(holds("Turnon flat_stove_1", { flat_stove_1_button: 0.4999 })).toBe(false);
    expect(holds("Turnoff flat_stove_1", { flat_stove_1_button: -0.0001 })).toBe(true);
    expect(holds("Turnoff flat_stove_1", { flat_stove_1_button: 0 })).toBe(false);
  });
  it("a joint predicate on the wrong kind of fixture is an error that says which predicates apply", () => {
    expect(() => holds("Turnon wooden_cabinet_1", cabinet(0))).toThrow(/does not apply to a drawer; use Open\/Close/);
    expect(() => holds("Open flat_stove_1", { flat_stove_1_button: 1 })).toThrow(/does not apply to a knob; use Turnon\/Turnoff/);
  });
  it("Open on something without joints names it and the articulated categories", () => {
    expect(() => holds("Open plate_1", {})).toThrow(/plate_1 cannot be opened, closed or turned: its category plate has no joints/);
    expect(() => holds("Open flat_stove_1_cook_region", {})).toThrow(/region cook_region of flat_stove_1 sits on no joint/);
  });
});

describe("evaluateGoal", () => {
  it("is the AND over atoms and reports each atom (libero_10 2: stove on, moka pot not yet on it)", () => {
    const task = getTask("libero_10", 2);
    const cook: SiteFrame = { pos: [-0.2, 0.2, 0.875], mat: IDENTITY, size: [0.075, 0.075, 0.0025] };
    const w = (potZ: number) =>
      world({
        bodies: { moka_pot_1: [-0.2, 0.2, potZ] },
        sites: { flat_stove_1_cook_region: cook },
        joints: { flat_stove_1_button: 1.0 },
        contacts: [["moka_pot_1", "flat_stove_1"]],
      });
    const lifted = evaluateGoal(task, w(1.2));
    expect(lifted.success).toBe(false);
    expect(lifted.atoms.map((a) => [a.atom.op, a.holds])).toEqual([
      ["Turnon", true],
      ["On", false],
    ]);
    expect(evaluateGoal(task, w(0.875 + 0.0916)).success).toBe(true);
  });
  it("In over an object rather than a region site is refused with a reason", () => {
    expect(() => evaluateAtom(KITCHEN, atom("In plate_1 wooden_cabinet_1"), world({}))).toThrow(/needs a region site as second argument/);
  });
  it("an atom naming an instance the task lacks is an error, not false", () => {
    expect(() => evaluateAtom(KITCHEN, atom("On ghost_1 plate_1"), world({}))).toThrow(/names ghost_1, which is no object or fixture of the task/);
  });
});
