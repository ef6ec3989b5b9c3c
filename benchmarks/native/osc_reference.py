"""An independent float64 reference of robosuite 1.4's OSC_POSE on native MuJoCo, to cross-check sim/control/osc.ts.

usage: python3 osc_reference.py SCENE.xml [--sequences JSON_FILE] [--model MODEL] [--coupled]
JSON_FILE maps a name to a list of 7-D actions, or to {"actions": [...], "arm_offset": [7 numbers]} for an
episode that starts at init_qpos + arm_offset (rad), like a LIBERO init state with joint noise.
Prints one JSON object: {"version", "model", "traces": {name: [[x, y, z, rx, ry, rz], ...]}}, one row per env
step (row 0 is the initial pose): the TCP (`gripper0_grip_site`) position in metres and its rotation since the
start as a world-frame rotation vector in radians. Without --sequences it runs the issue's action sequences.

Written from robosuite 1.4's published code paths, not from our TypeScript:
- controllers/osc.py `OperationalSpaceController` with controllers/config/osc_pose.json: input ±1 clipped,
  output_max (0.05 m, 0.5 rad), kp 150, damping ratio 1 (kd = 2·√kp), `uncouple_pos_ori` true, `control_delta`
  true, no interpolator, no position or orientation limits.
- `set_goal` (once per env step, `policy_step` true): goal_pos = ee_pos + Δp always; goal_ori = R(axis-angle Δr)·ee_ori
  only if some Δr component is non-zero (robosuite: `bools = [0. if math.isclose(elem, 0.) else 1. ...]; if
  sum(bools) > 0. or set_ori is not None`), else the previous goal_ori is kept. The first goal_ori is the pose at
  controller creation, which robosuite does in Robot.reset right after writing `init_qpos`.
- `run_controller` (every substep): force = kp·(goal_pos − ee_pos) − kd·v; torque = kp·orientation_error − kd·ω;
  decoupled wrench [Λ_pos·force; Λ_ori·torque]; τ = Jᵀ·wrench + qfrc_bias + nullspace_torques.
- utils/control_utils.py `opspace_matrices` (np.linalg.inv of M, np.linalg.pinv of the three Λ⁻¹),
  `nullspace_torques` (joint_kp 10, kv 2·√10, toward `initial_joint`), `orientation_error`.
- robots/single_arm.py `control`: torques clipped to the actuators' ctrlrange, written to ctrl; the gripper's
  `format_action` integrates ±0.01 per substep and maps [−1, 1] onto each finger's ctrlrange.
- environments/base.py `step`: 25 × (sim.forward(); robot.control(action, policy_step); sim.step()), with
  `policy_step` true only in the first substep. Controller.update() re-reads the state (and calls forward) at
  every run_controller: the control is recomputed every substep, the goal once per env step.

MODEL variants rewrite the loaded scene before compiling, to test whether a behaviour comes from the model:
  as_exported         the MJCF as given;
  no_frictionloss     arm joint frictionloss 0 (robosuite adds 0.1);
  no_armature         arm joint armature 0 (robosuite adds 5/(i+1));
  no_gravity          gravity off (qfrc_bias then holds only Coriolis and centrifugal terms).
--coupled sets osc_pose.json's `uncouple_pos_ori` to false (robosuite's other branch: wrench = Λ·[force; torque]),
to test whether a drift comes from the decoupled task-space inertia.
"""
import argparse
import json
import math

import mujoco
import numpy as np

ARM_JOINTS = [f"robot0_joint{i}" for i in range(1, 8)]
ARM_ACTUATORS = [f"robot0_torq_j{i}" for i in range(1, 8)]
FINGER_JOINTS = ["gripper0_finger_joint1", "gripper0_finger_joint2"]
FINGER_ACTUATORS = ["gripper0_finger_j1", "gripper0_finger_j2"]
SITE = "gripper0_grip_site"
INIT_QPOS = [0, -0.161037389, 0, -2.44459747, 0, 2.2267522, math.pi / 4]
GRIPPER_INIT_QPOS = [0.020833, -0.020833]
SUBSTEPS = 25  # control_timestep 0.05 / model_timestep 0.002


# ---- robosuite utils/transform_utils.py and control_utils.py, re-derived ----

def axisangle2quat(vec):
    """(x, y, z, w) quaternion of a rotation vector, as robosuite's axisangle2quat."""
    angle = np.linalg.norm(vec)
    if math.isclose(angle, 0.0):
        return np.array([0.0, 0.0, 0.0, 1.0])
    axis = vec / angle
    return np.concatenate([axis * np.sin(angle / 2.0), [np.cos(angle / 2.0)]])


def quat2mat(q):
    """Rotation matrix of an (x, y, z, w) quaternion."""
    x, y, z, w = q / np.linalg.norm(q)
    return np.array([
        [1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
        [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
        [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)],
    ])


def orientation_error(desired, current):
    """½ Σᵢ current[:, i] × desired[:, i] (robosuite control_utils.orientation_error)."""
    return 0.5 * sum(np.cross(current[:, i], desired[:, i]) for i in range(3))


def opspace_matrices(mass_matrix, J_full, J_pos, J_ori):
    m_inv = np.linalg.inv(mass_matrix)
    lambda_full = np.linalg.pinv(J_full @ m_inv @ J_full.T)
    lambda_pos = np.linalg.pinv(J_pos @ m_inv @ J_pos.T)
    lambda_ori = np.linalg.pinv(J_ori @ m_inv @ J_ori.T)
    Jbar = m_inv @ J_full.T @ lambda_full
    nullspace = np.eye(J_full.shape[-1]) - Jbar @ J_full
    return lambda_full, lambda_pos, lambda_ori, nullspace


def nullspace_torques(mass_matrix, nullspace_matrix, initial_joint, joint_pos, joint_vel, joint_kp=10):
    joint_kv = np.sqrt(joint_kp) * 2
    pose_torques = mass_matrix @ (joint_kp * (initial_joint - joint_pos) - joint_kv * joint_vel)
    return nullspace_matrix.T @ pose_torques


def rotvec(R):
    """World-frame rotation vector (rad) of a rotation matrix."""
    q = np.zeros(4)
    mujoco.mju_mat2Quat(q, R.reshape(-1))
    s = np.linalg.norm(q[1:])
    if s < 1e-12:
        return np.zeros(3)
    return q[1:] / s * 2 * math.atan2(s, q[0])


class OscPose:
    """robosuite 1.4 OperationalSpaceController with osc_pose.json, on one site and 7 joints."""

    def __init__(self, m, d, uncouple_pos_ori=True):
        self.m, self.d = m, d
        self.uncoupling = uncouple_pos_ori
        jid = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, n) for n in ARM_JOINTS]
        self.qpos_index = [m.jnt_qposadr[j] for j in jid]
        self.qvel_index = [m.jnt_dofadr[j] for j in jid]
        self.site = mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_SITE, SITE)
        self.kp = np.full(6, 150.0)
        self.kd = 2 * np.sqrt(self.kp) * 1.0
        self.output_max = np.array([0.05, 0.05, 0.05, 0.5, 0.5, 0.5])
        self.new_update = True
        self.update()
        self.initial_joint = self.joint_pos.copy()
        self.goal_pos = self.ee_pos.copy()
        self.goal_ori = self.ee_ori_mat.copy()

    def update(self):
        if not self.new_update:
            return
        m, d = self.m, self.d
        mujoco.mj_forward(m, d)
        self.ee_pos = d.site_xpos[self.site].copy()
        self.ee_ori_mat = d.site_xmat[self.site].reshape(3, 3).copy()
        jacp = np.zeros((3, m.nv))
        jacr = np.zeros((3, m.nv))
        mujoco.mj_jacSite(m, d, jacp, jacr, self.site)
        self.ee_pos_vel = jacp @ d.qvel
        self.ee_ori_vel = jacr @ d.qvel
        self.joint_pos = d.qpos[self.qpos_index].copy()
        self.joint_vel = d.qvel[self.qvel_index].copy()
        self.J_pos = jacp[:, self.qvel_index]
        self.J_ori = jacr[:, self.qvel_index]
        self.J_full = np.vstack([self.J_pos, self.J_ori])
        full = np.zeros((m.nv, m.nv))
        mujoco.mj_fullM(m, d, full)  # MuJoCo 3.14 signature; robosuite 1.4 passed d.qM
        self.mass_matrix = full[np.ix_(self.qvel_index, self.qvel_index)]
        self.torque_compensation = d.qfrc_bias[self.qvel_index].copy()
        self.new_update = False

    def set_goal(self, action):
        self.update()
        delta = np.clip(np.asarray(action, dtype=np.float64), -1, 1) * self.output_max
        if any(not math.isclose(x, 0.0) for x in delta[3:]):
            self.goal_ori = quat2mat(axisangle2quat(delta[3:])) @ self.ee_ori_mat
        self.goal_pos = self.ee_pos + delta[:3]

    def run_controller(self):
        self.update()
        ori_error = orientation_error(self.goal_ori, self.ee_ori_mat)
        desired_force = (self.goal_pos - self.ee_pos) * self.kp[:3] - self.ee_pos_vel * self.kd[:3]
        desired_torque = ori_error * self.kp[3:] - self.ee_ori_vel * self.kd[3:]
        lambda_full, lambda_pos, lambda_ori, nullspace = opspace_matrices(self.mass_matrix, self.J_full, self.J_pos, self.J_ori)
        if self.uncoupling:
            wrench = np.concatenate([lambda_pos @ desired_force, lambda_ori @ desired_torque])
        else:
            wrench = lambda_full @ np.concatenate([desired_force, desired_torque])
        torques = self.J_full.T @ wrench + self.torque_compensation
        torques += nullspace_torques(self.mass_matrix, nullspace, self.initial_joint, self.joint_pos, self.joint_vel)
        self.new_update = True
        return torques


class Robot:
    """robosuite SingleArm.control plus PandaGripper.format_action, and the env's 25-substep step."""

    def __init__(self, m, d, uncouple_pos_ori=True):
        self.m, self.d = m, d
        self.arm_act = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_ACTUATOR, n) for n in ARM_ACTUATORS]
        self.finger_act = [mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_ACTUATOR, n) for n in FINGER_ACTUATORS]
        self.torque_low = m.actuator_ctrlrange[self.arm_act, 0].copy()
        self.torque_high = m.actuator_ctrlrange[self.arm_act, 1].copy()
        self.controller = OscPose(m, d, uncouple_pos_ori)
        self.gripper_current = np.zeros(2)
        self.saturated = 0

    def control(self, action, policy_step):
        if policy_step:
            self.controller.set_goal(action[:6])
        torques = self.controller.run_controller()
        clipped = np.clip(torques, self.torque_low, self.torque_high)
        self.saturated += int(np.any(clipped != torques))
        self.d.ctrl[self.arm_act] = clipped
        g = np.clip(action[6], -1, 1)
        self.gripper_current = np.clip(self.gripper_current + np.array([-1.0, 1.0]) * 0.01 * np.sign(g), -1, 1)
        cr = self.m.actuator_ctrlrange[self.finger_act]
        self.d.ctrl[self.finger_act] = 0.5 * (cr[:, 1] + cr[:, 0]) + 0.5 * (cr[:, 1] - cr[:, 0]) * self.gripper_current

    def env_step(self, action):
        for k in range(SUBSTEPS):
            mujoco.mj_forward(self.m, self.d)
            self.control(action, policy_step=(k == 0))
            mujoco.mj_step(self.m, self.d)


# ---- model variants ----

def load_model(xml_path, variant):
    spec = mujoco.MjSpec.from_file(xml_path)
    if variant == "no_frictionloss":
        for n in ARM_JOINTS:
            spec.joint(n).frictionloss = 0
    elif variant == "no_armature":
        for n in ARM_JOINTS:
            spec.joint(n).armature = 0
    elif variant == "no_gravity":
        spec.option.gravity = [0, 0, 0]
    elif variant != "as_exported":
        raise SystemExit(f"unknown --model {variant}")
    return spec.compile()


def issue_sequences():
    seqs = {}
    for axis in range(3):
        for sign in (1, -1):
            a = [0.0] * 7
            a[axis] = float(sign)
            seqs[f"{'+' if sign > 0 else '-'}{'xyz'[axis]} x20"] = [a] * 20
    for axis in range(3):
        a = [0.0] * 7
        a[3 + axis] = 1.0
        seqs[f"+r{'xyz'[axis]} x10"] = [a] * 10
    seqs["zero x100"] = [[0.0] * 7] * 100
    return seqs


def run(m, actions, arm_offset=None, uncouple_pos_ori=True):
    """One episode. As robosuite: Robot.reset writes init_qpos and creates the controller there (its
    initial_joint and first goal_ori); LIBERO's set_init_state then loads the episode's state (init_qpos +
    arm_offset here) without touching the controller."""
    d = mujoco.MjData(m)
    mujoco.mj_resetData(m, d)
    adr = {n: m.jnt_qposadr[mujoco.mj_name2id(m, mujoco.mjtObj.mjOBJ_JOINT, n)] for n in ARM_JOINTS + FINGER_JOINTS}
    for n, q in zip(ARM_JOINTS + FINGER_JOINTS, INIT_QPOS + GRIPPER_INIT_QPOS):
        d.qpos[adr[n]] = q
    mujoco.mj_forward(m, d)
    robot = Robot(m, d, uncouple_pos_ori)
    if arm_offset is not None:
        for n, dq in zip(ARM_JOINTS, arm_offset):
            d.qpos[adr[n]] += dq
        mujoco.mj_forward(m, d)
    site = robot.controller.site
    R0 = d.site_xmat[site].reshape(3, 3).copy()

    def row():
        mujoco.mj_forward(m, d)
        return list(d.site_xpos[site]) + list(rotvec(d.site_xmat[site].reshape(3, 3) @ R0.T))

    trace = [row()]
    for a in actions:
        robot.env_step(np.asarray(a, dtype=np.float64))
        trace.append(row())
    return trace, robot.saturated


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("xml")
    ap.add_argument("--sequences")
    ap.add_argument("--model", default="as_exported")
    ap.add_argument("--coupled", action="store_true")
    args = ap.parse_args()
    seqs = issue_sequences()
    if args.sequences:
        with open(args.sequences) as f:
            seqs = json.load(f)
    m = load_model(args.xml, args.model)
    traces, saturated = {}, {}
    for name, seq in seqs.items():
        # a sequence is a list of actions, or {"actions": [...], "arm_offset": [7 rad added to init_qpos]}
        actions, offset = (seq["actions"], seq.get("arm_offset")) if isinstance(seq, dict) else (seq, None)
        traces[name], saturated[name] = run(m, actions, offset, uncouple_pos_ori=not args.coupled)
    print(json.dumps({"version": mujoco.__version__, "model": args.model, "coupled": args.coupled, "traces": traces, "saturated_substeps": saturated}))


if __name__ == "__main__":
    main()
