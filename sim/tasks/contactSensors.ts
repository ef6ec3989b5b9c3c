/**
 * Contact queries as MuJoCo contact sensors.
 *
 * LIBERO's On predicate needs "is any collision geom of A touching one of B". Reading MuJoCo's contact list
 * from mujoco-js is slow (`data.contact.get(i)` copies a whole mjContact struct: ≈80 µs per contact on the
 * development machine, several ms per step in a cluttered scene), so for every body pair a task's goal can
 * ask about we compile a `<contact subtree1 subtree2 data="found">` sensor into the scene. MuJoCo then counts
 * the matching contacts during collision detection and the predicate reads one number from `sensordata`.
 * Subtrees include every geom under the body; our scenes make purely visual geoms non-colliding
 * (contype 0 / conaffinity 0), so the count covers exactly the collision geoms as robosuite's check_contact.
 */
import { bodyName, resolveRegion } from "./naming.ts";
import type { TaskSpec } from "./types.ts";

/** The sensor name for a body pair (order-independent). */
export function contactSensorName(bodyA: string, bodyB: string): string {
  const [a, b] = [bodyA, bodyB].sort();
  return `contact__${a}__${b}`;
}

/** Body pairs whose contact the task's goal atoms can query (On over objects and over owned regions). */
export function goalContactPairs(task: TaskSpec): [string, string][] {
  const pairs = new Map<string, [string, string]>();
  for (const atom of task.goal) {
    if (atom.op !== "On") continue;
    const [a, b] = atom.args;
    const region = resolveRegion(task, b);
    const other = region === null ? b : region.owner;
    if (other === null) continue;
    const pair: [string, string] = [bodyName(a), bodyName(other)];
    pairs.set(contactSensorName(...pair), pair);
  }
  return [...pairs.values()];
}

/** `<sensor>` block counting contacts of each pair; to be placed inside `<mujoco>`. */
export function contactSensorsXml(pairs: [string, string][]): string {
  if (pairs.length === 0) return "";
  const lines = pairs.map(
    ([a, b]) => `    <contact name="${contactSensorName(a, b)}" subtree1="${a}" subtree2="${b}" data="found" reduce="mindist"/>`,
  );
  return `  <sensor>\n${lines.join("\n")}\n  </sensor>\n`;
}

/** Inserts a sensor block before the closing `</mujoco>` of a generated MJCF. */
export function withContactSensors(xml: string, pairs: [string, string][]): string {
  const block = contactSensorsXml(pairs);
  if (block === "") return xml;
  const end = xml.lastIndexOf("</mujoco>");
  if (end < 0) throw new Error("withContactSensors: the MJCF has no closing </mujoco> tag.");
  return xml.slice(0, end) + block + xml.slice(end);
}
