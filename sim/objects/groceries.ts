/**
 * The grocery items of libero_object and the living-room scenes: cans, bottles, cartons and small boxes.
 * Each collides as one or two boxes spanning LIBERO's collision extents (`libero_object_collision_extents.json`)
 * and is coloured after the real product, because the policy sees only the image.
 *
 * Frames (LIBERO_ADDENDUM.md §2, the JSON's init quaternions): LIBERO models cans, cartons and squeeze
 * bottles lying along their local y axis and stands them up by a 90° turn about x. We build them upright:
 * LIBERO's (x, y, z) is our (x, −z, y), i.e. uprightQuat = +90° about x. Origins are LIBERO's: at the middle
 * of cans, cartons and bottles, 2.3 cm above the bottom for new_salad_dressing (its boxes sit in a child
 * body 5 cm along the axis). Masses from LIBERO_ADDENDUM.md §5.
 */
import { defineObject, type ObjectModel } from "./model.ts";
import { axisQuat, boxSpan, HIDDEN, visualBox, visualCylinder, type Part, type Quat4, type Rgba, type Vec3 } from "./parts.ts";

/** +90° about x: LIBERO's lying frame → our upright frame. */
const STAND_UP: Quat4 = axisQuat([1, 0, 0], Math.PI / 2);

const SILVER: Rgba = [0.75, 0.75, 0.78, 1];
const WHITE: Rgba = [0.95, 0.95, 0.93, 1];

/** A can: an invisible collision box over the AABB, drawn as two stacked cylinders (lower, upper colour). */
function can(min: Vec3, max: Vec3, lower: Rgba, upper: Rgba, band?: Rgba): Part[] {
  const cx = (min[0] + max[0]) / 2;
  const cy = (min[1] + max[1]) / 2;
  const r = Math.min(max[0] - min[0], max[1] - min[1]) / 2;
  const zm = (min[2] + max[2]) / 2;
  const parts: Part[] = [
    boxSpan("body", min, max, HIDDEN),
    visualCylinder("lower", cx, cy, min[2], zm, r, lower),
    visualCylinder("upper", cx, cy, zm, max[2] - 0.003, r, upper),
    visualCylinder("lid", cx, cy, max[2] - 0.003, max[2], r * 0.95, SILVER),
  ];
  if (band) parts.push(visualCylinder("band", cx, cy, zm - 0.008, zm + 0.008, r * 1.02, band));
  return parts;
}

/** alphabet_soup: can 0.062 × 0.062 × 0.076 m, 25.9 g; red top half, white bottom half (the classic soup can). */
export const alphabetSoup = (): ObjectModel =>
  defineObject({
    category: "alphabet_soup",
    parts: can([-0.0313, -0.0275, -0.0386], [0.0311, 0.0349, 0.0376], WHITE, [0.8, 0.08, 0.08, 1]),
    mass: 0.0259,
    uprightQuat: STAND_UP,
    liberoYaw: Math.PI,
    grasp: { pos: [0, 0.0037, 0], yaw: 0, width: 0.075 },
  });

/** tomato_sauce: can 0.062 × 0.062 × 0.076 m, 26.6 g; orange-red with a green band. */
export const tomatoSauce = (): ObjectModel =>
  defineObject({
    category: "tomato_sauce",
    parts: can([-0.0312, -0.0275, -0.0386], [0.031, 0.0341, 0.0376], [0.92, 0.33, 0.08, 1], [0.92, 0.33, 0.08, 1], [0.15, 0.55, 0.2, 1]),
    mass: 0.0266,
    uprightQuat: STAND_UP,
    liberoYaw: Math.PI,
    grasp: { pos: [0, 0.0033, 0], yaw: 0, width: 0.075 },
  });

/**
 * A bottle: a body box up to `shoulder` and a narrower neck box to the top, both visible, plus a cap.
 * `neckHalf` is the neck's half-width (m).
 */
function bottle(min: Vec3, max: Vec3, shoulder: number, neckHalf: number, body: Rgba, cap: Rgba): Part[] {
  const cx = (min[0] + max[0]) / 2;
  const cy = (min[1] + max[1]) / 2;
  return [
    boxSpan("body", min, [max[0], max[1], shoulder], body),
    boxSpan("neck", [cx - neckHalf, cy - neckHalf, shoulder], [cx + neckHalf, cy + neckHalf, max[2]], cap),
  ];
}

/** ketchup: squeeze bottle 0.056 × 0.037 × 0.146 m, 23.2 g; red with a white cap. */
export const ketchup = (): ObjectModel =>
  defineObject({
    category: "ketchup",
    parts: bottle([-0.0277, -0.0191, -0.0724], [0.0286, 0.0176, 0.0732], 0.045, 0.012, [0.8, 0.06, 0.05, 1], WHITE),
    mass: 0.0232,
    uprightQuat: STAND_UP,
    liberoYaw: Math.PI / 2,
    grasp: { pos: [0, 0, 0], yaw: Math.PI / 2, width: 0.055 },
  });

/** bbq_sauce: bottle 0.047 × 0.029 × 0.107 m (upright in LIBERO's own frame), 12.2 g; dark brown, black cap. */
export const bbqSauce = (): ObjectModel =>
  defineObject({
    category: "bbq_sauce",
    parts: bottle([-0.0235, -0.0146, -0.0546], [0.0235, 0.0146, 0.0525], 0.03, 0.01, [0.36, 0.14, 0.06, 1], [0.05, 0.05, 0.05, 1]),
    mass: 0.0122,
    liberoYaw: Math.PI / 2,
    grasp: { pos: [0, 0, -0.01], yaw: Math.PI / 2, width: 0.05 },
  });

function saladDressing(category: string, dz: number): ObjectModel {
  const parts = bottle([-0.0273, -0.0176, -0.0727 + dz], [0.0254, 0.018, 0.0728 + dz], 0.035 + dz, 0.01, [0.92, 0.86, 0.55, 1], [0.15, 0.5, 0.2, 1]);
  parts.push(visualBox("label", [-0.0276, -0.0179, -0.03 + dz], [0.0257, 0.0183, 0.015 + dz], [0.2, 0.45, 0.25, 1]));
  return defineObject({
    category,
    parts,
    mass: 0.0218,
    uprightQuat: STAND_UP,
    liberoYaw: Math.PI / 2,
    grasp: { pos: [0, 0, dz], yaw: Math.PI / 2, width: 0.055 },
  });
}

/** salad_dressing: bottle 0.053 × 0.036 × 0.146 m, 21.8 g; cream with a green label and cap. */
export const saladDressingModel = (): ObjectModel => saladDressing("salad_dressing", 0);

/**
 * new_salad_dressing: the same bottle with its origin 5 cm down the axis (LIBERO nests the boxes in a child
 * body at (0, 0.05, 0) of the lying frame, LIBERO_ADDENDUM.md §2), i.e. 2.3 cm above the bottom.
 */
export const newSaladDressing = (): ObjectModel => saladDressing("new_salad_dressing", 0.0501);

/** A gable-topped carton: body box, a thin gable ridge, a coloured label band. */
function carton(min: Vec3, max: Vec3, body: Rgba, label: Rgba, ridge: Rgba): Part[] {
  const shoulder = max[2] - 0.022;
  const cy = (min[1] + max[1]) / 2;
  return [
    boxSpan("body", min, [max[0], max[1], shoulder], body),
    boxSpan("gable", [min[0], cy - 0.009, shoulder], [max[0], cy + 0.009, max[2]], ridge),
    visualBox("label", [min[0] - 0.0005, min[1] - 0.0005, min[2] + 0.025], [max[0] + 0.0005, max[1] + 0.0005, shoulder - 0.015], label),
  ];
}

/** milk: carton 0.053 × 0.053 × 0.131 m, 31.7 g; white with a blue band. */
export const milk = (): ObjectModel =>
  defineObject({
    category: "milk",
    parts: carton([-0.0264, -0.0263, -0.0698], [0.0266, 0.0263, 0.0614], WHITE, [0.15, 0.35, 0.8, 1], [0.15, 0.35, 0.8, 1]),
    mass: 0.0317,
    uprightQuat: STAND_UP,
    liberoYaw: Math.PI / 2,
    grasp: { pos: [0, 0, -0.01], yaw: 0, width: 0.07 },
  });

/** orange_juice: carton 0.053 × 0.053 × 0.131 m, 31.7 g; orange with a green band. */
export const orangeJuice = (): ObjectModel =>
  defineObject({
    category: "orange_juice",
    parts: carton([-0.0266, -0.0263, -0.0698], [0.0264, 0.0263, 0.0614], [0.98, 0.58, 0.1, 1], [0.2, 0.6, 0.2, 1], WHITE),
    mass: 0.0317,
    uprightQuat: STAND_UP,
    liberoYaw: Math.PI / 2,
    grasp: { pos: [0, 0, -0.01], yaw: 0, width: 0.07 },
  });

/** A small flat box lying on its largest face, with a stripe across its top so it reads in a 128-pixel image. */
function flatBox(min: Vec3, max: Vec3, body: Rgba, stripe: Rgba): Part[] {
  const cx = (min[0] + max[0]) / 2;
  return [
    boxSpan("body", min, max, body),
    visualBox("stripe", [cx - 0.008, min[1] - 0.0005, min[2] - 0.0005], [cx + 0.008, max[1] + 0.0005, max[2] + 0.0005], stripe),
  ];
}

/** Closing the fingers across the narrower horizontal side of a flat box. */
function flatGrasp(min: Vec3, max: Vec3): { pos: Vec3; yaw: number; width: number } {
  const wx = max[0] - min[0];
  const wy = max[1] - min[1];
  return { pos: [0, 0, 0], yaw: wx <= wy ? 0 : Math.PI / 2, width: Math.min(0.08, Math.min(wx, wy) + 0.015) };
}

function flatBoxModel(category: string, min: Vec3, max: Vec3, mass: number, liberoYaw: number, body: Rgba, stripe: Rgba): ObjectModel {
  return defineObject({ category, parts: flatBox(min, max, body, stripe), mass, liberoYaw, grasp: flatGrasp(min, max) });
}

/** butter: 0.076 × 0.040 × 0.017 m, 5.2 g; butter yellow with a red stripe. */
export const butter = (): ObjectModel =>
  flatBoxModel("butter", [-0.0381, -0.0198, -0.0087], [0.0381, 0.0198, 0.0087], 0.0052, Math.PI, [0.98, 0.86, 0.35, 1], [0.8, 0.15, 0.1, 1]);

/** cream_cheese: 0.081 × 0.043 × 0.018 m, 6.2 g; silver-blue foil with a white stripe. */
export const creamCheese = (): ObjectModel =>
  flatBoxModel("cream_cheese", [-0.0406, -0.0213, -0.0089], [0.0406, 0.0213, 0.0089], 0.0062, Math.PI, [0.62, 0.72, 0.88, 1], WHITE);

/** chocolate_pudding: 0.080 × 0.046 × 0.027 m, 10.2 g; chocolate brown with a cream stripe. */
export const chocolatePudding = (): ObjectModel =>
  flatBoxModel("chocolate_pudding", [-0.0406, -0.0232, -0.0131], [0.0396, 0.0232, 0.0143], 0.0102, Math.PI, [0.4, 0.2, 0.08, 1], [0.95, 0.85, 0.6, 1]);

/** cookies: 0.062 × 0.083 × 0.019 m, 9.6 g; dark blue with a yellow stripe. */
export const cookies = (): ObjectModel =>
  flatBoxModel("cookies", [-0.031, -0.0413, -0.0094], [0.031, 0.0413, 0.0094], 0.0096, Math.PI / 2, [0.12, 0.22, 0.62, 1], [0.98, 0.8, 0.15, 1]);
