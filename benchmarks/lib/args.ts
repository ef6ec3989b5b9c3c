/**
 * Command-line flags of the benchmark scripts (`npm run bench -- name --flag value` passes them on).
 */

/** The value after `--name` on the command line, or `fallback` when the flag is absent or has no value. */
export function flag(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && i + 1 < process.argv.length ? process.argv[i + 1] : fallback;
}
