/**
 * Physics options as robosuite 1.4's `base.xml` (LIBERO_ADDENDUM.md §6): timestep 0.002 s (25 substeps per
 * 20 Hz control step), impratio 20, elliptic friction cones, air density 1.2 kg/m³ and viscosity 2e-5 Pa·s
 * (MuJoCo's passive fluid forces on every body), and MuJoCo's defaults for the rest: Euler integrator, Newton
 * solver, 100 iterations, tolerance 1e-8, no noslip, gravity −9.81 z.
 */
import { el, type MjcfElement } from "./mjcf.ts";

export const TIMESTEP = 0.002;
export const CONTROL_FREQ = 20;
/** Physics substeps per control step: 0.05 s / 0.002 s = 25. */
export const SUBSTEPS = Math.round(1 / CONTROL_FREQ / TIMESTEP);

export function physicsOptions(): MjcfElement[] {
  return [
    el("compiler", { angle: "radian", inertiafromgeom: "auto", autolimits: true }),
    el("option", { timestep: TIMESTEP, impratio: 20, cone: "elliptic", density: 1.2, viscosity: 0.00002, integrator: "Euler" }),
    el("size", { memory: "16M" }),
    // robosuite's `<visual><map znear="0.001"/>`; the headlight is MuJoCo's default.
    el("visual", {}, el("map", { znear: 0.001 }), el("quality", { shadowsize: 0 })),
  ];
}
