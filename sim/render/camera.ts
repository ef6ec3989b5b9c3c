/**
 * Pinhole cameras as MuJoCo defines them, and the pixel ↔ ray geometry the rasterizer and its tests share.
 *
 * MuJoCo's camera frame (MuJoCo docs, "camera" element): the camera looks along its local −z axis with +y up and
 * +x to the right; `cam_xmat` (row-major 3×3, world = xmat · local) holds those axes as its columns, and
 * `cam_fovy` is the vertical field of view in degrees (45 when the MJCF sets none, as LIBERO's agentview).
 *
 * Image convention: pixel (column i, row j) has its centre at (i + 0.5, j + 0.5); row 0 is the TOP of the
 * picture. With focal length f = (H/2) / tan(fovy/2) in pixels (square pixels, so the horizontal field follows
 * from the aspect ratio), a point at camera coordinates (x, y, z), depth w = −z > 0, lands at
 *   u = W/2 + f·x/w,   v = H/2 − f·y/w.
 */

/** A camera given directly, for debugging: position, and either an orientation or a point to look at. */
export interface CameraSpec {
  /** Camera position, world frame, metres. */
  pos: ArrayLike<number>;
  /** Row-major 3×3 rotation with the camera's x (right), y (up), z (backward) axes as columns, like cam_xmat. */
  mat?: ArrayLike<number>;
  /** A world point to look at (instead of `mat`); `up` (default world +z) fixes the roll. */
  lookat?: ArrayLike<number>;
  up?: ArrayLike<number>;
  /** Vertical field of view in degrees; default 45 as MuJoCo. */
  fovy?: number;
}

/** A resolved camera: position, axes (row-major, axes as columns), vertical field of view in degrees. */
export interface CameraPose {
  pos: Float64Array; // [3]
  mat: Float64Array; // [3, 3]
  fovy: number;
}

/** Focal length in pixels for an image `height` pixels tall: f = (H/2) / tan(fovy/2). */
export function focalLength(fovyDegrees: number, height: number): number {
  return height / 2 / Math.tan((fovyDegrees * Math.PI) / 360);
}

function vec3(v: ArrayLike<number> | undefined, what: string): [number, number, number] {
  if (!v || v.length !== 3 || ![0, 1, 2].every((i) => Number.isFinite(v[i]))) {
    throw new Error(`Camera ${what} must be three finite numbers (x, y, z).`);
  }
  return [v[0], v[1], v[2]];
}

/**
 * Resolves a `CameraSpec`. With `lookat`: forward = normalize(lookat − pos), right = normalize(forward × up),
 * cameraUp = right × forward, and the camera's z axis is −forward (MuJoCo cameras look along −z).
 */
export function poseFromSpec(spec: CameraSpec): CameraPose {
  const pos = vec3(spec.pos, "pos");
  const fovy = spec.fovy ?? 45;
  if (!(fovy > 0 && fovy < 180)) throw new Error(`Camera fovy must be in (0, 180) degrees, got ${fovy}.`);
  if (spec.mat) {
    if (spec.mat.length !== 9) throw new Error("Camera mat must have 9 numbers (row-major 3×3 rotation).");
    return { pos: Float64Array.from(pos), mat: Float64Array.from(spec.mat), fovy };
  }
  if (!spec.lookat) throw new Error("A camera spec needs either mat (3×3 rotation) or lookat (a point).");
  const at = vec3(spec.lookat, "lookat");
  const up = spec.up ? vec3(spec.up, "up") : [0, 0, 1];
  const f = normalize([at[0] - pos[0], at[1] - pos[1], at[2] - pos[2]], "lookat must differ from pos");
  const r = normalize(cross(f, up), "up must not be parallel to the viewing direction");
  const u = cross(r, f);
  // Columns: x = right, y = up, z = −forward.
  const mat = Float64Array.of(r[0], u[0], -f[0], r[1], u[1], -f[1], r[2], u[2], -f[2]);
  return { pos: Float64Array.from(pos), mat, fovy };
}

/**
 * World-frame unit direction of the ray from the camera through the centre of pixel (i, j) of a W×H image:
 * camera-frame d = ((i + 0.5 − W/2)/f, −(j + 0.5 − H/2)/f, −1), then world = mat · d.
 */
export function pixelRay(cam: CameraPose, width: number, height: number, i: number, j: number): [number, number, number] {
  const f = focalLength(cam.fovy, height);
  const x = (i + 0.5 - width / 2) / f;
  const y = -(j + 0.5 - height / 2) / f;
  const m = cam.mat;
  const d = [m[0] * x + m[1] * y - m[2], m[3] * x + m[4] * y - m[5], m[6] * x + m[7] * y - m[8]];
  const len = Math.hypot(d[0], d[1], d[2]);
  return [d[0] / len, d[1] / len, d[2] / len];
}

function cross(a: ArrayLike<number>, b: ArrayLike<number>): [number, number, number] {
  return [a[1] * b[2] - a[2] * b[1], a[2] * b[0] - a[0] * b[2], a[0] * b[1] - a[1] * b[0]];
}

function normalize(v: [number, number, number], why: string): [number, number, number] {
  const len = Math.hypot(v[0], v[1], v[2]);
  if (!(len > 1e-12)) throw new Error(`Camera spec: ${why}.`);
  return [v[0] / len, v[1] / len, v[2] / len];
}
