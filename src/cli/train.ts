/**
 * `npm run train -- [options]`: demos → SFT → evaluation → RL → evaluation → report, in one run directory
 * (src/pipeline/run.ts). `--help` lists every setting with the chosen preset's defaults.
 */
import { runCli } from "./errors.ts";
import { loadTrainConfig } from "../config/overrides.ts";
import { runTraining } from "../pipeline/run.ts";

await runCli(async (argv) => {
  const loaded = loadTrainConfig(argv);
  if ("help" in loaded) {
    process.stdout.write(loaded.help);
    return;
  }
  const resumeHint = `npm run train -- ${[...argv.filter((a) => a !== "--resume"), "--resume"].join(" ")}`;
  await runTraining(loaded.config, { resumeHint });
});
