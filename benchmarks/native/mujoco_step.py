"""Native MuJoCo (Python bindings) stepping an exported MJCF, for the `sim` benchmark's side-by-side row.

usage: python3 mujoco_step.py SCENE.xml QPOS_JSON SECONDS
Prints one JSON line: {"version": ..., "substeps_per_s": ..., "us_per_substep": ..., "ncon_mean": ...}.
Same protocol as ours: from the given qpos with zero velocity and zero controls, 2000 substeps per episode,
episodes repeated until SECONDS of wall-clock have passed (after one warm-up episode).
"""
import json
import sys
import time

import mujoco


def main() -> None:
    xml, qpos_json, seconds = sys.argv[1], sys.argv[2], float(sys.argv[3])
    m = mujoco.MjModel.from_xml_path(xml)
    d = mujoco.MjData(m)
    qpos = json.loads(qpos_json)

    def episode() -> float:
        mujoco.mj_resetData(m, d)
        d.qpos[:] = qpos
        mujoco.mj_forward(m, d)
        ncon = 0
        for _ in range(2000):
            mujoco.mj_step(m, d)
            ncon += d.ncon
        return ncon / 2000

    episode()
    steps, ncon_sum, episodes = 0, 0.0, 0
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < seconds:
        ncon_sum += episode()
        steps += 2000
        episodes += 1
    dt = time.perf_counter() - t0
    print(json.dumps({
        "version": mujoco.__version__,
        "substeps_per_s": steps / dt,
        "us_per_substep": dt / steps * 1e6,
        "ncon_mean": ncon_sum / episodes,
    }))


if __name__ == "__main__":
    main()
