/**
 * Command-line flags of the benchmark scripts (`npm run bench -- name --flag value` passes them on).
 */

/** The value after `--name` on the command line, or `fallback` when the flag is absent or has no value. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}

/** `--name` as a comma list of positive integers (`fallback` when absent); anything else is an error naming the flag. */
export function positiveIntsFlag(name: string, fallback: string): number[] {
  return flag(name, fallback).split(",").map((raw) => {
    const n = Number(raw);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${name} takes positive integers, got '${raw}'.`);
    return n;
  });
}

/** `--name` as one positive integer (`fallback` when absent). */
export function positiveIntFlag(name: string, fallback: string): number {
  const values = positiveIntsFlag(name, fallback);
  if (values.length !== 1) throw new Error(`--${name} takes one positive integer, got '${flag(name, fallback)}'.`);
  return values[0];
}
