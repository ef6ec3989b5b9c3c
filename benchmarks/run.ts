/**
 * `npm run bench [-- name ...] [--flags]`: runs every benchmark in `benchmarks/` (each a standalone script that
 * prints its own tables) one after another, so that they never compete for the two cores. With names, runs only
 * those; flags (e.g. `--quick`, `--backend wasm`) are passed on to each benchmark run.
 */
import { spawnSync } from "node:child_process";
import { readdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const here = dirname(fileURLToPath(import.meta.url));
const all = readdirSync(here)
  .filter((f) => f.endsWith(".ts") && f !== "run.ts")
  .map((f) => f.replace(/\.ts$/, ""))
  .sort();
const args = process.argv.slice(2);
// a name is an argument that is not a flag and not the value of a preceding flag
const wanted = args.filter((a, i) => !a.startsWith("-") && !(i > 0 && args[i - 1].startsWith("--") && !all.includes(a)));
const flags = args.filter((a) => !wanted.includes(a));
const unknown = wanted.filter((w) => !all.includes(w));
if (unknown.length > 0) {
  console.error(`Unknown benchmark ${unknown.map((u) => `'${u}'`).join(", ")}; valid ones: ${all.join(", ")}.`);
  process.exit(2);
}
let failed = 0;
for (const name of wanted.length > 0 ? wanted : all) {
  console.log(`\n## benchmark: ${name}\n`);
  const r = spawnSync(process.execPath, ["--import", "tsx", join(here, `${name}.ts`), ...flags], { stdio: "inherit" });
  if (r.status !== 0) {
    console.error(`benchmark ${name} failed with exit code ${r.status}`);
    failed++;
  }
}
process.exit(failed > 0 ? 1 : 0);
