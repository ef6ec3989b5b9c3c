/**
 * The Franka Panda arm with robosuite's Panda gripper, as LIBERO uses them (robosuite 1.4), built from
 * primitive geoms.
 *
 * Kept exactly as robosuite: link frames (positions, quaternions), joint axes (local +z) and ranges,
 * link inertials (mass, centre, diagonal inertia), joint damping, the armature 5/(i+1) and frictionloss 0.1 that
 * robosuite adds, torque motors ±80 N·m (j1–5) and ±12 N·m (j6–7), `right_hand` 0.1065 m past link7
 * rotated −45° about z, the gripper frame rotated −90° about z on the hand, the TCP site `grip_site` at
 * +0.097 on the gripper z axis (0.2035 m from the link7 origin), finger slides 0…0.04 m with damping 100,
 * armature 1, frictionloss 1, position servos kp 1000 limited to ±20 N, finger pads with friction
 * (2, 0.05, 0.0001), and PandaGripper's inertials: the hand 0.3 kg at z 0.17 with diag (0.09, 0.07, 0.05)
 * rotated 90° about x, each finger 0.1 kg at z 0.05 with diag (0.01, 0.01, 0.005) plus a 0.01 kg fingertip
 * body with diag 0.01 (robosuite's panda_gripper.xml). Those gripper inertias are large for the masses, and they
 * matter: they slow wrist rotations under the ±12 N·m limits of j6–7 (10 steps of +1 about z turn the TCP 0.60
 * rad, not the 1.1 rad of a light gripper); `npm run bench -- osc` compares our OSC with a robosuite reference on
 * this model. Sources: LIBERO.md §3 and §7 of the project's reference notes.
 *
 * As robosuite's, the hand and finger bodies are turned +90° about the gripper z axis, so the fingers slide along
 * the gripper (and TCP site) x axis: world ±y at `init_qpos`.
 *
 * Approximated: the link shapes. robosuite collides with convex meshes of the real links; we use one or two
 * capsules per link along the segment between consecutive joint origins, radii from the real link widths.
 * Robot links do not collide with each other (contype/conaffinity below): the tasks never need arm
 * self-contact, and capsules of non-adjacent links overlap at the elbow and wrist where meshes do not.
 *
 * Names follow robosuite's prefixes so that LIBERO-style code reads the same: `robot0_joint1…7`,
 * `gripper0_finger_joint1/2`, `gripper0_grip_site`, `robot0_right_hand`, camera `robot0_eye_in_hand`.
 */
import { el, type MjcfElement } from "../mjcf.ts";

/** robosuite's Panda `init_qpos` (rad): the gripper points straight down 0.27 m above a 0.90 m table. */
export const PANDA_INIT_QPOS = [0, -0.161037389, 0, -2.44459747, 0, 2.2267522, Math.PI / 4] as const;
/** Finger joint positions at reset (m): half open, as robosuite's gripper `init_qpos`. */
export const GRIPPER_INIT_QPOS = [0.020833, -0.020833] as const;
/** Arm torque limits (N·m), robosuite's `ctrlrange` of the motors. */
export const PANDA_TORQUE_LIMITS = [80, 80, 80, 80, 80, 12, 12] as const;

export const ARM_JOINTS = [1, 2, 3, 4, 5, 6, 7].map((i) => `robot0_joint${i}`);
export const ARM_ACTUATORS = [1, 2, 3, 4, 5, 6, 7].map((i) => `robot0_torq_j${i}`);
export const FINGER_JOINTS = ["gripper0_finger_joint1", "gripper0_finger_joint2"];
export const FINGER_ACTUATORS = ["gripper0_finger_j1", "gripper0_finger_j2"];
export const GRIP_SITE = "gripper0_grip_site";
export const HAND_BODY = "robot0_right_hand";
export const WRIST_CAMERA = "robot0_eye_in_hand";

/**
 * Collision classes. Robot geoms have contype 2 / conaffinity 1; everything else (tables, objects, fixtures)
 * uses contype 1 / conaffinity 3. MuJoCo collides two geoms when (type₁ & aff₂) || (type₂ & aff₁): robot–world
 * and world–world collide, robot–robot does not.
 */
export const ROBOT_CONTACT = { contype: 2, conaffinity: 1 } as const;
export const WORLD_CONTACT = { contype: 1, conaffinity: 3 } as const;

const WHITE = [0.92, 0.92, 0.93, 1];
const DARK = [0.25, 0.25, 0.25, 1];

interface LinkSpec {
  pos: number[];
  quat?: number[];
  inertial: { pos: number[]; mass: number; diag: number };
  range: [number, number];
  damping: number;
  /** capsules as [fromto (6 numbers), radius, rgba] in the link frame */
  capsules: [number[], number, number[]][];
}

const R = 0.707107;
// Link frames, inertials, ranges and damping: robosuite 1.4 robots/panda/robot.xml.
const LINKS: LinkSpec[] = [
  { pos: [0, 0, 0.333], inertial: { pos: [0, 0, -0.07], mass: 3, diag: 0.3 }, range: [-2.8973, 2.8973], damping: 0.1,
    capsules: [[[0, 0, -0.19, 0, 0, -0.03], 0.06, WHITE], [[0, -0.05, 0, 0, 0.05, 0], 0.06, WHITE]] },
  { pos: [0, 0, 0], quat: [R, -R, 0, 0], inertial: { pos: [0, -0.1, 0], mass: 3, diag: 0.3 }, range: [-1.7628, 1.7628], damping: 0.1,
    capsules: [[[0, -0.02, 0, 0, -0.21, 0], 0.06, WHITE]] },
  { pos: [0, -0.316, 0], quat: [R, R, 0, 0], inertial: { pos: [0.04, 0, -0.05], mass: 2, diag: 0.2 }, range: [-2.8973, 2.8973], damping: 0.1,
    capsules: [[[0, 0, -0.1, 0, 0, -0.02], 0.055, WHITE], [[0.0825, 0, -0.05, 0.0825, 0, 0.05], 0.055, WHITE]] },
  { pos: [0.0825, 0, 0], quat: [R, R, 0, 0], inertial: { pos: [-0.04, 0.05, 0], mass: 2, diag: 0.2 }, range: [-3.0718, -0.0698], damping: 0.1,
    capsules: [[[0, 0, -0.05, 0, 0, 0.05], 0.055, DARK], [[-0.0825, 0.06, 0, -0.0825, 0.12, 0], 0.055, WHITE]] },
  { pos: [-0.0825, 0.384, 0], quat: [R, -R, 0, 0], inertial: { pos: [0, 0, -0.15], mass: 2, diag: 0.2 }, range: [-2.8973, 2.8973], damping: 0.1,
    capsules: [[[0, 0, -0.25, 0, 0, -0.05], 0.05, WHITE], [[0, 0.06, -0.2, 0, 0.07, -0.1], 0.035, WHITE]] },
  { pos: [0, 0, 0], quat: [R, R, 0, 0], inertial: { pos: [0.06, 0, 0], mass: 1.5, diag: 0.1 }, range: [-0.0175, 3.7525], damping: 0.01,
    capsules: [[[0, 0, -0.04, 0, 0, 0.02], 0.05, DARK], [[0.0, 0, 0, 0.088, 0, 0], 0.045, WHITE]] },
  { pos: [0.088, 0, 0], quat: [R, R, 0, 0], inertial: { pos: [0, 0, 0.08], mass: 0.5, diag: 0.05 }, range: [-2.8973, 2.8973], damping: 0.01,
    capsules: [[[0, 0, -0.03, 0, 0, 0.08], 0.045, DARK]] },
];

function capsule(name: string, fromto: number[], size: number, rgba: number[]): MjcfElement {
  return el("geom", { name, type: "capsule", fromto, size, rgba, group: 0, ...ROBOT_CONTACT });
}

/** The gripper subtree (robosuite PandaGripper), attached to the hand. */
function gripper(): MjcfElement {
  // Fingers start 0.0524 m down the gripper z axis, their bodies turned +90° about it (as PandaGripper's), so
  // that they slide along the gripper's x axis: finger 1 opens along its local +y = gripper −x, finger 2 along
  // gripper +x. Finger boxes are 2 cm wide (local y, outward from the inner face), 2 cm deep (local x), 5.4 cm
  // long (z). The hand box is long (19 cm) along the gripper x axis, the fingers' travel.
  const finger = (i: 1 | 2) => {
    const s = i === 1 ? 1 : -1;
    return el(
      "body",
      { name: `gripper0_${i === 1 ? "leftfinger" : "rightfinger"}`, pos: [0, 0, 0.0524], quat: [R, 0, 0, R] },
      el("inertial", { pos: [0, 0, 0.05], mass: 0.1, diaginertia: [0.01, 0.01, 0.005] }),
      el("joint", {
        name: `gripper0_finger_joint${i}`, type: "slide", axis: [0, 1, 0],
        range: i === 1 ? [0, 0.04] : [-0.04, 0], damping: 100, armature: 1, frictionloss: 1,
      }),
      el("geom", {
        name: `gripper0_finger${i}_collision`, type: "box", size: [0.01, 0.008, 0.024], pos: [0, s * 0.008, 0.024],
        rgba: DARK, group: 0, friction: [1, 0.005, 0.0001], ...ROBOT_CONTACT,
      }),
      el("geom", {
        name: `gripper0_finger${i}_pad_collision`, type: "box", size: [0.008, 0.004, 0.008], pos: [0, s * 0.004, 0.046],
        rgba: [0.15, 0.15, 0.15, 1], group: 0, friction: [2, 0.05, 0.0001], solref: [0.01, 0.5], ...ROBOT_CONTACT,
      }),
      // robosuite's fingertip body: inertia only (its pad geom is the one above, kept on the finger)
      el(
        "body",
        { name: `gripper0_finger_joint${i}_tip`, pos: [0, s * 0.0085, 0.056] },
        el("inertial", { pos: [0, 0, 0], mass: 0.01, diaginertia: [0.01, 0.01, 0.01] }),
      ),
    );
  };
  return el(
    "body",
    { name: "gripper0_right_gripper", pos: [0, 0, 0], quat: [R, 0, 0, -R] },
    el("inertial", { pos: [0, 0, 0.17], quat: [R, R, 0, 0], mass: 0.3, diaginertia: [0.09, 0.07, 0.05] }),
    el("geom", { name: "gripper0_hand_collision", type: "box", size: [0.095, 0.025, 0.026], pos: [0, 0, 0.026], rgba: WHITE, group: 0, ...ROBOT_CONTACT }),
    el("site", { name: GRIP_SITE, pos: [0, 0, 0.097], size: [0.005], rgba: [1, 0, 0, 0], group: 3 }),
    finger(1),
    finger(2),
  );
}

/**
 * The arm's body tree rooted at `robot0_base`, placed at `basePos` (world, metres) facing +x, plus its
 * actuators. `mount` adds the pedestal robosuite puts under table-mounted arms (visual and collision).
 */
export function pandaMjcf(basePos: readonly number[], opts: { mount?: boolean } = {}): { body: MjcfElement; actuators: MjcfElement[] } {
  let tip: MjcfElement = el(
    "body",
    { name: HAND_BODY, pos: [0, 0, 0.1065], quat: [0.924, 0, 0, -0.383] },
    el("inertial", { pos: [0, 0, 0], mass: 0.5, diaginertia: [0.05, 0.05, 0.05] }),
    el("camera", { name: WRIST_CAMERA, mode: "fixed", pos: [0.05, 0, 0], quat: [0, 0.707108, 0.707108, 0], fovy: 75 }),
    gripper(),
  );
  for (let i = LINKS.length - 1; i >= 0; i--) {
    const l = LINKS[i];
    tip = el(
      "body",
      { name: `robot0_link${i + 1}`, pos: l.pos, quat: l.quat },
      el("inertial", { pos: l.inertial.pos, mass: l.inertial.mass, diaginertia: [l.inertial.diag, l.inertial.diag, l.inertial.diag] }),
      // robosuite adds armature 5/(i+1) and frictionloss 0.1 to every arm joint.
      el("joint", {
        name: ARM_JOINTS[i], type: "hinge", axis: [0, 0, 1], limited: true, range: l.range,
        damping: l.damping, armature: 5 / (i + 1), frictionloss: 0.1,
      }),
      l.capsules.map(([fromto, r, rgba], k) => capsule(`robot0_link${i + 1}_collision${k}`, fromto, r, rgba)),
      tip,
    );
  }
  const link0 = el(
    "body",
    { name: "robot0_link0", pos: [0, 0, 0] },
    el("inertial", { pos: [0, 0, 0.05], mass: 4, diaginertia: [0.4, 0.4, 0.4] }),
    el("geom", { name: "robot0_link0_collision", type: "cylinder", fromto: [-0.03, 0, 0, -0.03, 0, 0.14], size: [0.09], rgba: WHITE, group: 0, ...ROBOT_CONTACT }),
    tip,
  );
  const mountGeoms = opts.mount
    ? [
        // robosuite's RethinkMount: a pedestal whose top is 0.01 below the arm base; here a plain cylinder.
        el("geom", { name: "robot0_mount", type: "cylinder", fromto: [-0.04, 0, -basePos[2], -0.04, 0, -0.01], size: [0.11], rgba: [0.2, 0.2, 0.22, 1], group: 0, ...WORLD_CONTACT }),
      ]
    : [];
  const body = el("body", { name: "robot0_base", pos: basePos }, mountGeoms, link0);
  const actuators = [
    ...ARM_ACTUATORS.map((name, i) =>
      el("motor", { name, joint: ARM_JOINTS[i], ctrllimited: true, ctrlrange: [-PANDA_TORQUE_LIMITS[i], PANDA_TORQUE_LIMITS[i]] }),
    ),
    el("position", { name: FINGER_ACTUATORS[0], joint: FINGER_JOINTS[0], kp: 1000, ctrllimited: true, ctrlrange: [0, 0.04], forcelimited: true, forcerange: [-20, 20] }),
    el("position", { name: FINGER_ACTUATORS[1], joint: FINGER_JOINTS[1], kp: 1000, ctrllimited: true, ctrlrange: [-0.04, 0], forcelimited: true, forcerange: [-20, 20] }),
  ];
  return { body, actuators };
}
