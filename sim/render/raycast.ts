/**
 * Segmentation by MuJoCo's own ray casting: one ray per pixel, from the camera position through the pixel centre
 * (camera.ts `pixelRay`). It sees MuJoCo's true surfaces, not our tessellation, so it is the independent reference
 * the rasterizer is checked against, and the baseline of benchmarks/render.ts.
 *
 * Two methods:
 * - "ray": `mj_ray` per pixel, a plain scan over all geoms: exact, about 0.23 M rays/s (MUJOCO_JS.md);
 * - "multiRay": `mj_multiRay`, about 2.8 M rays/s, but in MuJoCo ≤ 3.4 (the WASM build is 3.3.8) it culls geoms by
 *   angular windows computed from their bounding-box corners with no margin, so a large thin slab near the camera
 *   (a table top seen from close by) is missed by steep rays, which then report what lies below. Seen here: a side
 *   camera 0.4 m from a table edge lost ~14% of the frame; MuJoCo 3.5 added a margin (MuJoCo changelog 3.5.0).
 *
 * mujoco-js pitfalls (MUJOCO_JS.md): `geomgroup` cannot be null, the ray directions may be a Float64Array, and the
 * outputs must be `IntBuffer` / `DoubleBuffer`, read back with `.GetView()`.
 */
import type { Simulation } from "../mujoco.ts";
import { pixelRay, type CameraPose } from "./camera.ts";

/** Casts rays for whole images of a fixed size; buffers are allocated once and freed by `dispose`. */
export class RaySegmenter {
  readonly width: number;
  readonly height: number;
  private readonly sim: Simulation;
  private readonly directions: Float64Array; // [H·W, 3]
  private readonly geomid: { GetView(): Int32Array; delete(): void };
  private readonly dist: { GetView(): Float64Array; delete(): void };
  private readonly groups: Uint8Array; // [6] 1 = group visible to rays

  constructor(sim: Simulation, width: number, height: number, geomGroups: readonly number[] = [0, 1, 2]) {
    this.sim = sim;
    this.width = width;
    this.height = height;
    const n = width * height;
    this.directions = new Float64Array(3 * n);
    const mj = sim.mj as unknown as {
      IntBuffer: new (n: number) => { GetView(): Int32Array; delete(): void };
      DoubleBuffer: new (n: number) => { GetView(): Float64Array; delete(): void };
    };
    this.geomid = new mj.IntBuffer(n);
    this.dist = new mj.DoubleBuffer(n);
    this.groups = new Uint8Array(6);
    for (const g of geomGroups) this.groups[g] = 1;
  }

  /**
   * Geom id hit through each pixel centre, [H, W] with row 0 at the top, −1 for no hit. Static geoms
   * (world body) are included, as the rasterizer draws them.
   */
  segment(
    cam: CameraPose,
    method: "ray" | "multiRay" = "ray",
    out = new Int32Array(this.width * this.height),
  ): Int32Array {
    const W = this.width;
    const H = this.height;
    for (let j = 0; j < H; j++) {
      for (let i = 0; i < W; i++) {
        const d = pixelRay(cam, W, H, i, j);
        const o = 3 * (j * W + i);
        this.directions[o] = d[0];
        this.directions[o + 1] = d[1];
        this.directions[o + 2] = d[2];
      }
    }
    if (method === "multiRay") {
      this.cast(cam.pos);
      out.set(this.geomid.GetView());
      return out;
    }
    const { mj, model, data } = this.sim;
    const ray = mj.mj_ray as unknown as (...args: unknown[]) => number;
    const origin = Array.from(cam.pos);
    const groups = Array.from(this.groups);
    const one = new (mj as unknown as { IntBuffer: new (n: number) => { GetView(): Int32Array; delete(): void } }).IntBuffer(1);
    try {
      for (let p = 0; p < this.width * this.height; p++) {
        const d = [this.directions[3 * p], this.directions[3 * p + 1], this.directions[3 * p + 2]];
        // mj_ray(m, d, pnt, vec, geomgroup, flg_static, bodyexclude, geomid) → distance, −1 for no hit
        const dist = ray(model, data, origin, d, groups, 1, -1, one);
        out[p] = dist < 0 ? -1 : one.GetView()[0];
      }
    } finally {
      one.delete();
    }
    return out;
  }

  /** Casts the rays of the last `segment` call again with mj_multiRay from `origin` (timing the casting alone). */
  cast(origin: ArrayLike<number>): void {
    const { mj, model, data } = this.sim;
    const n = this.width * this.height;
    const multiRay = mj.mj_multiRay as unknown as (...args: unknown[]) => void;
    // mj_multiRay(m, d, pnt, vec, geomgroup, flg_static, bodyexclude, geomid, dist, nray, cutoff)
    multiRay(model, data, Array.from(origin), this.directions, this.groups, 1, -1, this.geomid, this.dist, n, 1e6);
  }

  dispose(): void {
    this.geomid.delete();
    this.dist.delete();
  }
}
