/**
 * Small rigid-body math on plain arrays, float64 throughout. Conventions as MuJoCo: quaternions are
 * (w, x, y, z); 3×3 matrices are row-major, and a body's `xmat` maps body-frame vectors to world frame.
 */
export type Vec3 = [number, number, number];
export type Quat = [number, number, number, number];

/** Row-major 3×3 rotation matrix of a unit quaternion (w, x, y, z). */
export function quatToMat(q: ArrayLike<number>, out: Float64Array | number[] = new Array(9)): number[] {
  const [w, x, y, z] = [q[0], q[1], q[2], q[3]];
  out[0] = 1 - 2 * (y * y + z * z);
  out[1] = 2 * (x * y - w * z);
  out[2] = 2 * (x * z + w * y);
  out[3] = 2 * (x * y + w * z);
  out[4] = 1 - 2 * (x * x + z * z);
  out[5] = 2 * (y * z - w * x);
  out[6] = 2 * (x * z - w * y);
  out[7] = 2 * (y * z + w * x);
  out[8] = 1 - 2 * (x * x + y * y);
  return out as number[];
}

/** Unit quaternion (w, x, y, z, with w ≥ 0) of a row-major rotation matrix (Shepperd's method). */
export function matToQuat(m: ArrayLike<number>): Quat {
  const tr = m[0] + m[4] + m[8];
  let w: number, x: number, y: number, z: number;
  if (tr > 0) {
    const s = Math.sqrt(tr + 1) * 2;
    w = 0.25 * s;
    x = (m[7] - m[5]) / s;
    y = (m[2] - m[6]) / s;
    z = (m[3] - m[1]) / s;
  } else if (m[0] > m[4] && m[0] > m[8]) {
    const s = Math.sqrt(1 + m[0] - m[4] - m[8]) * 2;
    w = (m[7] - m[5]) / s;
    x = 0.25 * s;
    y = (m[1] + m[3]) / s;
    z = (m[2] + m[6]) / s;
  } else if (m[4] > m[8]) {
    const s = Math.sqrt(1 + m[4] - m[0] - m[8]) * 2;
    w = (m[2] - m[6]) / s;
    x = (m[1] + m[3]) / s;
    y = 0.25 * s;
    z = (m[5] + m[7]) / s;
  } else {
    const s = Math.sqrt(1 + m[8] - m[0] - m[4]) * 2;
    w = (m[3] - m[1]) / s;
    x = (m[2] + m[6]) / s;
    y = (m[5] + m[7]) / s;
    z = 0.25 * s;
  }
  const n = Math.hypot(w, x, y, z) * (w < 0 ? -1 : 1);
  return [w / n, x / n, y / n, z / n];
}

/**
 * Row-major rotation matrix of an axis-angle vector r (direction = axis, norm = angle in radians),
 * by Rodrigues' formula R = I + sinθ·K + (1 − cosθ)·K², K the cross-product matrix of the unit axis.
 */
export function axisAngleToMat(r: ArrayLike<number>, out: number[] = new Array(9)): number[] {
  const theta = Math.hypot(r[0], r[1], r[2]);
  if (theta < 1e-12) {
    out.splice(0, 9, 1, 0, 0, 0, 1, 0, 0, 0, 1);
    return out;
  }
  const [x, y, z] = [r[0] / theta, r[1] / theta, r[2] / theta];
  const s = Math.sin(theta);
  const c = 1 - Math.cos(theta);
  out[0] = 1 - c * (y * y + z * z);
  out[1] = -s * z + c * x * y;
  out[2] = s * y + c * x * z;
  out[3] = s * z + c * x * y;
  out[4] = 1 - c * (x * x + z * z);
  out[5] = -s * x + c * y * z;
  out[6] = -s * y + c * x * z;
  out[7] = s * x + c * y * z;
  out[8] = 1 - c * (x * x + y * y);
  return out;
}

/** Row-major product C = A·B of 3×3 matrices. */
export function matMul3(a: ArrayLike<number>, b: ArrayLike<number>, out: number[] = new Array(9)): number[] {
  for (let i = 0; i < 3; i++) {
    for (let j = 0; j < 3; j++) {
      out[3 * i + j] = a[3 * i] * b[j] + a[3 * i + 1] * b[3 + j] + a[3 * i + 2] * b[6 + j];
    }
  }
  return out;
}

/** Axis-angle vector (axis·angle, angle in [0, π]) of a row-major rotation matrix. */
export function matToAxisAngle(m: ArrayLike<number>): Vec3 {
  const q = matToQuat(m);
  const sinHalf = Math.hypot(q[1], q[2], q[3]);
  if (sinHalf < 1e-12) return [0, 0, 0];
  const angle = 2 * Math.atan2(sinHalf, q[0]);
  return [(q[1] / sinHalf) * angle, (q[2] / sinHalf) * angle, (q[3] / sinHalf) * angle];
}

/** Quaternion (w, x, y, z) of a rotation by `angle` radians about the z axis. */
export function yawQuat(angle: number): Quat {
  return [Math.cos(angle / 2), 0, 0, Math.sin(angle / 2)];
}
