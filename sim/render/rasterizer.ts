/**
 * A CPU z-buffer rasterizer of a MuJoCo scene: the camera images our environments observe (mujoco-js has no
 * OpenGL, see DESIGN.md "Rendering").
 *
 * What is drawn: the model's primitive geoms (plane, sphere, capsule, ellipsoid, cylinder, box, mesh) of
 * groups 0–2, at the poses in `sim.data` (the caller has run mj_forward or mj_step), seen from a camera of the
 * model (`cam_xpos`, `cam_xmat`, `cam_fovy`) or from an explicit `CameraSpec`. Shading: Gouraud, ambient +
 * diffuse from the model's lights and MuJoCo's headlight (see lighting.ts). Background: black, as MuJoCo's
 * clear colour without a skybox.
 *
 * Output: `Uint8Array` RGB, [H, W, 3], row 0 at the TOP: the picture upright, as a person sees it.
 * How this relates to the arrays LIBERO's models were trained on (LIBERO.md §4):
 * - robosuite renders with IMAGE_CONVENTION "opengl" and returns OpenGL's bottom-up rows, i.e. the picture
 *   flipped vertically: robosuite[j] = ours[H − 1 − j];
 * - OpenVLA / OpenVLA-OFT then apply img[::-1, ::-1] (a 180° rotation) to robosuite's array, which gives ours
 *   mirrored left–right: openvla[j][i] = ours[j][W − 1 − i];
 * - LIBERO's own lifelong-learning pipeline feeds robosuite's flipped array unchanged.
 *
 * Per frame, for each drawn geom: one 3×4 matrix P = K·[R_cam]ᵀ·[R_geom | t_geom − p_cam] maps its (fixed,
 * precomputed) mesh vertices straight to homogeneous pixel coordinates (U, V, w), w being the depth along the
 * view axis; u = U/w, v = V/w. Geoms outside the view frustum (bounding sphere) are skipped, the rest drawn
 * nearest first so that the depth test rejects hidden pixels early; planes last. Triangles crossing the near
 * plane w = znear are clipped against it (Sutherland–Hodgman), the rest filled by triangle.ts.
 */
import type { Simulation } from "../mujoco.ts";
import { focalLength, poseFromSpec, type CameraPose, type CameraSpec } from "./camera.ts";
import { buildGeomMeshes, type GeomMeshes } from "./geomMeshes.ts";
import { Lighting } from "./lighting.ts";
import { defaultTessellation, type Tessellation } from "./primitives.ts";
import { fillTriangle, type Frame, type ScreenVertices } from "./triangle.ts";

export type { CameraSpec } from "./camera.ts";

export interface RendererOptions {
  /** Default image size in pixels (128×128, LIBERO's agentview). */
  width?: number;
  height?: number;
  /** Geom groups to draw; MuJoCo's viewer default is 0, 1, 2. */
  geomGroups?: number[];
  /** Background colour, RGB in [0, 1]; default black. */
  background?: [number, number, number];
  /** Whether MuJoCo's headlight (model `visual/headlight`) lights the scene; default true, as MuJoCo. */
  headlight?: boolean;
  tessellation?: Tessellation;
}

/** Extra vertex slots after the largest mesh, for the up-to-4 vertices of a near-clipped triangle. */
const CLIP_SLOTS = 4;

export class Renderer {
  readonly width: number;
  readonly height: number;
  /** Triangles in the precomputed meshes (before culling). */
  readonly triangleCount: number;
  private readonly sim: Simulation;
  private readonly meshes: GeomMeshes;
  private readonly lighting: Lighting;
  private readonly background: [number, number, number];
  private readonly znear: number;
  private readonly cameraIds = new Map<string, number>();
  private readonly camFovy: Float64Array;
  // Per-vertex scratch: homogeneous pixel coordinates and the screen data handed to fillTriangle.
  private readonly hu: Float64Array;
  private readonly hv: Float64Array;
  private readonly hw: Float64Array;
  private readonly screen: ScreenVertices;
  private readonly clipSlot: number;
  // Per-frame geom order.
  private readonly order: Int32Array;
  private readonly keys: Float64Array;
  private frame: Frame | null = null;
  private disposed = false;

  constructor(sim: Simulation, opts: RendererOptions = {}) {
    this.sim = sim;
    this.width = checkSize(opts.width ?? 128, "width");
    this.height = checkSize(opts.height ?? 128, "height");
    this.background = opts.background ?? [0, 0, 0];
    const model = sim.model;
    this.meshes = buildGeomMeshes(model, opts.tessellation ?? defaultTessellation(), opts.geomGroups);
    this.triangleCount = this.meshes.triangles;
    this.lighting = new Lighting(model, opts.headlight ?? true);
    // MuJoCo's near clipping distance: visual/map znear × the model's extent (MuJoCo XML reference).
    this.znear = model.vis.map.znear * model.stat.extent;

    const m = model as unknown as Record<string, ArrayLike<number>> & { ncam: number };
    const names = m.names as Uint8Array;
    for (let c = 0; c < m.ncam; c++) {
      let end = m.name_camadr[c];
      while (names[end] !== 0) end++;
      const name = new TextDecoder().decode(names.subarray(m.name_camadr[c], end));
      if (name) this.cameraIds.set(name, c);
    }
    this.camFovy = Float64Array.from(m.cam_fovy);

    const slots = this.meshes.maxVerts + CLIP_SLOTS;
    this.clipSlot = this.meshes.maxVerts;
    this.hu = new Float64Array(slots);
    this.hv = new Float64Array(slots);
    this.hw = new Float64Array(slots);
    this.screen = {
      sx: new Float64Array(slots),
      sy: new Float64Array(slots),
      iz: new Float64Array(slots),
      r: new Float64Array(slots),
      g: new Float64Array(slots),
      b: new Float64Array(slots),
    };
    this.order = new Int32Array(this.meshes.count);
    this.keys = new Float64Array(this.meshes.count);
  }

  /** Names of the model's cameras, in model order. */
  get cameraNames(): string[] {
    return [...this.cameraIds.keys()];
  }

  /**
   * Renders the current state seen from `camera` into `out` (or a new array): RGB, [H, W, 3], row 0 at the
   * top. Width and height default to the renderer's.
   */
  render(camera: string | CameraSpec, out?: Uint8Array, width = this.width, height = this.height): Uint8Array {
    const rgb = out ?? new Uint8Array(width * height * 3);
    if (rgb.length !== width * height * 3) {
      throw new Error(`render: out has ${rgb.length} bytes; a ${width}×${height} RGB image needs ${width * height * 3}.`);
    }
    const frame = this.frameFor(width, height);
    frame.rgb = rgb;
    this.draw(camera, frame);
    return rgb;
  }

  /**
   * The MuJoCo geom id seen at each pixel ([H, W], row 0 at the top), −1 where only background is seen:
   * the same drawing as `render`, keeping which geom won the depth test.
   */
  segmentation(camera: string | CameraSpec, out?: Int32Array, width = this.width, height = this.height): Int32Array {
    const ids = out ?? new Int32Array(width * height);
    if (ids.length !== width * height) {
      throw new Error(`segmentation: out has ${ids.length} entries; a ${width}×${height} image needs ${width * height}.`);
    }
    const frame = this.frameFor(width, height);
    const own = frame.ids;
    frame.ids = ids;
    try {
      this.draw(camera, frame);
    } finally {
      frame.ids = own;
    }
    return ids;
  }

  /** Resolves a camera name or spec to a pose at the current state. */
  cameraPose(camera: string | CameraSpec): CameraPose {
    if (typeof camera !== "string") return poseFromSpec(camera);
    const id = this.cameraIds.get(camera);
    if (id === undefined) {
      const valid = this.cameraNames;
      const list = valid.length ? `the model's cameras are: ${valid.join(", ")}` : "the model has no named cameras";
      throw new Error(`Unknown camera '${camera}'; ${list} (or pass a CameraSpec {pos, mat | lookat, fovy}).`);
    }
    const data = this.sim.data;
    return {
      pos: (data.cam_xpos as Float64Array).slice(3 * id, 3 * id + 3),
      mat: (data.cam_xmat as Float64Array).slice(9 * id, 9 * id + 9),
      fovy: this.camFovy[id],
    };
  }

  dispose(): void {
    this.disposed = true;
    this.frame = null;
  }

  private frameFor(width: number, height: number): Frame {
    if (this.disposed) throw new Error("This Renderer was disposed; create a new one.");
    checkSize(width, "width");
    checkSize(height, "height");
    const f = this.frame;
    if (f && f.width === width && f.height === height) return f;
    const n = width * height;
    this.frame = { width, height, depth: new Float32Array(n), rgb: new Uint8Array(n * 3), ids: new Int32Array(n) };
    return this.frame;
  }

  private draw(camera: string | CameraSpec, frame: Frame): void {
    if (this.sim.isDisposed) throw new Error("The Simulation behind this Renderer was disposed.");
    const cam = this.cameraPose(camera);
    const W = frame.width;
    const H = frame.height;
    clearFrame(frame, this.background);

    const f = focalLength(cam.fovy, H);
    const cx = W / 2;
    const cy = H / 2;
    const cm = cam.mat;
    const [px, py, pz] = cam.pos;
    this.lighting.update(this.sim.data, cm);

    const data = this.sim.data;
    const xpos = data.geom_xpos as Float64Array;
    const xmat = data.geom_xmat as Float64Array;
    const me = this.meshes;
    const near = this.znear;

    // 1) Cull geoms whose bounding sphere is outside the view frustum; order the rest nearest first.
    const tanX = cx / f;
    const tanY = cy / f;
    const secX = Math.sqrt(1 + tanX * tanX);
    const secY = Math.sqrt(1 + tanY * tanY);
    let visible = 0;
    for (let k = 0; k < me.count; k++) {
      const g = me.geomId[k];
      const dx = xpos[3 * g] - px;
      const dy = xpos[3 * g + 1] - py;
      const dz = xpos[3 * g + 2] - pz;
      // Camera coordinates: x right, y up, w = depth along the view (−z).
      const xc = cm[0] * dx + cm[3] * dy + cm[6] * dz;
      const yc = cm[1] * dx + cm[4] * dy + cm[7] * dz;
      const w = -(cm[2] * dx + cm[5] * dy + cm[8] * dz);
      const r = me.radius[k];
      if (w + r < near) continue;
      if (Math.abs(xc) - tanX * w > r * secX || Math.abs(yc) - tanY * w > r * secY) continue;
      const key = me.isPlane[k] ? Infinity : w;
      let i = visible++;
      while (i > 0 && this.keys[i - 1] > key) {
        this.keys[i] = this.keys[i - 1];
        this.order[i] = this.order[i - 1];
        i--;
      }
      this.keys[i] = key;
      this.order[i] = k;
    }

    // 2) Transform, shade and fill each visible geom.
    for (let n = 0; n < visible; n++) this.drawGeom(frame, this.order[n], cam, f, xpos, xmat);
  }

  /**
   * Draws drawable geom k: its vertices go through P = [f·x + cx·w; −f·y + cy·w; w] of the camera-frame point,
   * with (x, y, −w) = R_camᵀ·(R_geom·p + t_geom − p_cam); then shading, then the triangles.
   */
  private drawGeom(frame: Frame, k: number, cam: CameraPose, f: number, xpos: Float64Array, xmat: Float64Array): void {
    const me = this.meshes;
    const near = this.znear;
    const cm = cam.mat;
    const cx = frame.width / 2;
    const cy = frame.height / 2;
    const { hu, hv, hw } = this;
    const sv = this.screen;
    const g = me.geomId[k];
    const go = 9 * g;
    const to = 3 * g;
    // Rows of [R_camᵀ · R_geom | R_camᵀ · (t_geom − p_cam)]: camera x, y and z of a geom-frame point.
    const dx = xpos[to] - cam.pos[0];
    const dy = xpos[to + 1] - cam.pos[1];
    const dz = xpos[to + 2] - cam.pos[2];
    const rx0 = cm[0] * xmat[go] + cm[3] * xmat[go + 3] + cm[6] * xmat[go + 6];
    const rx1 = cm[0] * xmat[go + 1] + cm[3] * xmat[go + 4] + cm[6] * xmat[go + 7];
    const rx2 = cm[0] * xmat[go + 2] + cm[3] * xmat[go + 5] + cm[6] * xmat[go + 8];
    const rx3 = cm[0] * dx + cm[3] * dy + cm[6] * dz;
    const ry0 = cm[1] * xmat[go] + cm[4] * xmat[go + 3] + cm[7] * xmat[go + 6];
    const ry1 = cm[1] * xmat[go + 1] + cm[4] * xmat[go + 4] + cm[7] * xmat[go + 7];
    const ry2 = cm[1] * xmat[go + 2] + cm[4] * xmat[go + 5] + cm[7] * xmat[go + 8];
    const ry3 = cm[1] * dx + cm[4] * dy + cm[7] * dz;
    const rz0 = cm[2] * xmat[go] + cm[5] * xmat[go + 3] + cm[8] * xmat[go + 6];
    const rz1 = cm[2] * xmat[go + 1] + cm[5] * xmat[go + 4] + cm[8] * xmat[go + 7];
    const rz2 = cm[2] * xmat[go + 2] + cm[5] * xmat[go + 5] + cm[8] * xmat[go + 8];
    const rz3 = cm[2] * dx + cm[5] * dy + cm[8] * dz;
    // Projection rows: w = −z, U = f·x + cx·w, V = −f·y + cy·w (v grows downward).
    const w0 = -rz0, w1 = -rz1, w2 = -rz2, w3 = -rz3;
    const u0 = f * rx0 + cx * w0, u1 = f * rx1 + cx * w1, u2 = f * rx2 + cx * w2, u3 = f * rx3 + cx * w3;
    const v0 = -f * ry0 + cy * w0, v1 = -f * ry1 + cy * w1, v2 = -f * ry2 + cy * w2, v3 = -f * ry3 + cy * w3;

    const vs = me.vertStart[k];
    const nv = me.vertCount[k];
    const pos = me.positions;
    for (let i = 0; i < nv; i++) {
      const o = 3 * (vs + i);
      const x = pos[o];
      const y = pos[o + 1];
      const z = pos[o + 2];
      const U = u0 * x + u1 * y + u2 * z + u3;
      const V = v0 * x + v1 * y + v2 * z + v3;
      const w = w0 * x + w1 * y + w2 * z + w3;
      hu[i] = U;
      hv[i] = V;
      hw[i] = w;
      const iw = 1 / w;
      sv.sx[i] = U * iw;
      sv.sy[i] = V * iw;
      sv.iz[i] = iw;
    }
    this.lighting.toGeomFrame(xmat, go, xpos, to, me.radius[k]);
    this.lighting.shade(pos, me.normals, vs, nv, me.rgb, 3 * k, me.emission[k], sv.r, sv.g, sv.b, 0);

    const ts = 3 * me.triStart[k];
    const te = ts + 3 * me.triCount[k];
    const idx = me.indices;
    const wCentre = -rz3;
    if (wCentre - me.radius[k] >= near) {
      for (let t = ts; t < te; t += 3) fillTriangle(frame, sv, idx[t], idx[t + 1], idx[t + 2], g);
    } else {
      for (let t = ts; t < te; t += 3) {
        const a = idx[t];
        const b = idx[t + 1];
        const c = idx[t + 2];
        if (hw[a] >= near && hw[b] >= near && hw[c] >= near) fillTriangle(frame, sv, a, b, c, g);
        else this.clipAndFill(frame, a, b, c, g, near);
      }
    }
  }

  /**
   * Clips triangle (a, b, c) to the half-space w ≥ near (Sutherland–Hodgman against one plane; attributes are
   * affine in homogeneous coordinates, so they interpolate linearly along the edges) and fills the result.
   */
  private clipAndFill(frame: Frame, a: number, b: number, c: number, id: number, near: number): void {
    const { hu, hv, hw } = this;
    const sv = this.screen;
    const tri = [a, b, c];
    let out = this.clipSlot;
    for (let e = 0; e < 3; e++) {
      const p = tri[e];
      const q = tri[(e + 1) % 3];
      const pIn = hw[p] >= near;
      const qIn = hw[q] >= near;
      if (pIn) this.copySlot(p, out++);
      if (pIn !== qIn) {
        const s = (near - hw[p]) / (hw[q] - hw[p]);
        hu[out] = hu[p] + s * (hu[q] - hu[p]);
        hv[out] = hv[p] + s * (hv[q] - hv[p]);
        hw[out] = near;
        sv.r[out] = sv.r[p] + s * (sv.r[q] - sv.r[p]);
        sv.g[out] = sv.g[p] + s * (sv.g[q] - sv.g[p]);
        sv.b[out] = sv.b[p] + s * (sv.b[q] - sv.b[p]);
        out++;
      }
    }
    const first = this.clipSlot;
    for (let s = first; s < out; s++) {
      const iw = 1 / hw[s];
      sv.sx[s] = hu[s] * iw;
      sv.sy[s] = hv[s] * iw;
      sv.iz[s] = iw;
    }
    for (let s = first + 1; s + 1 < out; s++) fillTriangle(frame, sv, first, s, s + 1, id);
  }

  private copySlot(from: number, to: number): void {
    const sv = this.screen;
    this.hu[to] = this.hu[from];
    this.hv[to] = this.hv[from];
    this.hw[to] = this.hw[from];
    sv.r[to] = sv.r[from];
    sv.g[to] = sv.g[from];
    sv.b[to] = sv.b[from];
  }
}

function clearFrame(frame: Frame, background: [number, number, number]): void {
  frame.depth.fill(0);
  frame.ids.fill(-1);
  const [r, g, b] = background.map((c) => Math.round(Math.min(1, Math.max(0, c)) * 255));
  if (r === g && g === b) {
    frame.rgb.fill(r);
    return;
  }
  const rgb = frame.rgb;
  for (let o = 0; o < rgb.length; o += 3) {
    rgb[o] = r;
    rgb[o + 1] = g;
    rgb[o + 2] = b;
  }
}

function checkSize(n: number, what: string): number {
  if (!Number.isInteger(n) || n <= 0 || n > 8192) {
    throw new Error(`Renderer ${what} must be a whole number of pixels between 1 and 8192, got ${n}.`);
  }
  return n;
}
