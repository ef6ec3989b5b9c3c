#!/usr/bin/env bash
# One piece of a long `npm run train` on a GPU host, resumable across device calls. Here, from the project
# root (the run directory to continue packed as runs/carry/<RUN>.tar.xz.part-*, each ≤ 15 MiB):
#   ../shared/device/pack.sh src/cli/train.ts && bash benchmarks/device/bundle-workers.sh
#   cp benchmarks/device/runpiece.sh .device/ && xz -T2 .device/app.mjs .device/workers/*.mjs
# there (carry .device, runs/carry and the demos):
#   RUN=runG bash .device/runpiece.sh SECONDS --suite libero_spatial --preset base --backend webgpu ...
# The run lives in /tmp/<RUN> while the machine stays warm; a fresh machine restores it from runs/carry.
# After SECONDS the run gets SIGINT (it finishes or abandons its step and writes a checkpoint); the run
# directory then goes back in $OUT as <RUN>.tar.xz.part-* (SFT weights left out once RL has a checkpoint:
# resuming RL does not read them).
set -uo pipefail
LIMIT=$1
shift
RUN=${RUN:?set RUN to the run directory name}
d=$(cd "$(dirname "$0")" && pwd)
for f in "$d"/app.mjs.xz "$d"/workers/*.mjs.xz; do [ -f "$f" ] && xz -d "$f"; done
if [ ! -d "/tmp/$RUN" ]; then
  mkdir -p "/tmp/$RUN"
  cat runs/carry/"$RUN".tar.xz.part-* | tar -xJf - -C "/tmp/$RUN"
fi
SIMPLEVLA_ENV_WORKER="$d/workers/envWorker.mjs" SIMPLEVLA_DEMO_WORKER="$d/workers/demoWorker.mjs" \
  timeout -s INT "$LIMIT" bash "$d/boot.sh" "$@" --out "/tmp/$RUN" --resume
rc=$?
skip=()
[ -f "/tmp/$RUN/rl/checkpoint.json" ] && skip=(--exclude='./sft/*.bin')
(cd "/tmp/$RUN" && tar -cf - "${skip[@]}" --exclude='./videos' . | xz -T0 -3) | split -b 15M - "$OUT/$RUN.tar.xz.part-"
cp /tmp/$RUN/metrics.jsonl "$OUT/" 2>/dev/null
echo "runpiece: exit $rc; run directory packed into $(ls "$OUT"/"$RUN".tar.xz.part-* | wc -l) part(s)"
exit $rc
