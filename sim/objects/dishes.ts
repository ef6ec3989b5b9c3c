/**
 * Bowls, the plate and the ramekin: open vessels made of a flat floor box and an octagonal ring of tilted
 * wall boxes, so that a cream-cheese box really lies inside a bowl and a bowl really stands on a plate.
 *
 * Sizes from LIBERO's collision boxes (`libero_object_collision_extents.json`, object frame; these dishes
 * are upright in LIBERO's frame, LIBERO_ADDENDUM.md §2): bowl origins sit 0.6–1.6 mm below the bowl's
 * bottom, the plate's 2.5 mm above its bottom. Masses from LIBERO_ADDENDUM.md §5.
 */
import { defineObject, type ObjectModel } from "./model.ts";
import { box, ring, type Part, type Rgba } from "./parts.ts";

interface VesselSpec {
  category: string;
  /** floor box: half-width (square) and z span */
  floorHalf: number;
  floorZ: [number, number];
  /** wall mid-line from (r0, z0) to (r1, z1) and thickness */
  wall: { r0: number; z0: number; r1: number; z1: number; thickness: number };
  rgba: Rgba;
  floorRgba?: Rgba;
  mass: number;
}

function vessel(spec: VesselSpec): Part[] {
  const [z0, z1] = spec.floorZ;
  return [
    box("floor", [0, 0, (z0 + z1) / 2], [spec.floorHalf, spec.floorHalf, (z1 - z0) / 2], spec.floorRgba ?? spec.rgba),
    ...ring({ name: "wall", segments: 8, centre: [0, 0], ...spec.wall, rgba: spec.rgba }),
  ];
}

function vesselModel(spec: VesselSpec): ObjectModel {
  const top = spec.wall.z1;
  return defineObject({
    category: spec.category,
    parts: vessel(spec),
    mass: spec.mass,
    liberoYaw: Math.PI / 2,
    // Pinch the wall at +x just below the rim, fingers closing along x across the wall.
    grasp: { pos: [spec.wall.r1 - 0.002, 0, top - 0.012], yaw: 0, width: 0.035 },
  });
}

/** akita_black_bowl: 0.107 × 0.107 × 0.0505 m, bottom 1.6 mm above the origin, 5.6 g; very dark. */
export const akitaBlackBowl = (): ObjectModel =>
  vesselModel({
    category: "akita_black_bowl",
    floorHalf: 0.027,
    floorZ: [0.0016, 0.0056],
    wall: { r0: 0.029, z0: 0.004, r1: 0.0509, z1: 0.0512, thickness: 0.004 },
    rgba: [0.07, 0.07, 0.08, 1],
    mass: 0.0056,
  });

/** white_bowl: 0.081 × 0.081 × 0.0345 m, 2.1 g. */
export const whiteBowl = (): ObjectModel =>
  vesselModel({
    category: "white_bowl",
    floorHalf: 0.02,
    floorZ: [0.0006, 0.0036],
    wall: { r0: 0.022, z0: 0.003, r1: 0.0389, z1: 0.0344, thickness: 0.003 },
    rgba: [0.95, 0.95, 0.93, 1],
    mass: 0.0021,
  });

/** glazed_rim_porcelain_ramekin: 0.089 × 0.089 × 0.042 m, almost straight walls, 9.7 g; beige with a brown rim. */
export const glazedRimPorcelainRamekin = (): ObjectModel =>
  vesselModel({
    category: "glazed_rim_porcelain_ramekin",
    floorHalf: 0.034,
    floorZ: [0.0007, 0.0047],
    wall: { r0: 0.0395, z0: 0.003, r1: 0.0425, z1: 0.0425, thickness: 0.004 },
    rgba: [0.87, 0.78, 0.6, 1],
    floorRgba: [0.55, 0.33, 0.18, 1],
    mass: 0.0097,
  });

/** plate: 0.1375 × 0.1376 × 0.0189 m, a flat floor and a low flared rim, origin 2.5 mm above the bottom, 11.5 g. */
export const plate = (): ObjectModel =>
  vesselModel({
    category: "plate",
    floorHalf: 0.045,
    floorZ: [-0.0025, 0.0015],
    wall: { r0: 0.05, z0: 0.0, r1: 0.0669, z1: 0.0153, thickness: 0.003 },
    rgba: [0.97, 0.97, 0.96, 1],
    mass: 0.0115,
  });
