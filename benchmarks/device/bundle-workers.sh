#!/usr/bin/env bash
# Bundles the worker-thread entries (env workers of the rollout engine, demo workers, the policy threads of a
# CPU backend) next to the main entry
# that ../shared/device/pack.sh put into .device/, for a GPU host without Node's TypeScript loader. Run from
# the project root after pack.sh; then on the host:
#   SIMPLEVLA_ENV_WORKER=.device/workers/envWorker.mjs SIMPLEVLA_DEMO_WORKER=.device/workers/demoWorker.mjs \
#     SIMPLEVLA_POLICY_WORKER=.device/workers/policyWorker.mjs bash .device/boot.sh ARGS
set -euo pipefail
[ -d .device ] || { echo "run ../shared/device/pack.sh ENTRY.ts first (it creates .device/)" >&2; exit 2; }
mkdir -p .device/workers
banner="import {createRequire as __cr} from 'module'; import {fileURLToPath as __fu} from 'url'; import {dirname as __dn} from 'path'; const require = __cr(import.meta.url); const __filename = __fu(import.meta.url); const __dirname = __dn(__filename);"
for entry in algorithms/rollout/envWorker.ts src/demos/demoWorker.ts algorithms/rollout/policyWorker.ts; do
  name=$(basename "$entry" .ts)
  node_modules/.bin/esbuild "$entry" --bundle --platform=node --format=esm --target=node20 \
    --outfile=".device/workers/$name.mjs" --external:webgpu --external:@tensorflow/tfjs-node-gpu \
    --external:@tensorflow/tfjs-node --banner:js="$banner" --log-level=warning
done
du -sh .device/workers | awk '{print "bundled workers: " $1 " in .device/workers/"}'
