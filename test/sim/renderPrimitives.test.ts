import { describe, expect, it } from "vitest";
import {
  boxMesh,
  capsuleMesh,
  cylinderMesh,
  defaultTessellation,
  ellipsoidMesh,
  flatMesh,
  planeMesh,
  sphereMesh,
  type TriMesh,
} from "../../sim/render/primitives.ts";

const t = defaultTessellation();
const closed: [string, TriMesh][] = [
  ["box", boxMesh(0.1, 0.2, 0.3)],
  ["sphere", sphereMesh(0.1, t)],
  ["capsule", capsuleMesh(0.05, 0.2, t)],
  ["cylinder", cylinderMesh(0.05, 0.1, t)],
  ["ellipsoid", ellipsoidMesh(0.3, 0.1, 0.05, t)],
  // A tetrahedron with MuJoCo's face order (counter-clockwise from outside), centred near the origin.
  ["mesh", flatMesh([1, 1, 1, -1, -1, 1, -1, 1, -1, 1, -1, -1], [0, 2, 1, 0, 1, 3, 0, 3, 2, 1, 2, 3])],
];

/** Signed volume of a closed mesh by the divergence theorem: V = Σ (a · (b × c)) / 6 over triangles (a, b, c). */
function signedVolume(m: TriMesh): number {
  const p = m.positions;
  let v = 0;
  for (let k = 0; k < m.indices.length; k += 3) {
    const [a, b, c] = [m.indices[k], m.indices[k + 1], m.indices[k + 2]].map((i) => [p[3 * i], p[3 * i + 1], p[3 * i + 2]]);
    v += a[0] * (b[1] * c[2] - b[2] * c[1]) - a[1] * (b[0] * c[2] - b[2] * c[0]) + a[2] * (b[0] * c[1] - b[1] * c[0]);
  }
  return v / 6;
}

describe("primitive meshes", () => {
  it.each(closed)("%s winds counter-clockwise from outside: its signed volume is positive", (_, mesh) => {
    expect(signedVolume(mesh)).toBeGreaterThan(0);
  });

  it.each(closed)("%s has unit normals that point away from its centre", (_, mesh) => {
    const p = mesh.positions;
    const n = mesh.normals;
    for (let v = 0; v < p.length; v += 3) {
      expect(Math.hypot(n[v], n[v + 1], n[v + 2])).toBeCloseTo(1, 9);
      expect(p[v] * n[v] + p[v + 1] * n[v + 1] + p[v + 2] * n[v + 2]).toBeGreaterThan(0);
    }
  });

  it("volumes approach the true ones from inside: box exact, sphere within 10% below (16 slices, 8 stacks)", () => {
    // Box 0.2 × 0.4 × 0.6 = 0.048 m³; sphere of radius 0.1: 4/3·π·0.001 ≈ 0.0041888 m³.
    expect(signedVolume(boxMesh(0.1, 0.2, 0.3))).toBeCloseTo(0.048, 12);
    const sphere = signedVolume(sphereMesh(0.1, t));
    const exact = (4 / 3) * Math.PI * 0.001;
    expect(sphere).toBeLessThan(exact);
    expect(sphere).toBeGreaterThan(0.9 * exact);
  });

  it("a capsule is a cylinder with two hemispherical caps: it spans z ∈ [−(h + r), h + r]", () => {
    const m = capsuleMesh(0.05, 0.2, t);
    const z = m.positions.filter((_, i) => i % 3 === 2);
    expect(Math.max(...z)).toBeCloseTo(0.25, 12);
    expect(Math.min(...z)).toBeCloseTo(-0.25, 12);
  });

  it("triangle counts with 16 slices: sphere 224, capsule 256, cylinder 64, box 12", () => {
    expect(sphereMesh(1, t).indices.length / 3).toBe(224);
    expect(capsuleMesh(1, 1, t).indices.length / 3).toBe(256);
    expect(cylinderMesh(1, 1, t).indices.length / 3).toBe(64);
    expect(boxMesh(1, 1, 1).indices.length / 3).toBe(12);
  });

  it("a plane faces +z and an infinite one (size 0) is drawn as a large finite square", () => {
    const m = planeMesh(0, 2, t);
    expect(m.normals.every((v, i) => v === (i % 3 === 2 ? 1 : 0))).toBe(true);
    const x = m.positions.filter((_, i) => i % 3 === 0);
    const y = m.positions.filter((_, i) => i % 3 === 1);
    expect(Math.max(...x)).toBeGreaterThanOrEqual(100);
    expect(Math.max(...y)).toBe(2);
    // Upward-facing: (b − a) × (c − a) of the first triangle points along +z.
    const [a, b, c] = [0, 1, 2].map((k) => m.indices[k]);
    const p = m.positions;
    const cross = (p[3 * b] - p[3 * a]) * (p[3 * c + 1] - p[3 * a + 1]) - (p[3 * b + 1] - p[3 * a + 1]) * (p[3 * c] - p[3 * a]);
    expect(cross).toBeGreaterThan(0);
  });
});
