/**
 * The two books of the study scenes. LIBERO collides each as a single box and stands it upright in its own
 * frame: covers facing ±x, spine and page edges along y, 0.134 m (black) and 0.122 m (yellow) tall, the
 * origin 2.2 / 2.0 mm below the bottom face (`libero_object_collision_extents.json`; LIBERO_ADDENDUM.md §2).
 * That 2.2 mm is why an upright black book standing on the caddy's back floor is not In the back compartment
 * (LIBERO_ADDENDUM.md §3.4); we keep it. Masses from LIBERO_ADDENDUM.md §5.
 */
import { defineObject, type ObjectModel } from "./model.ts";
import { boxSpan, visualBox, type Rgba, type Vec3 } from "./parts.ts";

const PAGES: Rgba = [0.93, 0.9, 0.8, 1];

function book(category: string, min: Vec3, max: Vec3, cover: Rgba, mass: number): ObjectModel {
  const cx = (min[0] + max[0]) / 2;
  const cy = (min[1] + max[1]) / 2;
  return defineObject({
    category,
    parts: [
      boxSpan("cover", min, max, cover),
      // the page block shows on the top edge and the +y edge (the spine is at −y)
      visualBox("pages", [min[0] + 0.002, cy - 0.002, min[2] + 0.002], [max[0] - 0.002, max[1] + 0.0005, max[2] + 0.0005], PAGES),
    ],
    mass,
    liberoYaw: -Math.PI / 4,
    // Take it by the top edge, fingers closing across the covers.
    grasp: { pos: [cx, cy, max[2] - 0.025], yaw: 0, width: Math.min(0.08, max[0] - min[0] + 0.02) },
  });
}

/** black_book: 0.029 × 0.110 × 0.134 m, 42.5 g. */
export const blackBook = (): ObjectModel => book("black_book", [-0.0148, -0.0673, 0.0022], [0.0139, 0.043, 0.1366], [0.07, 0.07, 0.09, 1], 0.0425);

/** yellow_book: 0.024 × 0.098 × 0.122 m, 28.1 g. */
export const yellowBook = (): ObjectModel => book("yellow_book", [-0.0101, -0.0488, 0.002], [0.0134, 0.0489, 0.1242], [0.95, 0.78, 0.12, 1], 0.0281);
