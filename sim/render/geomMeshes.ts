/**
 * The model's drawable geoms as triangle meshes in their own frames, packed into flat arrays once per model
 * (sizes, colours and meshes never change during a rollout; poses come from `MjData` per frame).
 *
 * Which geoms are drawn, as MuJoCo's viewer does by default: groups 0, 1 and 2 (`mjvOption.geomgroup`), and
 * never a geom whose alpha is 0. Partly transparent geoms are drawn opaque. Height fields and SDFs are skipped.
 *
 * Colour, as MuJoCo's renderer picks it: `geom_rgba`, unless the geom has a material and its rgba is still the
 * default (0.5, 0.5, 0.5, 1), in which case the material's `mat_rgba` (MuJoCo XML reference, `geom/rgba`).
 */
import type { MjModel } from "../mujoco.ts";
import {
  boxMesh,
  capsuleMesh,
  cylinderMesh,
  ellipsoidMesh,
  flatMesh,
  planeMesh,
  sphereMesh,
  type Tessellation,
  type TriMesh,
} from "./primitives.ts";

/** mjtGeom values (mujoco/mjmodel.h). */
export const GEOM = { plane: 0, hfield: 1, sphere: 2, capsule: 3, ellipsoid: 4, cylinder: 5, box: 6, mesh: 7 } as const;

const DEFAULT_RGBA = [0.5, 0.5, 0.5, 1];

/** Drawable geoms, k = 0 … count−1, with their meshes concatenated. */
export interface GeomMeshes {
  count: number;
  geomId: Int32Array; // [k] MuJoCo geom id
  isPlane: Uint8Array; // [k]
  vertStart: Int32Array; // [k] first vertex in positions/normals
  vertCount: Int32Array; // [k]
  triStart: Int32Array; // [k] first triangle in indices
  triCount: Int32Array; // [k]
  radius: Float64Array; // [k] bounding-sphere radius about the geom origin, metres
  rgb: Float64Array; // [k, 3] base colour in [0, 1]
  emission: Float64Array; // [k]
  positions: Float64Array; // [V, 3] geom frame
  normals: Float64Array; // [V, 3] geom frame
  indices: Uint32Array; // [T, 3] vertex numbers relative to the geom's vertStart
  maxVerts: number;
  triangles: number;
}

/** Builds the meshes of the geoms of `model` in `groups` (MuJoCo's default view: 0, 1, 2). */
export function buildGeomMeshes(model: MjModel, tess: Tessellation, groups: readonly number[] = [0, 1, 2]): GeomMeshes {
  const m = model as unknown as Record<string, ArrayLike<number>> & { ngeom: number };
  const picked: { id: number; mesh: TriMesh; rgba: number[]; emission: number }[] = [];
  for (let g = 0; g < m.ngeom; g++) {
    if (!groups.includes(m.geom_group[g])) continue;
    const matid = m.geom_matid[g];
    let rgba = [0, 1, 2, 3].map((c) => m.geom_rgba[4 * g + c]);
    if (matid >= 0 && rgba.every((x, c) => Math.abs(x - DEFAULT_RGBA[c]) < 1e-6)) {
      rgba = [0, 1, 2, 3].map((c) => m.mat_rgba[4 * matid + c]);
    }
    if (rgba[3] === 0) continue;
    const mesh = primitiveMesh(m, g, tess);
    if (!mesh) continue;
    const emission = matid >= 0 ? m.mat_emission[matid] : 0;
    picked.push({ id: g, mesh, rgba, emission });
  }

  const count = picked.length;
  const out: GeomMeshes = {
    count,
    geomId: new Int32Array(count),
    isPlane: new Uint8Array(count),
    vertStart: new Int32Array(count),
    vertCount: new Int32Array(count),
    triStart: new Int32Array(count),
    triCount: new Int32Array(count),
    radius: new Float64Array(count),
    rgb: new Float64Array(count * 3),
    emission: new Float64Array(count),
    positions: new Float64Array(picked.reduce((s, p) => s + p.mesh.positions.length, 0)),
    normals: new Float64Array(picked.reduce((s, p) => s + p.mesh.normals.length, 0)),
    indices: new Uint32Array(picked.reduce((s, p) => s + p.mesh.indices.length, 0)),
    maxVerts: 0,
    triangles: 0,
  };
  let v = 0;
  let t = 0;
  picked.forEach((p, k) => {
    const nv = p.mesh.positions.length / 3;
    const nt = p.mesh.indices.length / 3;
    out.geomId[k] = p.id;
    out.isPlane[k] = m.geom_type[p.id] === GEOM.plane ? 1 : 0;
    out.vertStart[k] = v;
    out.vertCount[k] = nv;
    out.triStart[k] = t;
    out.triCount[k] = nt;
    out.positions.set(p.mesh.positions, 3 * v);
    out.normals.set(p.mesh.normals, 3 * v);
    out.indices.set(p.mesh.indices, 3 * t);
    let r2 = 0;
    for (let i = 0; i < p.mesh.positions.length; i += 3) {
      const q = p.mesh.positions;
      r2 = Math.max(r2, q[i] * q[i] + q[i + 1] * q[i + 1] + q[i + 2] * q[i + 2]);
    }
    out.radius[k] = Math.sqrt(r2);
    for (let c = 0; c < 3; c++) out.rgb[3 * k + c] = p.rgba[c];
    out.emission[k] = p.emission;
    out.maxVerts = Math.max(out.maxVerts, nv);
    v += nv;
    t += nt;
  });
  out.triangles = t;
  return out;
}

/** The mesh of geom g in its own frame, or null for a type that is not drawn. */
function primitiveMesh(m: Record<string, ArrayLike<number>>, g: number, tess: Tessellation): TriMesh | null {
  const s0 = m.geom_size[3 * g];
  const s1 = m.geom_size[3 * g + 1];
  const s2 = m.geom_size[3 * g + 2];
  switch (m.geom_type[g]) {
    case GEOM.plane:
      return planeMesh(s0, s1, tess);
    case GEOM.sphere:
      return sphereMesh(s0, tess);
    case GEOM.capsule:
      return capsuleMesh(s0, s1, tess);
    case GEOM.ellipsoid:
      return ellipsoidMesh(s0, s1, s2, tess);
    case GEOM.cylinder:
      return cylinderMesh(s0, s1, tess);
    case GEOM.box:
      return boxMesh(s0, s1, s2);
    case GEOM.mesh: {
      const id = m.geom_dataid[g];
      const va = m.mesh_vertadr[id];
      const fa = m.mesh_faceadr[id];
      const verts = (m.mesh_vert as Float32Array).subarray(3 * va, 3 * (va + m.mesh_vertnum[id]));
      const faces = (m.mesh_face as Int32Array).subarray(3 * fa, 3 * (fa + m.mesh_facenum[id]));
      return flatMesh(verts, faces);
    }
    default:
      return null;
  }
}
