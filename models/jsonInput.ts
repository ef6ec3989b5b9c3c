/**
 * The first step of every `fromJSON` in `models/`: accept parsed JSON or a JSON string, and insist on an
 * object. `where` names the source (a file path, a checkpoint) and `expected` what it should hold, so that a
 * bad file gets one sentence naming both.
 */
export function jsonObject(value: unknown, where: string, expected: string): Record<string, unknown> {
  let obj = value;
  if (typeof value === "string") {
    try {
      obj = JSON.parse(value);
    } catch (err) {
      throw new Error(`${where}: not valid JSON (${(err as Error).message}).`);
    }
  }
  if (typeof obj !== "object" || obj === null || Array.isArray(obj)) {
    throw new Error(`${where}: expected ${expected}; got ${obj === null ? "null" : Array.isArray(obj) ? "an array" : typeof obj}.`);
  }
  return obj as Record<string, unknown>;
}
