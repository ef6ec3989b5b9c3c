/**
 * Per-vertex (Gouraud) lighting with the model's lights, following MuJoCo's fixed-function OpenGL renderer:
 *
 *   colour = rgb · ( emission + Σ_lights att_l · spot_l · (ambient_l + diffuse_l · max(0, n·L_l)) )
 *
 * per channel, clamped to [0, 1] (OpenGL lighting equation, OpenGL 2.1 spec §2.14.1, with MuJoCo's material
 * ambient = diffuse = rgba and no global ambient; att = spot = 1 for directional lights). L is the unit vector from the surface to the light: −dir for
 * directional lights, toward the light's position otherwise. Spot lights (MuJoCo's default light type) are
 * cut off outside `cutoff` degrees and fall off as (−L·dir)^exponent; att = 1 / (a0 + a1·d + a2·d²).
 * MuJoCo's headlight (`visual/headlight`) is a directional light shining along the camera's view.
 * Not modelled: specular highlights, shadows, reflections, fog, textures.
 *
 * Everything is evaluated in the geom's own frame: the lights are rotated into it once per geom, so vertex
 * normals and positions are used untransformed. A positional light far from a geom compared with the geom's
 * size (radius ≤ NEAR_FIELD_RATIO · distance) is evaluated once, at the geom's centre, and then treated as
 * directional over the geom: its direction varies across the geom by at most atan(0.1) ≈ 6°, and this saves a
 * square root, a division and a power per vertex.
 */
import type { MjData, MjModel } from "../mujoco.ts";

const LIGHT_SPOT = 0;
const LIGHT_DIRECTIONAL = 1;
/** Geom radius / light distance below which a positional light is evaluated once per geom. */
const NEAR_FIELD_RATIO = 0.1;

export class Lighting {
  /** Lights in use: the model's active lights, then the headlight if active. */
  readonly count: number;
  /** Σ ambient of the directional lights (never attenuated), [3]. */
  private readonly ambientDirectional = new Float64Array(3);
  private readonly ambient: Float64Array; // [L, 3]
  private readonly modelIds: number[]; // model light id per slot, −1 for the headlight
  private readonly directional: Uint8Array; // [L]
  private readonly spot: Uint8Array; // [L]
  private readonly diffuse: Float64Array; // [L, 3]
  private readonly attenuation: Float64Array; // [L, 3]
  private readonly cosCutoff: Float64Array; // [L]
  private readonly exponent: Float64Array; // [L]
  // World frame, refreshed per frame by `update`: unit vector toward a directional light, or light position.
  private readonly worldVec: Float64Array; // [L, 3]
  private readonly worldSpotDir: Float64Array; // [L, 3]
  // Geom frame, refreshed per geom by `toGeomFrame`.
  // Unit vector toward the light, or (perVertex) the light position; spot axis; factor spot·att at the centre.
  private readonly localVec: Float64Array; // [L, 3]
  private readonly localSpotDir: Float64Array; // [L, 3]
  private readonly perVertex: Uint8Array; // [L]
  private readonly localScale: Float64Array; // [L]

  constructor(model: MjModel, useHeadlight = true) {
    const m = model as unknown as Record<string, ArrayLike<number>> & { nlight: number };
    const ids: number[] = [];
    for (let l = 0; l < m.nlight; l++) if (m.light_active[l]) ids.push(l);
    const hl = model.vis.headlight;
    const withHead = useHeadlight && hl.active !== 0;
    if (withHead) ids.push(-1);
    this.modelIds = ids;
    const L = ids.length;
    this.count = L;
    this.directional = new Uint8Array(L);
    this.spot = new Uint8Array(L);
    this.diffuse = new Float64Array(L * 3);
    this.ambient = new Float64Array(L * 3);
    this.attenuation = new Float64Array(L * 3);
    this.cosCutoff = new Float64Array(L);
    this.exponent = new Float64Array(L);
    this.worldVec = new Float64Array(L * 3);
    this.worldSpotDir = new Float64Array(L * 3);
    this.localVec = new Float64Array(L * 3);
    this.localSpotDir = new Float64Array(L * 3);
    this.perVertex = new Uint8Array(L);
    this.localScale = new Float64Array(L);
    ids.forEach((id, k) => {
      const amb = id < 0 ? (hl.ambient as ArrayLike<number>) : sub3(m.light_ambient, id);
      const dif = id < 0 ? (hl.diffuse as ArrayLike<number>) : sub3(m.light_diffuse, id);
      const type = id < 0 ? LIGHT_DIRECTIONAL : m.light_type[id];
      this.directional[k] = type === LIGHT_DIRECTIONAL ? 1 : 0;
      for (let c = 0; c < 3; c++) {
        this.ambient[3 * k + c] = amb[c];
        this.diffuse[3 * k + c] = dif[c];
        if (this.directional[k]) this.ambientDirectional[c] += amb[c];
      }
      if (id < 0) return;
      this.spot[k] = type === LIGHT_SPOT ? 1 : 0;
      for (let c = 0; c < 3; c++) this.attenuation[3 * k + c] = m.light_attenuation[3 * id + c];
      this.cosCutoff[k] = Math.cos((m.light_cutoff[id] * Math.PI) / 180);
      this.exponent[k] = m.light_exponent[id];
    });
  }

  /** Reads light poses from `data` (after mj_forward) and aims the headlight along the camera's −z axis. */
  update(data: MjData, camMat: ArrayLike<number>): void {
    const xpos = data.light_xpos as Float64Array;
    const xdir = data.light_xdir as Float64Array;
    this.modelIds.forEach((id, k) => {
      const o = 3 * k;
      if (id < 0) {
        // Toward the headlight = the camera's +z axis (third column of its rotation).
        this.worldVec[o] = camMat[2];
        this.worldVec[o + 1] = camMat[5];
        this.worldVec[o + 2] = camMat[8];
        return;
      }
      for (let c = 0; c < 3; c++) {
        const dir = xdir[3 * id + c];
        this.worldSpotDir[o + c] = dir;
        this.worldVec[o + c] = this.directional[k] ? -dir : xpos[3 * id + c];
      }
      if (this.directional[k]) normalizeAt(this.worldVec, o);
      normalizeAt(this.worldSpotDir, o);
    });
  }

  /**
   * Expresses the lights in the frame of a geom (position t, row-major rotation R: world = R·local + t, bounding
   * radius `radius`): directions d ↦ Rᵀd, positions p ↦ Rᵀ(p − t).
   */
  toGeomFrame(R: Float64Array, ro: number, t: Float64Array, to: number, radius: number): void {
    for (let k = 0; k < this.count; k++) {
      const o = 3 * k;
      let x = this.worldVec[o];
      let y = this.worldVec[o + 1];
      let z = this.worldVec[o + 2];
      const lv = this.localVec;
      if (!this.directional[k]) {
        x -= t[to];
        y -= t[to + 1];
        z -= t[to + 2];
      }
      lv[o] = R[ro] * x + R[ro + 3] * y + R[ro + 6] * z;
      lv[o + 1] = R[ro + 1] * x + R[ro + 4] * y + R[ro + 7] * z;
      lv[o + 2] = R[ro + 2] * x + R[ro + 5] * y + R[ro + 8] * z;
      this.perVertex[k] = 0;
      this.localScale[k] = 1;
      if (this.directional[k]) continue;
      const sx = this.worldSpotDir[o];
      const sy = this.worldSpotDir[o + 1];
      const sz = this.worldSpotDir[o + 2];
      const sd = this.localSpotDir;
      sd[o] = R[ro] * sx + R[ro + 3] * sy + R[ro + 6] * sz;
      sd[o + 1] = R[ro + 1] * sx + R[ro + 4] * sy + R[ro + 7] * sz;
      sd[o + 2] = R[ro + 2] * sx + R[ro + 5] * sy + R[ro + 8] * sz;
      const d = Math.hypot(lv[o], lv[o + 1], lv[o + 2]);
      if (radius > NEAR_FIELD_RATIO * d) {
        this.perVertex[k] = 1;
        continue;
      }
      lv[o] /= d;
      lv[o + 1] /= d;
      lv[o + 2] /= d;
      this.localScale[k] = this.falloff(k, lv[o], lv[o + 1], lv[o + 2], d);
    }
  }

  /** spot · attenuation for light k seen along unit vector L (surface → light) at distance d. */
  private falloff(k: number, lx: number, ly: number, lz: number, d: number): number {
    const q = 3 * k;
    const at = this.attenuation;
    const att = 1 / (at[q] + at[q + 1] * d + at[q + 2] * d * d);
    if (!this.spot[k]) return att;
    const sd = this.localSpotDir;
    const cosAngle = -(lx * sd[q] + ly * sd[q + 1] + lz * sd[q + 2]);
    return cosAngle < this.cosCutoff[k] ? 0 : att * Math.pow(cosAngle, this.exponent[k]);
  }

  /**
   * Shades vertices [first, first + n) of a mesh (positions, normals: [V, 3], geom frame) with base colour
   * `rgb` (0..1) and `emission`, writing 255·colour + 0.5 (ready for truncating stores) to out{R,G,B}[outFirst…].
   */
  shade(
    positions: Float64Array,
    normals: Float64Array,
    first: number,
    n: number,
    rgb: Float64Array,
    ro: number,
    emission: number,
    outR: Float64Array,
    outG: Float64Array,
    outB: Float64Array,
    outFirst: number,
  ): void {
    const L = this.count;
    const lv = this.localVec;
    const dif = this.diffuse;
    const amb = this.ambient;
    const perVertex = this.perVertex;
    const localScale = this.localScale;
    // Terms that are the same at every vertex: emission, ambient of directional lights, and the attenuated
    // ambient of positional lights evaluated at the geom's centre.
    let baseR = emission + this.ambientDirectional[0];
    let baseG = emission + this.ambientDirectional[1];
    let baseB = emission + this.ambientDirectional[2];
    for (let k = 0; k < L; k++) {
      if (this.directional[k] || perVertex[k]) continue;
      baseR += amb[3 * k] * localScale[k];
      baseG += amb[3 * k + 1] * localScale[k];
      baseB += amb[3 * k + 2] * localScale[k];
    }
    const cr = rgb[ro] * 255;
    const cg = rgb[ro + 1] * 255;
    const cb = rgb[ro + 2] * 255;
    for (let v = 0; v < n; v++) {
      const o = 3 * (first + v);
      const nx = normals[o];
      const ny = normals[o + 1];
      const nz = normals[o + 2];
      let ir = baseR;
      let ig = baseG;
      let ib = baseB;
      for (let k = 0; k < L; k++) {
        const q = 3 * k;
        let ndl: number;
        if (perVertex[k] === 0) {
          ndl = (nx * lv[q] + ny * lv[q + 1] + nz * lv[q + 2]) * localScale[k];
        } else {
          const lx = lv[q] - positions[o];
          const ly = lv[q + 1] - positions[o + 1];
          const lz = lv[q + 2] - positions[o + 2];
          const d = Math.sqrt(lx * lx + ly * ly + lz * lz) || 1;
          const scale = this.falloff(k, lx / d, ly / d, lz / d, d);
          ndl = ((nx * lx + ny * ly + nz * lz) / d) * scale;
          ir += amb[q] * scale;
          ig += amb[q + 1] * scale;
          ib += amb[q + 2] * scale;
        }
        if (ndl > 0) {
          ir += dif[q] * ndl;
          ig += dif[q + 1] * ndl;
          ib += dif[q + 2] * ndl;
        }
      }
      const r = cr * ir;
      const g = cg * ig;
      const b = cb * ib;
      outR[outFirst + v] = (r < 255 ? r : 255) + 0.5;
      outG[outFirst + v] = (g < 255 ? g : 255) + 0.5;
      outB[outFirst + v] = (b < 255 ? b : 255) + 0.5;
    }
  }
}

function sub3(a: ArrayLike<number>, i: number): number[] {
  return [a[3 * i], a[3 * i + 1], a[3 * i + 2]];
}

function normalizeAt(a: Float64Array, o: number): void {
  const len = Math.hypot(a[o], a[o + 1], a[o + 2]) || 1;
  a[o] /= len;
  a[o + 1] /= len;
  a[o + 2] /= len;
}
