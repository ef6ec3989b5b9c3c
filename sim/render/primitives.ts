/**
 * Triangle meshes of MuJoCo's primitive geoms, in the geom's own frame (metres), sized by `geom_size`.
 *
 * Conventions shared with the rasterizer:
 * - every triangle winds counter-clockwise seen from outside (right-hand rule gives the outward normal), so
 *   back faces can be culled by the sign of their screen area;
 * - `normals` are unit per-vertex normals: smooth on curved surfaces, flat on faces and caps (a vertex on a
 *   crease is duplicated, one copy per face).
 *
 * Sizes follow MuJoCo's `geom_size` meaning (MuJoCo XML reference, `geom/size`):
 * sphere [r], capsule [r, half-length of the cylinder part], cylinder [r, half-height], ellipsoid [rx, ry, rz],
 * box [half-sizes x, y, z], plane [half-width x, half-length y, grid spacing]; a plane half-size of 0 means
 * infinite and is drawn as a square of `INFINITE_PLANE_HALF_SIZE`.
 *
 * Curved surfaces are polygons inscribed in the true surface: with 16 slices the silhouette of a cylinder lies
 * within r·(1 − cos(π/16)) ≈ 2% of its radius, a pixel or less at LIBERO's 128×128 agentview.
 */

/** An indexed triangle mesh. positions, normals: [V, 3]; indices: [T, 3], counter-clockwise from outside. */
export interface TriMesh {
  positions: Float64Array;
  normals: Float64Array;
  indices: Uint32Array;
}

/** Tessellation counts: `slices` around the axis, `stacks` per hemisphere (from pole to equator). */
export interface Tessellation {
  slices: number;
  stacks: number;
  planeDivisions: number;
}

/** 16 slices, 4 stacks per hemisphere: a sphere is 224 triangles, a capsule 256, a cylinder 64. */
export function defaultTessellation(): Tessellation {
  return { slices: 16, stacks: 4, planeDivisions: 4 };
}

/**
 * Half-size used for infinite planes (MuJoCo size 0), metres. Its edge stands in for the horizon: a camera h metres
 * up sees it atan(h/1000) below the true horizon, about 0.1 pixel for a tabletop camera at 128×128.
 */
export const INFINITE_PLANE_HALF_SIZE = 1000;

/** One point of a profile revolved around the z axis: radius and height, and the profile normal (nr, nz). */
interface ProfilePoint {
  r: number;
  z: number;
  nr: number;
  nz: number;
}

/**
 * Revolves a profile, listed from the top (+z) down, around the z axis. A point of radius 0 becomes one pole
 * vertex; a band between two points at the same place (a crease where the normal changes) makes no triangles.
 */
function lathe(profile: ProfilePoint[], slices: number): TriMesh {
  const pos: number[] = [];
  const nrm: number[] = [];
  const idx: number[] = [];
  // ringStart[k]: first vertex of ring k; a pole ring has a single vertex.
  const ringStart: number[] = [];
  for (const p of profile) {
    ringStart.push(pos.length / 3);
    const count = p.r === 0 ? 1 : slices;
    for (let s = 0; s < count; s++) {
      const theta = (2 * Math.PI * s) / slices;
      const c = Math.cos(theta);
      const sn = Math.sin(theta);
      pos.push(p.r * c, p.r * sn, p.z);
      nrm.push(p.nr * c, p.nr * sn, p.nz);
    }
  }
  for (let k = 0; k + 1 < profile.length; k++) {
    const top = profile[k];
    const bot = profile[k + 1];
    if (top.r === bot.r && top.z === bot.z) continue;
    const vTop = (s: number) => ringStart[k] + (top.r === 0 ? 0 : s % slices);
    const vBot = (s: number) => ringStart[k + 1] + (bot.r === 0 ? 0 : s % slices);
    for (let s = 0; s < slices; s++) {
      // Seen from outside, with +z up, increasing s runs to the right: top-left a, bottom-left d,
      // bottom-right c, top-right b; (a, d, c) and (a, c, b) are counter-clockwise.
      const a = vTop(s);
      const b = vTop(s + 1);
      const c = vBot(s + 1);
      const d = vBot(s);
      if (bot.r !== 0) idx.push(a, d, c);
      if (top.r !== 0) idx.push(a, c, b);
    }
  }
  return { positions: Float64Array.from(pos), normals: Float64Array.from(nrm), indices: Uint32Array.from(idx) };
}

/** A hemisphere profile of radius r from the pole down to the equator, lifted by zOffset; `sign` +1 top, −1 bottom. */
function hemisphere(r: number, zOffset: number, sign: 1 | -1, stacks: number): ProfilePoint[] {
  const out: ProfilePoint[] = [];
  for (let i = 0; i <= stacks; i++) {
    // Top: latitude from +π/2 (pole) down to 0; bottom: from 0 down to −π/2, so the profile still runs top→down.
    const phi = sign > 0 ? (Math.PI / 2) * (1 - i / stacks) : -(Math.PI / 2) * (i / stacks);
    const c = i === (sign > 0 ? 0 : stacks) ? 0 : Math.cos(phi);
    out.push({ r: r * c, z: zOffset + r * Math.sin(phi), nr: c, nz: Math.sin(phi) });
  }
  return out;
}

/** Capsule of radius r whose cylinder part spans z ∈ [−halfLength, halfLength]; halfLength 0 gives a sphere. */
export function capsuleMesh(r: number, halfLength: number, t: Tessellation): TriMesh {
  return lathe([...hemisphere(r, halfLength, 1, t.stacks), ...hemisphere(r, -halfLength, -1, t.stacks)], t.slices);
}

/** Sphere of radius r. */
export function sphereMesh(r: number, t: Tessellation): TriMesh {
  return capsuleMesh(r, 0, t);
}

/**
 * Ellipsoid with semi-axes (rx, ry, rz): a unit sphere scaled per axis. Normals of a scaled surface scale by the
 * inverse: n ∝ (nx/rx, ny/ry, nz/rz).
 */
export function ellipsoidMesh(rx: number, ry: number, rz: number, t: Tessellation): TriMesh {
  const m = sphereMesh(1, t);
  const p = m.positions;
  const n = m.normals;
  for (let v = 0; v < p.length; v += 3) {
    p[v] *= rx;
    p[v + 1] *= ry;
    p[v + 2] *= rz;
    const nx = n[v] / rx;
    const ny = n[v + 1] / ry;
    const nz = n[v + 2] / rz;
    const len = Math.hypot(nx, ny, nz);
    n[v] = nx / len;
    n[v + 1] = ny / len;
    n[v + 2] = nz / len;
  }
  return m;
}

/** Closed cylinder of radius r spanning z ∈ [−halfHeight, halfHeight], flat caps. */
export function cylinderMesh(r: number, halfHeight: number, t: Tessellation): TriMesh {
  const h = halfHeight;
  return lathe(
    [
      { r: 0, z: h, nr: 0, nz: 1 },
      { r, z: h, nr: 0, nz: 1 },
      { r, z: h, nr: 1, nz: 0 },
      { r, z: -h, nr: 1, nz: 0 },
      { r, z: -h, nr: 0, nz: -1 },
      { r: 0, z: -h, nr: 0, nz: -1 },
    ],
    t.slices,
  );
}

/** Box with half-sizes (hx, hy, hz): 6 flat faces, 24 vertices, 12 triangles. */
export function boxMesh(hx: number, hy: number, hz: number): TriMesh {
  const pos: number[] = [];
  const nrm: number[] = [];
  const idx: number[] = [];
  const h = [hx, hy, hz];
  for (let axis = 0; axis < 3; axis++) {
    for (const sign of [1, -1]) {
      // Face normal n = sign·e_axis; in-face axes u, v chosen so that u × v = n, corners counter-clockwise.
      const n = [0, 0, 0];
      n[axis] = sign;
      const u = [0, 0, 0];
      const v = [0, 0, 0];
      u[(axis + 1) % 3] = 1;
      v[(axis + 2) % 3] = sign;
      const base = pos.length / 3;
      for (const [su, sv] of [
        [-1, -1],
        [1, -1],
        [1, 1],
        [-1, 1],
      ]) {
        for (let i = 0; i < 3; i++) pos.push((n[i] + su * u[i] + sv * v[i]) * h[i]);
        nrm.push(n[0], n[1], n[2]);
      }
      idx.push(base, base + 1, base + 2, base, base + 2, base + 3);
    }
  }
  return { positions: Float64Array.from(pos), normals: Float64Array.from(nrm), indices: Uint32Array.from(idx) };
}

/**
 * Plane z = 0 facing +z, spanning [−hx, hx] × [−hy, hy], as a grid of `divisions`² quads so that a positional
 * light shaded per vertex still varies across it. Seen from below it is culled, as MuJoCo's planes are
 * one-sided for ray casting too.
 */
export function planeMesh(hx: number, hy: number, t: Tessellation): TriMesh {
  const n = t.planeDivisions;
  const sx = hx > 0 ? hx : INFINITE_PLANE_HALF_SIZE;
  const sy = hy > 0 ? hy : INFINITE_PLANE_HALF_SIZE;
  const pos: number[] = [];
  const nrm: number[] = [];
  const idx: number[] = [];
  for (let j = 0; j <= n; j++) {
    for (let i = 0; i <= n; i++) {
      pos.push(-sx + (2 * sx * i) / n, -sy + (2 * sy * j) / n, 0);
      nrm.push(0, 0, 1);
    }
  }
  for (let j = 0; j < n; j++) {
    for (let i = 0; i < n; i++) {
      const a = j * (n + 1) + i;
      const b = a + 1;
      const c = a + n + 2;
      const d = a + n + 1;
      idx.push(a, b, c, a, c, d);
    }
  }
  return { positions: Float64Array.from(pos), normals: Float64Array.from(nrm), indices: Uint32Array.from(idx) };
}

/**
 * A MuJoCo mesh given by its vertices [V, 3] and faces [F, 3] (MuJoCo stores faces counter-clockwise from
 * outside), flat-shaded: each face gets its own three vertices carrying the face normal.
 */
export function flatMesh(vertices: ArrayLike<number>, faces: ArrayLike<number>): TriMesh {
  const nf = faces.length / 3;
  const positions = new Float64Array(nf * 9);
  const normals = new Float64Array(nf * 9);
  const indices = new Uint32Array(nf * 3);
  for (let f = 0; f < nf; f++) {
    const p = [0, 1, 2].map((k) => faces[3 * f + k] * 3);
    const ax = vertices[p[1]] - vertices[p[0]];
    const ay = vertices[p[1] + 1] - vertices[p[0] + 1];
    const az = vertices[p[1] + 2] - vertices[p[0] + 2];
    const bx = vertices[p[2]] - vertices[p[0]];
    const by = vertices[p[2] + 1] - vertices[p[0] + 1];
    const bz = vertices[p[2] + 2] - vertices[p[0] + 2];
    // n = a × b, normalized (a zero-area face keeps a zero normal and is culled by the rasterizer anyway).
    let nx = ay * bz - az * by;
    let ny = az * bx - ax * bz;
    let nz = ax * by - ay * bx;
    const len = Math.hypot(nx, ny, nz) || 1;
    nx /= len;
    ny /= len;
    nz /= len;
    for (let k = 0; k < 3; k++) {
      const o = f * 9 + k * 3;
      positions[o] = vertices[p[k]];
      positions[o + 1] = vertices[p[k] + 1];
      positions[o + 2] = vertices[p[k] + 2];
      normals[o] = nx;
      normals[o + 1] = ny;
      normals[o + 2] = nz;
      indices[f * 3 + k] = f * 3 + k;
    }
  }
  return { positions, normals, indices };
}
