/**
 * Kitchenware: the frying pan, the moka pot, the three mugs and the wine bottle. All are upright in LIBERO's
 * own object frame (their init quaternions are pure yaws), so uprightQuat is the identity. Extents from
 * LIBERO's collision boxes (`libero_object_collision_extents.json`), masses from LIBERO_ADDENDUM.md §5.
 */
import { defineObject, type ObjectModel } from "./model.ts";
import { axisQuat, box, boxSpan, HIDDEN, ring, visualCylinder, type Part, type Rgba } from "./parts.ts";

const BLACK: Rgba = [0.05, 0.05, 0.05, 1];
const STEEL: Rgba = [0.72, 0.72, 0.75, 1];

/**
 * chefmate_8_frypan: pan of radius ≈ 0.10 m centred 4 mm from the origin, handle along +x to x 0.259, rim top
 * 0.045, handle end 0.0587 high (LIBERO's collision extents), 50.2 g; dark grey pan, black handle.
 */
export const chefmate8Frypan = (): ObjectModel => {
  const grey: Rgba = [0.22, 0.22, 0.24, 1];
  // Handle: from the rim (x 0.095, z 0.035) rising to the end (x 0.2573, z 0.0507), 1 cm thick.
  const [hx0, hz0, hx1, hz1] = [0.097, 0.037, 0.2573, 0.0527];
  const tilt = Math.atan2(hz1 - hz0, hx1 - hx0);
  const handleLen = Math.hypot(hx1 - hx0, hz1 - hz0);
  const parts: Part[] = [
    box("floor", [0.004, -0.001, 0.0028], [0.072, 0.072, 0.002], grey),
    ...ring({ name: "wall", segments: 8, centre: [0.004, -0.001], r0: 0.075, z0: 0.003, r1: 0.0985, z1: 0.044, thickness: 0.004, rgba: grey }),
    box("handle", [(hx0 + hx1) / 2, 0, (hz0 + hz1) / 2], [handleLen / 2, 0.011, 0.006], BLACK, { quat: axisQuat([0, 1, 0], -tilt) }),
  ];
  return defineObject({
    category: "chefmate_8_frypan",
    parts,
    mass: 0.0502,
    liberoYaw: Math.PI / 2,
    horizontalRadius: 0.104,
    grasp: { pos: [0.2, 0, 0.047], yaw: Math.PI / 2, width: 0.04 },
  });
};

/**
 * moka_pot: octagonal steel pot, origin 0.0661 above its bottom (LIBERO's frame), boiler below the origin,
 * upper chamber above it, lid knob to 0.0857, black handle along +y to 0.0912, spout along −y to −0.0563;
 * 68.2 g. Collides as five boxes, drawn as steel cylinders.
 */
export const mokaPot = (): ObjectModel => {
  const parts: Part[] = [
    boxSpan("boiler", [-0.0406, -0.0406, -0.0661], [0.0406, 0.0406, -0.004], HIDDEN),
    boxSpan("chamber", [-0.037, -0.037, -0.004], [0.037, 0.037, 0.076], HIDDEN),
    boxSpan("lid", [-0.014, -0.014, 0.076], [0.014, 0.014, 0.0857], BLACK),
    boxSpan("handle", [-0.008, 0.035, 0.0], [0.008, 0.0912, 0.068], BLACK),
    boxSpan("spout", [-0.007, -0.0563, 0.052], [0.007, -0.034, 0.072], STEEL),
    visualCylinder("boiler_vis", 0, 0, -0.0661, -0.004, 0.0406, STEEL),
    visualCylinder("waist_vis", 0, 0, -0.008, 0.004, 0.028, [0.5, 0.5, 0.52, 1]),
    visualCylinder("chamber_vis", 0, 0, 0.004, 0.076, 0.037, STEEL),
  ];
  return defineObject({
    category: "moka_pot",
    parts,
    mass: 0.0682,
    liberoYaw: Math.PI,
    horizontalRadius: 0.045,
    grasp: { pos: [0, 0.066, 0.035], yaw: 0, width: 0.035 },
  });
};

interface MugSpec {
  category: string;
  /** body centre x (the handle is on the other side), body radius, z span */
  cx: number;
  radius: number;
  z0: number;
  z1: number;
  /** x of the handle's outer face (beyond the body on the side away from cx) */
  handleX: number;
  wall: Rgba | Rgba[];
  handle: Rgba;
  mass: number;
}

/** A mug: floor, eight vertical wall boxes, a solid handle block. Grasp: pinch the wall opposite the handle. */
function mug(spec: MugSpec): ObjectModel {
  const { cx, radius: r, z0, z1 } = spec;
  const t = 0.004;
  const colours: Rgba[] = Array.isArray(spec.wall[0]) ? (spec.wall as Rgba[]) : [spec.wall as Rgba];
  const wall = ring({ name: "wall", segments: 8, centre: [cx, 0], r0: r - t / 2, z0: z0 + 0.004, r1: r - t / 2, z1, thickness: t, rgba: colours[0] });
  wall.forEach((w, k) => (w.rgba = colours[k % colours.length]));
  const side = Math.sign(spec.handleX - cx);
  const inner = cx + side * (r - 0.002);
  const h = z1 - z0;
  const parts: Part[] = [
    box("floor", [cx, 0, z0 + 0.002], [r * 0.9, r * 0.9, 0.002], colours[0]),
    ...wall,
    boxSpan("handle", [Math.min(inner, spec.handleX), -0.006, z0 + 0.25 * h], [Math.max(inner, spec.handleX), 0.006, z0 + 0.8 * h], spec.handle),
  ];
  return defineObject({
    category: spec.category,
    parts,
    mass: spec.mass,
    liberoYaw: -Math.PI / 2,
    horizontalRadius: r + Math.abs(cx),
    grasp: { pos: [cx - side * (r - t / 2), 0, z1 - 0.015], yaw: 0, width: 0.035 },
  });
}

/** porcelain_mug ("white mug"): body radius 0.048, z 0.0024…0.1085, handle to x −0.0647; 16.5 g; white. */
export const porcelainMug = (): ObjectModel =>
  mug({ category: "porcelain_mug", cx: 0.012, radius: 0.048, z0: 0.0024, z1: 0.1085, handleX: -0.0647, wall: [0.97, 0.97, 0.97, 1], handle: [0.97, 0.97, 0.97, 1], mass: 0.0165 });

/** red_coffee_mug: body radius 0.0466, z −0.0018…0.1308, handle to x 0.0622; 29.4 g; red. */
export const redCoffeeMug = (): ObjectModel =>
  mug({ category: "red_coffee_mug", cx: -0.0141, radius: 0.0466, z0: -0.0018, z1: 0.1308, handleX: 0.0622, wall: [0.78, 0.08, 0.08, 1], handle: [0.78, 0.08, 0.08, 1], mass: 0.0294 });

/** white_yellow_mug: body radius 0.053, z −0.0001…0.1031, handle to x −0.0713; 30.9 g; white and yellow stripes. */
export const whiteYellowMug = (): ObjectModel =>
  mug({
    category: "white_yellow_mug",
    cx: 0.0154,
    radius: 0.053,
    z0: -0.0001,
    z1: 0.1031,
    handleX: -0.0713,
    wall: [[0.97, 0.97, 0.95, 1], [0.98, 0.82, 0.12, 1]],
    handle: [0.98, 0.82, 0.12, 1],
    mass: 0.0309,
  });

/**
 * wine_bottle: 0.043 × 0.044 × 0.157 m standing on its bottom (origin 1.1 mm below it), 15.4 g. Body and
 * neck collide as boxes and are drawn as dark-green cylinders with a wine-red capsule top.
 */
export const wineBottle = (): ObjectModel => {
  const green: Rgba = [0.08, 0.28, 0.12, 1];
  const parts: Part[] = [
    boxSpan("body", [-0.0207, -0.022, 0.0011], [0.0219, 0.0222, 0.108], HIDDEN),
    boxSpan("neck", [-0.0095, -0.0095, 0.108], [0.0105, 0.0095, 0.158], HIDDEN),
    visualCylinder("body_vis", 0.0006, 0.0001, 0.0011, 0.1, 0.0213, green),
    visualCylinder("shoulder_vis", 0.0006, 0.0001, 0.1, 0.115, 0.015, green),
    visualCylinder("neck_vis", 0.0006, 0, 0.115, 0.14, 0.0095, green),
    visualCylinder("cap_vis", 0.0006, 0, 0.14, 0.158, 0.01, [0.5, 0.05, 0.12, 1]),
  ];
  return defineObject({ category: "wine_bottle", parts, mass: 0.0154, liberoYaw: Math.PI, grasp: { pos: [0, 0, 0.07], yaw: 0, width: 0.06 } });
};
