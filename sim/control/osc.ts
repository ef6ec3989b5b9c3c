/**
 * robosuite 1.4's OSC_POSE controller (controllers/osc.py with config osc_pose.json), as LIBERO drives the
 * Panda at 20 Hz.
 *
 * Per control step (`setGoal`, once, from the pose at the start of the step):
 *   a ← clip(a, −1, 1);  Δ = a · [0.05, 0.05, 0.05, 0.5, 0.5, 0.5]      (input ±1 → output_max)
 *   p* = p_ee + Δ[0:3]                         (metres, world frame), every step
 *   R* = Rot(axis-angle Δ[3:6]) · R_ee         (world-frame axis-angle, radians), only if Δ[3:6] ≠ 0
 * robosuite's set_goal updates the orientation goal only when some rotation component is non-zero (`bools =
 * [0. if math.isclose(elem, 0.) else 1. ...]; if sum(bools) > 0.`); otherwise R* stays where it was, so a
 * translation-only action holds the orientation last commanded instead of re-anchoring it at the drifted
 * pose. The first R* is the TCP orientation at `init_qpos` (`resetGoal`): robosuite creates the controller in
 * Robot.reset right after writing `init_qpos`, and LIBERO then loads its init state without touching it.
 * Per physics substep (`computeTorques`, 25 times per control step):
 *   F = Λ_pos · (kp·(p* − p) − kd·v),   T = Λ_ori · (kp·e_ori − kd·ω)    kp 150, kd = 2·√kp (damping ratio 1)
 *   e_ori = ½ Σᵢ rᵢ × rᵢ*                       (rᵢ, rᵢ* the columns of R_ee and R*; robosuite orientation_error)
 *   Λ_pos = (J_p M⁻¹ J_pᵀ)⁻¹, Λ_ori = (J_r M⁻¹ J_rᵀ)⁻¹ (uncouple_pos_ori = true), Λ = (J M⁻¹ Jᵀ)⁻¹
 *   τ = Jᵀ [F; T] + qfrc_bias + Nᵀ · M · (kpₙ (q₀ − q) − kvₙ q̇)          kpₙ 10, kvₙ = 2·√10
 *   N = I − J̄ J,  J̄ = M⁻¹ Jᵀ Λ                  (dynamically consistent null space)
 *   τ ← clip(τ, ±torque limits)
 * M is the arm's 7×7 joint-space inertia (with armature), J the 6×7 Jacobian of the TCP site over the arm
 * joints, q₀ the null-space posture (robosuite: the joint configuration at controller reset; LIBERO resets
 * with zero initialization noise, so that is `init_qpos`). robosuite takes pseudo-inverses (`np.linalg.pinv`)
 * of Λ⁻¹; for the positive-definite matrices of a non-singular arm they equal the inverses computed here.
 *
 * Cost: with M = L·Lᵀ (Cholesky), Y = L⁻¹Jᵀ gives J M⁻¹ Jᵀ = YᵀY and M⁻¹Jᵀ = L⁻ᵀY, so one 7×7
 * factorization and triangular solves replace explicit inverses; everything is float64 in preallocated
 * buffers, with one Jacobian call into MuJoCo per substep. The caller must have run MuJoCo's position and
 * velocity stages for the current state (we use `mj_step1` before and `mj_step2` after, which for the Euler
 * integrator is the same as robosuite's `sim.forward(); set ctrl; sim.step()`).
 */
import { LiveView, type Simulation } from "../mujoco.ts";
import { axisAngleToMat, matMul3 } from "../math.ts";
import { choleskyInPlace, spdInverse } from "./linalg.ts";

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

type Buffer = { GetView(): Float64Array; delete(): void };

export class OscController {
  readonly config: OscConfig;
  private readonly sim: Simulation;
  private readonly h: OscHandles;
  private readonly kd: number;
  private readonly nullKv: number;

  readonly goalPos = new Float64Array(3);
  readonly goalMat = new Float64Array(9);
  /** null-space posture q₀ (rad) */
  readonly restQpos = new Float64Array(N);
  /** last computed torques (N·m), after clipping */
  readonly torques = new Float64Array(N);
  /** count of substeps where a task-space inertia was singular and regularized */
  singularFallbacks = 0;

  // MuJoCo output buffers: must be DoubleBuffers (plain typed arrays are silently left unwritten).
  private readonly jacpBuf: Buffer;
  private readonly jacrBuf: Buffer;
  private readonly v: Record<"qM" | "qpos" | "qvel" | "xpos" | "xmat" | "bias" | "ctrl", LiveView<Float64Array>>;
  // Scratch, all preallocated.
  private readonly L = new Float64Array(N * N);
  private readonly J = new Float64Array(6 * N);
  /** Y = L⁻¹Jᵀ, then overwritten by M⁻¹Jᵀ = L⁻ᵀY; column r is J's row r  [7, 6] */
  private readonly Y = new Float64Array(N * 6);
  private readonly A = new Float64Array(36);
  private readonly lamFull = new Float64Array(36);
  private readonly sub3 = new Float64Array(9);
  private readonly lam3 = new Float64Array(9);
  private readonly scratch = new Float64Array(64);
  private readonly wrench = new Float64Array(6);
  private readonly task = new Float64Array(6);
  private readonly vel = new Float64Array(6);
  private readonly pose = new Float64Array(N);
  private readonly savedQpos = new Float64Array(N);
  /** TCP pose at q₀, and whether the next setGoal anchors there (see resetGoal) */
  private readonly restPos = new Float64Array(3);
  private readonly restMat = new Float64Array(9);
  private anchorAtRest = false;
  private readonly err = new Float64Array(N);
  private readonly jbarTPose = new Float64Array(6);
  private readonly M = new Float64Array(N * N);
  /** for each entry of the arm's 7×7 inertia block, its index in MuJoCo's sparse qM (−1: structurally 0) */
  private readonly mIndex: Int32Array;

  constructor(sim: Simulation, handles: OscHandles, config: OscConfig = defaultOscConfig()) {
    this.sim = sim;
    this.h = handles;
    this.config = config;
    this.kd = 2 * Math.sqrt(config.kp) * config.dampingRatio;
    this.nullKv = 2 * Math.sqrt(config.nullspaceKp);
    const nv = sim.model.nv;
    this.jacpBuf = new sim.mj.DoubleBuffer(3 * nv);
    this.jacrBuf = new sim.mj.DoubleBuffer(3 * nv);
    const d = sim.data;
    this.v = {
      qM: new LiveView(d, "qM"), qpos: new LiveView(d, "qpos"), qvel: new LiveView(d, "qvel"),
      xpos: new LiveView(d, "site_xpos"), xmat: new LiveView(d, "site_xmat"),
      bias: new LiveView(d, "qfrc_bias"), ctrl: new LiveView(d, "ctrl"),
    };
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
      for (let j = di; j >= 0; j = parent[j], adr++) {
        const col = this.h.dofAdr.indexOf(j);
        if (col >= 0) {
          idx[i * N + col] = adr;
          idx[col * N + i] = adr;
        }
      }
    }
    return idx;
  }

  /** Sets the null-space posture (rad). */
  setRestPosture(q: ArrayLike<number>): void {
    for (let i = 0; i < N; i++) this.restQpos[i] = q[i];
  }

  /**
   * Resets the goal to the TCP pose at the null-space posture q₀ (robosuite: the pose at controller creation,
   * `init_qpos`), whatever the current state, and anchors the next `setGoal` there too. robosuite creates the
   * controller at `init_qpos` and caches that state until its next torque computation; LIBERO then loads the
   * episode's init state without refreshing it, so the first set_goal of an episode adds the action's deltas
   * to the `init_qpos` pose, not to the current one. (robosuite's first substep's torques also use that cached
   * state; ours use the current one: one 2 ms substep per episode, measured by `npm run bench -- osc`.)
   * Runs MuJoCo's kinematics at q₀ and then again at the current qpos, which leaves every kinematic quantity
   * as it was.
   */
  resetGoal(): void {
    const { mj, model, data } = this.sim;
    const s = this.h.siteId;
    const qpos = this.v.qpos.get();
    for (let i = 0; i < N; i++) {
      this.savedQpos[i] = qpos[this.h.qposAdr[i]];
      qpos[this.h.qposAdr[i]] = this.restQpos[i];
    }
    mj.mj_kinematics(model, data);
    this.restPos.set(this.v.xpos.get().subarray(3 * s, 3 * s + 3));
    this.restMat.set(this.v.xmat.get().subarray(9 * s, 9 * s + 9));
    this.goalPos.set(this.restPos);
    this.goalMat.set(this.restMat);
    this.anchorAtRest = true;
    const q = this.v.qpos.get();
    for (let i = 0; i < N; i++) q[this.h.qposAdr[i]] = this.savedQpos[i];
    mj.mj_kinematics(model, data);
  }

  /**
   * Sets the pose goal from an env action's first six numbers, relative to the TCP pose in the current
   * MuJoCo state (kinematics must be current: call after mj_forward or mj_step1), or to the `init_qpos` pose
   * for the first call after `resetGoal`. The orientation goal moves only when a rotation component is
   * non-zero (see the file comment).
   */
  setGoal(action: ArrayLike<number>): void {
    const s = this.h.siteId;
    const om = this.config.outputMax;
    const p = this.anchorAtRest ? this.restPos : this.v.xpos.get().subarray(3 * s, 3 * s + 3);
    const r = this.anchorAtRest ? this.restMat : this.v.xmat.get().subarray(9 * s, 9 * s + 9);
    this.anchorAtRest = false;
    const clip = (x: number) => Math.min(1, Math.max(-1, x));
    for (let k = 0; k < 3; k++) this.goalPos[k] = p[k] + clip(action[k]) * om[k];
    const rot: [number, number, number] = [clip(action[3]) * om[3], clip(action[4]) * om[4], clip(action[5]) * om[5]];
    if (rot[0] === 0 && rot[1] === 0 && rot[2] === 0) return;
    this.goalMat.set(matMul3(axisAngleToMat(rot), r));
  }

  /** Computes this substep's clipped joint torques into `this.torques` and the motors' ctrl. */
  computeTorques(): Float64Array {
    const { mj, model, data } = this.sim;
    const { L, J, Y, A, M, h } = this;
    const qM = this.v.qM.get();
    const qpos = this.v.qpos.get();
    const qvel = this.v.qvel.get();
    const s = h.siteId;

    // 1) M (arm block of the sparse joint-space inertia) and J (TCP Jacobian over the arm dofs).
    for (let k = 0; k < N * N; k++) M[k] = this.mIndex[k] >= 0 ? qM[this.mIndex[k]] : 0;
    mj.mj_jacSite(model, data, this.jacpBuf, this.jacrBuf, s);
    const nv = model.nv;
    const jp = this.jacpBuf.GetView();
    const jr = this.jacrBuf.GetView();
    for (let r = 0; r < 3; r++) {
      for (let c = 0; c < N; c++) {
        J[r * N + c] = jp[r * nv + h.dofAdr[c]];
        J[(r + 3) * N + c] = jr[r * nv + h.dofAdr[c]];
      }
    }

    // 2) M = L·Lᵀ;  Y = L⁻¹Jᵀ (forward substitution per row of J);  A = J M⁻¹ Jᵀ = YᵀY.
    L.set(M);
    if (!choleskyInPlace(L, N)) throw new Error("The arm's joint-space inertia is not positive definite.");
    for (let r = 0; r < 6; r++) {
      for (let i = 0; i < N; i++) {
        let acc = J[r * N + i];
        for (let k = 0; k < i; k++) acc -= L[i * N + k] * Y[k * 6 + r];
        Y[i * 6 + r] = acc / L[i * N + i];
      }
    }
    for (let r = 0; r < 6; r++) {
      for (let c = r; c < 6; c++) {
        let acc = 0;
        for (let k = 0; k < N; k++) acc += Y[k * 6 + r] * Y[k * 6 + c];
        A[r * 6 + c] = acc;
        A[c * 6 + r] = acc;
      }
    }
    // Y ← M⁻¹Jᵀ = L⁻ᵀY (back substitution per column).
    for (let r = 0; r < 6; r++) {
      for (let i = N - 1; i >= 0; i--) {
        let acc = Y[i * 6 + r];
        for (let k = i + 1; k < N; k++) acc -= L[k * N + i] * Y[k * 6 + r];
        Y[i * 6 + r] = acc / L[i * N + i];
      }
    }

    // 3) Task-space PD: v = J q̇; desired force (rows 0–2) and torque (rows 3–5).
    const vel = this.vel;
    for (let r = 0; r < 6; r++) {
      let acc = 0;
      for (let k = 0; k < N; k++) acc += J[r * N + k] * qvel[h.dofAdr[k]];
      vel[r] = acc;
    }
    const xpos = this.v.xpos.get();
    const xm = this.v.xmat.get();
    const kp = this.config.kp;
    const kd = this.kd;
    const task = this.task;
    for (let k = 0; k < 3; k++) task[k] = kp * (this.goalPos[k] - xpos[3 * s + k]) - kd * vel[k];
    // e_ori = ½ Σᵢ (column i of R_ee) × (column i of R*)
    let e0 = 0, e1 = 0, e2 = 0;
    const g = this.goalMat;
    for (let i = 0; i < 3; i++) {
      const c0 = xm[9 * s + i], c1 = xm[9 * s + 3 + i], c2 = xm[9 * s + 6 + i];
      const d0 = g[i], d1 = g[3 + i], d2 = g[6 + i];
      e0 += 0.5 * (c1 * d2 - c2 * d1);
      e1 += 0.5 * (c2 * d0 - c0 * d2);
      e2 += 0.5 * (c0 * d1 - c1 * d0);
    }
    task[3] = kp * e0 - kd * vel[3];
    task[4] = kp * e1 - kd * vel[4];
    task[5] = kp * e2 - kd * vel[5];

    // 4) Decoupled wrench: [Λ_pos F; Λ_ori T].
    for (let off = 0; off < 6; off += 3) {
      for (let r = 0; r < 3; r++) for (let c = 0; c < 3; c++) this.sub3[r * 3 + c] = A[(off + r) * 6 + off + c];
      if (!spdInverse(this.sub3, 3, this.lam3, this.scratch)) this.singularFallbacks++;
      for (let r = 0; r < 3; r++) {
        this.wrench[off + r] =
          this.lam3[r * 3] * task[off] + this.lam3[r * 3 + 1] * task[off + 1] + this.lam3[r * 3 + 2] * task[off + 2];
      }
    }

    // 5) Null-space posture torque Nᵀ·pose = pose − Jᵀ(J̄ᵀ pose), J̄ᵀ pose = Λ (M⁻¹Jᵀ)ᵀ pose.
    if (!spdInverse(A, 6, this.lamFull, this.scratch)) this.singularFallbacks++;
    const err = this.err;
    for (let i = 0; i < N; i++) {
      err[i] = this.config.nullspaceKp * (this.restQpos[i] - qpos[h.qposAdr[i]]) - this.nullKv * qvel[h.dofAdr[i]];
    }
    for (let i = 0; i < N; i++) {
      let acc = 0;
      for (let k = 0; k < N; k++) acc += M[i * N + k] * err[k];
      this.pose[i] = acc;
    }
    const yTPose = this.vel; // reuse: (M⁻¹Jᵀ)ᵀ pose  [6]
    for (let c = 0; c < 6; c++) {
      let acc = 0;
      for (let i = 0; i < N; i++) acc += Y[i * 6 + c] * this.pose[i];
      yTPose[c] = acc;
    }
    for (let c = 0; c < 6; c++) {
      let acc = 0;
      for (let k = 0; k < 6; k++) acc += this.lamFull[c * 6 + k] * yTPose[k];
      this.jbarTPose[c] = acc;
    }

    // 6) τ = Jᵀ(wrench − J̄ᵀ pose) + pose + bias, clipped to the motor limits.
    const bias = this.v.bias.get();
    const ctrl = this.v.ctrl.get();
    for (let i = 0; i < N; i++) {
      let tau = bias[h.dofAdr[i]] + this.pose[i];
      for (let r = 0; r < 6; r++) tau += J[r * N + i] * (this.wrench[r] - this.jbarTPose[r]);
      const lim = h.torqueLimits[i];
      tau = tau > lim ? lim : tau < -lim ? -lim : tau;
      this.torques[i] = tau;
      ctrl[h.actuatorIds[i]] = tau;
    }
    return this.torques;
  }

  dispose(): void {
    this.jacpBuf.delete();
    this.jacrBuf.delete();
  }
}
