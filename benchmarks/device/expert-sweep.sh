#!/usr/bin/env bash
# The scripted expert over all 50 train init states of every task of the five suites (6,500 episodes), on a
# GPU host's CPU cores: one `benchmarks/expert.ts` process per (suite, task), 16 at a time. Here, from the
# project root:
#   ../shared/device/pack.sh benchmarks/expert.ts && cp benchmarks/device/expert-sweep.sh .device/
# there (carry .device):
#   bash .device/expert-sweep.sh [SECONDS]
# Each task's table lands in /tmp/sweep/<suite>-<task>.txt; they are packed into $OUT/expert-sweep.tgz every
# 15 s, so a run cut off at SECONDS (default 320) still returns the tasks it finished. Main suites go first.
# A task whose table is complete is skipped, so calling it again on the still-warm machine goes on where the
# last call stopped.
LIMIT=${1:-320}
d=$(cd "$(dirname "$0")" && pwd)
mkdir -p /tmp/sweep
bash "$d/boot.sh" --suites libero_spatial --tasks 0 --trials 1 > /tmp/sweep/warmup.txt 2>&1 # unpacks node
jobs=()
for s in libero_spatial libero_object libero_goal libero_10; do for t in $(seq 0 9); do jobs+=("$s $t"); done; done
for t in $(seq 0 89); do jobs+=("libero_90 $t"); done
todo=()
for j in "${jobs[@]}"; do
  set -- $j
  grep -q "episodes in" "/tmp/sweep/$1-$2.txt" 2>/dev/null || todo+=("$j")
done
echo "${#todo[@]} of ${#jobs[@]} tasks to run"
pack() { (cd /tmp/sweep && tar -czf "$OUT/.sweep.tgz" ./*.txt && mv "$OUT/.sweep.tgz" "$OUT/expert-sweep.tgz"); }
(while sleep 15; do pack; done) &
packer=$!
printf '%s\n' "${todo[@]}" | timeout "$LIMIT" xargs -P 16 -L 1 bash -c \
  'TFJS_WASM_DIR='"$d"'/wasm /tmp/node '"$d"'/app.mjs --suites $0 --tasks $1 --trials 50 > "/tmp/sweep/$0-$1.txt" 2>&1'
kill "$packer"
pack
echo "$(grep -l "episodes in" /tmp/sweep/*.txt | wc -l) of ${#jobs[@]} tasks finished, $(nproc) cores"
