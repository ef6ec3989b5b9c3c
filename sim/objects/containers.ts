/**
 * The movable containers: the basket (libero_object, living room) and the wooden tray (living room). Both
 * carry a `contain_region` site for In; geometry and sites from LIBERO_ADDENDUM.md §3.7, extents from
 * `libero_object_collision_extents.json`, masses from LIBERO_ADDENDUM.md §5.
 */
import { defineObject, type ObjectModel } from "./model.ts";
import { boxSpan, visualBox, type Rgba } from "./parts.ts";

/**
 * basket: floor box (top 0.0216) and four 2 cm walls up to 0.1457; 136.1 g; wicker brown.
 * contain_region: pos (0, 0, 0.07185), quat (0, 0, 0, 1) (180° about z), size (0.06108, 0.06108, 0.06949);
 * its floor is 0.0503 below the site centre.
 */
export const basket = (): ObjectModel => {
  const wicker: Rgba = [0.62, 0.46, 0.26, 1];
  const dark: Rgba = [0.5, 0.36, 0.2, 1];
  const top = 0.1457;
  return defineObject({
    category: "basket",
    parts: [
      boxSpan("floor", [-0.0841, -0.0785, 0.0042], [0.0854, 0.0788, 0.0216], dark),
      boxSpan("wall_back", [-0.0841, -0.0785, 0.0216], [-0.0612, 0.0788, top], wicker),
      boxSpan("wall_front", [0.0657, -0.0785, 0.0216], [0.0854, 0.0788, top], wicker),
      boxSpan("wall_right", [-0.0612, -0.0785, 0.0216], [0.0657, -0.0586, top - 0.004], wicker),
      boxSpan("wall_left", [-0.0612, 0.0594, 0.0216], [0.0657, 0.0788, top - 0.004], wicker),
      visualBox("rim", [-0.0846, -0.079, top - 0.012], [0.0859, -0.0775, top], dark),
    ],
    mass: 0.1361,
    liberoYaw: Math.PI / 2,
    regions: [{ region: "contain_region", body: "", pos: [0, 0, 0.07185], quat: [0, 0, 0, 1], size: [0.06108, 0.06108, 0.06949], supportOffset: 0.0216 - 0.07185 }],
    grasp: { pos: [0.0755, 0, 0.12], yaw: 0, width: 0.045 },
  });
};

/**
 * wooden_tray: three floor slats (top 0.0072, gaps at y −0.0433…−0.0302 and 0.0191…0.0330), low side rims
 * and end boards with handles up to 0.0809; 57.2 g; light wood.
 * contain_region: pos (0.00863, −0.00471, 0.04255), quat (0.70711, 0, 0.70711, 0), size (0.04038, 0.07839,
 * 0.13549): world half-extents (0.13549, 0.07839, 0.04038); the slats' top is 0.0354 below its centre.
 */
export const woodenTray = (): ObjectModel => {
  const wood: Rgba = [0.74, 0.53, 0.3, 1];
  const rim: Rgba = [0.6, 0.4, 0.2, 1];
  const [x0, x1] = [-0.1296, 0.1436];
  return defineObject({
    category: "wooden_tray",
    parts: [
      boxSpan("slat0", [x0, -0.0756, -0.001], [x1, -0.0433, 0.0072], wood),
      boxSpan("slat1", [x0, -0.0302, -0.001], [x1, 0.0191, 0.0072], wood),
      boxSpan("slat2", [x0, 0.033, -0.001], [x1, 0.0669, 0.0072], wood),
      boxSpan("rim_right", [x0, -0.0876, -0.001], [x1, -0.0756, 0.035], rim),
      boxSpan("rim_left", [x0, 0.0669, -0.001], [x1, 0.0789, 0.035], rim),
      boxSpan("end_back", [-0.1416, -0.0876, -0.001], [x0, 0.0789, 0.0809], rim),
      boxSpan("end_front", [x1, -0.0876, -0.001], [0.1556, 0.0789, 0.0809], rim),
    ],
    mass: 0.0572,
    liberoYaw: Math.PI,
    regions: [
      { region: "contain_region", body: "", pos: [0.00863, -0.00471, 0.04255], quat: [0.70711, 0, 0.70711, 0], size: [0.04038, 0.07839, 0.13549], supportOffset: 0.0072 - 0.04255 },
    ],
    grasp: { pos: [0.1496, -0.0044, 0.06], yaw: 0, width: 0.04 },
  });
};
