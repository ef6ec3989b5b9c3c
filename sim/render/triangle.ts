/**
 * Filling one screen-space triangle into a z-buffered frame: the inner loop of the rasterizer.
 *
 * Method (edge functions, Pineda 1988, "A Parallel Algorithm for Polygon Rasterization"): for an edge a→b,
 *   E_ab(x, y) = (x_b − x_a)(y − y_a) − (y_b − y_a)(x − x_a) = A·x + B·y + C,
 * and a pixel centre is inside when all three edge functions are ≥ 0 (for a triangle of positive area). Rather
 * than testing every pixel of the bounding box, each row solves the three half-planes for its span
 * [x_left, x_right] and walks only the covered pixels, stepping depth and colour incrementally.
 *
 * Interpolated quantities: `iz` = 1/w (inverse depth), which is exactly affine in screen space, so the depth test
 * is perspective-correct (larger iz = nearer; the buffer is cleared to 0 = infinitely far); colour is Gouraud,
 * affine in screen space.
 *
 * Front faces: meshes wind counter-clockwise seen from outside; because screen rows grow downward, a front
 * face has NEGATIVE signed area (x_b − x_a)(y_c − y_a) − (x_c − x_a)(y_b − y_a) on screen. Back faces and
 * degenerate triangles are dropped.
 */

/** Per-vertex screen data, indexed by vertex slot: position in pixels, inverse depth, colour in [0.5, 255.5]. */
export interface ScreenVertices {
  sx: Float64Array;
  sy: Float64Array;
  iz: Float64Array;
  r: Float64Array;
  g: Float64Array;
  b: Float64Array;
}

/** A frame being drawn: W×H, row 0 at the top. depth: [H·W] inverse depth; rgb: [H·W·3]; ids: [H·W] geom id. */
export interface Frame {
  width: number;
  height: number;
  depth: Float32Array;
  rgb: Uint8Array;
  ids: Int32Array;
}

/**
 * Draws triangle (a, b, c) of `v` into `frame` where it is nearer than what is there, writing colour and `id`.
 * Colours are stored by truncation, so vertex colours carry +0.5 to round (see the rasterizer's shading).
 */
export function fillTriangle(frame: Frame, v: ScreenVertices, a: number, b0: number, c0: number, id: number): void {
  const sx = v.sx;
  const sy = v.sy;
  const xa = sx[a];
  const ya = sy[a];
  let xb = sx[b0];
  let yb = sy[b0];
  let xc = sx[c0];
  let yc = sy[c0];
  let area = (xb - xa) * (yc - ya) - (xc - xa) * (yb - ya);
  if (!(area < 0)) return; // back face, degenerate or NaN
  // Swap b and c so the area is positive and "inside" means all three edge functions ≥ 0.
  const b = c0;
  const c = b0;
  xb = sx[b];
  yb = sy[b];
  xc = sx[c];
  yc = sy[c];
  area = -area;

  const W = frame.width;
  const H = frame.height;
  // Rows and columns whose pixel centres (k + 0.5) lie inside the bounding box, clipped to the frame.
  const rowMin = Math.max(0, Math.ceil(Math.min(ya, yb, yc) - 0.5));
  const rowMax = Math.min(H - 1, Math.floor(Math.max(ya, yb, yc) - 0.5));
  if (rowMin > rowMax) return;
  const colMin = Math.max(0, Math.ceil(Math.min(xa, xb, xc) - 0.5));
  const colMax = Math.min(W - 1, Math.floor(Math.max(xa, xb, xc) - 0.5));
  if (colMin > colMax) return;

  // Edge functions E = A·x + B·y + C for a→b, b→c, c→a.
  const Aab = ya - yb;
  const Bab = xb - xa;
  const Cab = -Aab * xa - Bab * ya;
  const Abc = yb - yc;
  const Bbc = xc - xb;
  const Cbc = -Abc * xb - Bbc * yb;
  const Aca = yc - ya;
  const Bca = xa - xc;
  const Cca = -Aca * xc - Bca * yc;

  // Gradients of an attribute q from its vertex values: barycentrics are λa = E_bc/area, λb = E_ca/area,
  // λc = E_ab/area, so dq/dx = (A_bc·qa + A_ca·qb + A_ab·qc)/area, likewise dq/dy with B.
  const inv = 1 / area;
  const iz = v.iz;
  const za = iz[a];
  const zb = iz[b];
  const zc = iz[c];
  const dzdx = (Abc * za + Aca * zb + Aab * zc) * inv;
  const dzdy = (Bbc * za + Bca * zb + Bab * zc) * inv;
  const rA = v.r[a];
  const rB = v.r[b];
  const rC = v.r[c];
  const drdx = (Abc * rA + Aca * rB + Aab * rC) * inv;
  const drdy = (Bbc * rA + Bca * rB + Bab * rC) * inv;
  const gA = v.g[a];
  const gB = v.g[b];
  const gC = v.g[c];
  const dgdx = (Abc * gA + Aca * gB + Aab * gC) * inv;
  const dgdy = (Bbc * gA + Bca * gB + Bab * gC) * inv;
  const bA = v.b[a];
  const bB = v.b[b];
  const bC = v.b[c];
  const dbdx = (Abc * bA + Aca * bB + Aab * bC) * inv;
  const dbdy = (Bbc * bA + Bca * bB + Bab * bC) * inv;

  // Where each edge crosses a row: E = 0 at x = m·y + k with m = −B/A, k = −C/A. An edge with A > 0 bounds the
  // span on the left (E ≥ 0 for x ≥ m·y + k), A < 0 on the right. A horizontal edge (A = 0) lies on the top or
  // bottom of the bounding box and excludes no row inside it.
  const mab = Aab !== 0 ? -Bab / Aab : 0;
  const kab = Aab !== 0 ? -Cab / Aab : 0;
  const mbc = Abc !== 0 ? -Bbc / Abc : 0;
  const kbc = Abc !== 0 ? -Cbc / Abc : 0;
  const mca = Aca !== 0 ? -Bca / Aca : 0;
  const kca = Aca !== 0 ? -Cca / Aca : 0;

  const depth = frame.depth;
  const rgb = frame.rgb;
  const ids = frame.ids;
  for (let j = rowMin; j <= rowMax; j++) {
    const py = j + 0.5;
    let xl = colMin + 0.5;
    let xr = colMax + 0.5;
    if (Aab > 0) xl = Math.max(xl, mab * py + kab);
    else if (Aab < 0) xr = Math.min(xr, mab * py + kab);
    if (Abc > 0) xl = Math.max(xl, mbc * py + kbc);
    else if (Abc < 0) xr = Math.min(xr, mbc * py + kbc);
    if (Aca > 0) xl = Math.max(xl, mca * py + kca);
    else if (Aca < 0) xr = Math.min(xr, mca * py + kca);
    const i0 = Math.ceil(xl - 0.5);
    const i1 = Math.floor(xr - 0.5);
    if (i0 > i1) continue;

    const dx = i0 + 0.5 - xa;
    const dy = py - ya;
    let z = za + dzdx * dx + dzdy * dy;
    let r = rA + drdx * dx + drdy * dy;
    let g = gA + dgdx * dx + dgdy * dy;
    let bl = bA + dbdx * dx + dbdy * dy;
    let p = j * W + i0;
    const pEnd = j * W + i1;
    for (; p <= pEnd; p++) {
      if (z > depth[p]) {
        depth[p] = z;
        ids[p] = id;
        const o = p * 3;
        rgb[o] = r;
        rgb[o + 1] = g;
        rgb[o + 2] = bl;
      }
      z += dzdx;
      r += drdx;
      g += dgdx;
      bl += dbdx;
    }
  }
}
