/**
 * robosuite 1.4's OSC_POSE controller (controllers/osc.py with config osc_pose.json), as LIBERO drives the
 * Panda at 20 Hz.
 *
 * Per control step (`setGoal`, once, from the pose at the start of the step):
 *   a ← clip(a, −1, 1);  Δ = a · [0.05, 0.05, 0.05, 0.5, 0.5, 0.5]      (input ±1 → output_max)
 *   p* = p_ee + Δ[0:3]                         (metres, world frame)
 *   R* = Rot(axis-angle Δ[3:6]) · R_ee         (world-frame axis-angle, radians)
 * Per physics substep (`computeTorques`, 25 times per control step):
 *   F = Λ_pos · (kp·(p* − p) − kd·v),   T = Λ_ori · (kp·e_ori − kd·ω)    kp 150, kd = 2·√kp (damping ratio 1)
 *   e_ori = ½ Σᵢ rᵢ × rᵢ*                       (rᵢ, rᵢ* the columns of R_ee and R*; robosuite orientation_error)
 *   Λ = (J M⁻¹ Jᵀ)⁻¹ for the position and orientation rows separately (uncouple_pos_ori = true)
 *   τ = Jᵀ [F; T] + qfrc_bias + Nᵀ · M · (kpₙ (q₀ − q) − kvₙ q̇)          kpₙ 10, kvₙ = 2·√10
 *   N = I − J̄ J,  J̄ = M⁻¹ Jᵀ (J M⁻¹ Jᵀ)⁻¹       (dynamically consistent null space)
 *   τ ← clip(τ, ±torque limits)
 * M is the arm's 7×7 joint-space inertia (with armature), J the 6×7 Jacobian of the TCP site over the arm
 * joints, q₀ the null-space posture (robosuite: the joint configuration at controller reset; LIBERO resets
 * with zero initialization noise, so that is `init_qpos`).
 *
 * Cost: everything here is dense 6×7 / 7×7 algebra in float64 with preallocated buffers; one Jacobian call
 * into MuJoCo per substep. The caller must have run MuJoCo's position/velocity stages for the current state
 * (we use `mj_step1` before and `mj_step2` after, equivalent for the Euler integrator to robosuite's
 * `sim.forward(); set ctrl; sim.step()`).
 */
import type { Simulation } from "../mujoco.ts";
import { axisAngleToMat, matMul3 } from "../math.ts";
import { spdInverse } from "./linalg.ts";

export interface OscConfig {
  /** output_max of the position and rotation deltas (m and rad at |a| = 1) */
  outputMax: [number, number, number, number, number, number];
  kp: number;
  dampingRatio: number;
  nullspaceKp: number;
}

export function defaultOscConfig(): OscConfig {
  return { outputMax: [0.05, 0.05, 0.05, 0.5, 0.5, 0.5], kp: 150, dampingRatio: 1, nullspaceKp: 10 };
}

const N = 7;

export interface OscHandles {
  siteId: number;
  /** qpos addresses of the 7 arm joints */
  qposAdr: number[];
  /** dof (qvel) addresses of the 7 arm joints */
  dofAdr: number[];
  /** actuator ids of the 7 torque motors */
  actuatorIds: number[];
  torqueLimits: readonly number[];
}

export class OscController {
  readonly config: OscConfig;
  private readonly sim: Simulation;
  private readonly h: OscHandles;
  private readonly kd: number;
  private readonly nullKv: number;

  readonly goalPos = new Float64Array(3);
  readonly goalMat = new Float64Array(9);
  /** null-space posture q₀ */
  readonly restQpos = new Float64Array(N);
  /** last computed torques (N·m), after clipping */
  readonly torques = new Float64Array(N);

  // MuJoCo output buffers (must be DoubleBuffers: plain typed arrays are silently not written).
  private readonly jacpBuf: { GetView(): Float64Array; delete(): void };
  private readonly jacrBuf: { GetView(): Float64Array; delete(): void };
  // Scratch.
  private readonly M = new Float64Array(N * N);
  private readonly Minv = new Float64Array(N * N);
  private readonly J = new Float64Array(6 * N);
  private readonly MinvJt = new Float64Array(N * 6);
  private readonly A = new Float64Array(36);
  private readonly lamFull = new Float64Array(36);
  private readonly lam3 = new Float64Array(9);
  private readonly sub3 = new Float64Array(9);
  private readonly scratch = new Float64Array(64);
  private readonly Jbar = new Float64Array(N * 6);
  private readonly wrench = new Float64Array(6);
  private readonly pose = new Float64Array(N);
  private readonly tmp7 = new Float64Array(N);
  /** M's sparse addresses: for each (row, col) of the 7×7 block, the qM index, or −1 if structurally zero */
  private readonly mIndex: Int32Array;
  singularFallbacks = 0;

  constructor(sim: Simulation, handles: OscHandles, config: OscConfig = defaultOscConfig()) {
    this.sim = sim;
    this.h = handles;
    this.config = config;
    this.kd = 2 * Math.sqrt(config.kp) * config.dampingRatio;
    this.nullKv = 2 * Math.sqrt(config.nullspaceKp);
    const nv = sim.model.nv;
    this.jacpBuf = new sim.mj.DoubleBuffer(3 * nv);
    this.jacrBuf = new sim.mj.DoubleBuffer(3 * nv);
    this.mIndex = this.sparseInertiaIndex();
  }

  /**
   * MuJoCo stores the joint-space inertia `qM` sparsely (legacy format): dof i's row starts at dof_Madr[i]
   * with the diagonal, followed by the entries for its ancestors dof_parentid[i], its parent's parent, ….
   * We precompute where each entry of the arm's 7×7 block lives.
   */
  private sparseInertiaIndex(): Int32Array {
    const m = this.sim.model;
    const madr = m.dof_Madr as unknown as Int32Array;
    const parent = m.dof_parentid as unknown as Int32Array;
    const idx = new Int32Array(N * N).fill(-1);
    for (let i = 0; i < N; i++) {
      const di = this.h.dofAdr[i];
      let adr = madr[di];
      let j = di;
      while (j >= 0) {
        const col = this.h.dofAdr.indexOf(j);
        if (col >= 0) {
          idx[i * N + col] = adr;
          idx[col * N + i] = adr;
        }
        j = parent[j];
        adr++;
      }
    }
    return idx;
  }

  /** Reads M (arm block), J and the TCP pose from the current MuJoCo state. */
  private update(): void {
    const { mj, model, data } = this.sim;
    const qM = data.qM;
    for (let k = 0; k < N * N; k++) this.M[k] = this.mIndex[k] >= 0 ? qM[this.mIndex[k]] : 0;
    mj.mj_jacSite(model, data, this.jacpBuf, this.jacrBuf, this.h.siteId);
    const nv = model.nv;
    const jp = this.jacpBuf.GetView();
    const jr = this.jacrBuf.GetView();
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < N; c++) {
        this.J[r * N + c] = jp[r * nv + this.h.dofAdr[c]];
        this.J[(r + 3) * N + c] = jr[r * nv + this.h.dofAdr[c]];
      }
    }
  }

  /** Sets the null-space posture (rad). */
  setRestPosture(q: ArrayLike<number>): void {
    for (let i = 0; i < N; i++) this.restQpos[i] = q[i];
  }

  /**
   * Sets the pose goal from a 7-D env action's first six numbers (already validated by the env), relative
   * to the TCP pose in the current MuJoCo state (kinematics must be current: call after mj_forward/step1).
   */
  setGoal(action: ArrayLike<number>): void {
    const d = this.sim.data;
    const s = this.h.siteId;
    const om = this.config.outputMax;
    for (let k = 0; k < 3; k++) {
      const a = Math.min(1, Math.max(-1, action[k]));
      this.goalPos[k] = d.site_xpos[3 * s + k] + a * om[k];
    }
    const rot = [0, 1, 2].map((k) => Math.min(1, Math.max(-1, action[3 + k])) * om[3 + k]);
    const dR = axisAngleToMat(rot);
    const cur = Array.from(d.site_xmat.subarray(9 * s, 9 * s + 9));
    const g = matMul3(dR, cur);
    for (let k = 0; k < 9; k++) this.goalMat[k] = g[k];
  }

  /** Computes the clipped joint torques for the current substep into `this.torques` and the ctrl array. */
  computeTorques(): Float64Array {
    this.update();
    const { model, data } = this.sim;
    const { M, Minv, J, MinvJt, A, kd } = this;
    const s = this.h.siteId;
    const qvel = data.qvel;
    const qpos = data.qpos;

    if (!spdInverse(M, N, Minv, this.scratch)) this.singularFallbacks++;
    // MinvJt = M⁻¹ Jᵀ  [7, 6]
    for (let i = 0; i < N; i++) {
      for (let r = 0; r < 6; r++) {
        let acc = 0;
        for (let k = 0; k < N; k++) acc += Minv[i * N + k] * J[r * N + k];
        MinvJt[i * 6 + r] = acc;
      }
    }
    // A = J M⁻¹ Jᵀ  [6, 6]
    for (let r = 0; r < 6; r++) {
      for (let c = 0; c < 6; c++) {
        let acc = 0;
        for (let k = 0; k < N; k++) acc += J[r * N + k] * MinvJt[k * 6 + c];
        A[r * 6 + c] = acc;
      }
    }

    // End-effector velocity v = J q̇ (linear rows 0–2, angular rows 3–5).
    const vel = this.tmp7; // reuse: first 6 entries
    for (let r = 0; r < 6; r++) {
      let acc = 0;
      for (let k = 0; k < N; k++) acc += J[r * N + k] * qvel[this.h.dofAdr[k]];
      vel[r] = acc;
    }
    // Desired force and torque in task space.
    const xpos = data.site_xpos;
    const xm = data.site_xmat;
    const kp = this.config.kp;
    const f = [0, 0, 0];
    for (let k = 0; k < 3; k++) f[k] = kp * (this.goalPos[k] - xpos[3 * s + k]) - kd * vel[k];
    // e_ori = ½ Σ_i (current column i) × (desired column i)
    const e = [0, 0, 0];
    const g = this.goalMat;
    for (let i = 0; i < 3; i++) {
      const c0 = xm[9 * s + i], c1 = xm[9 * s + 3 + i], c2 = xm[9 * s + 6 + i];
      const d0 = g[i], d1 = g[3 + i], d2 = g[6 + i];
      e[0] += 0.5 * (c1 * d2 - c2 * d1);
      e[1] += 0.5 * (c2 * d0 - c0 * d2);
      e[2] += 0.5 * (c0 * d1 - c1 * d0);
    }
    const t = [0, 0, 0];
    for (let k = 0; k < 3; k++) t[k] = kp * e[k] - kd * vel[3 + k];

    // Λ_pos·F and Λ_ori·T (decoupled), then the full Λ for the null-space projector.
    for (const [off, vec] of [[0, f], [3, t]] as const) {
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) this.sub3[r * 3 + c] = A[(off + r) * 6 + off + c];
      if (!spdInverse(this.sub3, 3, this.lam3, this.scratch)) this.singularFallbacks++;
      for (let r = 0; r < 3; r++) {
        this.wrench[off + r] = this.lam3[r * 3] * vec[0] + this.lam3[r * 3 + 1] * vec[1] + this.lam3[r * 3 + 2] * vec[2];
      }
    }
    if (!spdInverse(A, 6, this.lamFull, this.scratch)) this.singularFallbacks++;
    // J̄ = M⁻¹ Jᵀ Λ  [7, 6]
    for (let i = 0; i < N; i++) {
      for (let c = 0; c < 6; c++) {
        let acc = 0;
        for (let k = 0; k < 6; k++) acc += MinvJt[i * 6 + k] * this.lamFull[k * 6 + c];
        this.Jbar[i * 6 + c] = acc;
      }
    }
    // Posture torque M·(kpₙ (q₀ − q) − kvₙ q̇).
    const err = this.tmp7;
    for (let i = 0; i < N; i++) {
      err[i] = this.config.nullspaceKp * (this.restQpos[i] - qpos[this.h.qposAdr[i]]) - this.nullKv * qvel[this.h.dofAdr[i]];
    }
    for (let i = 0; i < N; i++) {
      let acc = 0;
      for (let k = 0; k < N; k++) acc += M[i * N + k] * err[k];
      this.pose[i] = acc;
    }
    // Nᵀ·pose = pose − Jᵀ (J̄ᵀ pose)
    const jbarTPose = [0, 0, 0, 0, 0, 0];
    for (let c = 0; c < 6; c++) {
      let acc = 0;
      for (let i = 0; i < N; i++) acc += this.Jbar[i * 6 + c] * this.pose[i];
      jbarTPose[c] = acc;
    }
    const bias = data.qfrc_bias;
    const ctrl = data.ctrl;
    for (let i = 0; i < N; i++) {
      let tau = bias[this.h.dofAdr[i]] + this.pose[i];
      for (let r = 0; r < 6; r++) tau += J[r * N + i] * (this.wrench[r] - jbarTPose[r]);
      const lim = this.h.torqueLimits[i];
      tau = Math.min(lim, Math.max(-lim, tau));
      this.torques[i] = tau;
      ctrl[this.h.actuatorIds[i]] = tau;
    }
    void model;
    return this.torques;
  }

  dispose(): void {
    this.jacpBuf.delete();
    this.jacrBuf.delete();
  }
}
