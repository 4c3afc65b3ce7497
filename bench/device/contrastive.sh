#!/usr/bin/env bash
# Issue 7's open item on a lent GPU, as one device call: the fused InfoNCE forward + backward vs the
# engine's F.matmul (GFLOP/s ratio, target >= 50 %), plus what bounds it: the host's recording cost per call
# (bench/contrastive/record.mjs) and the queue-size scaling (fixed vs per-negative cost). tfjs is left out
# (its x11-x13 on the H100 is met and needs the tfjs bundles carried).
#
# Here:  npm run build:ts && bash bench/device/pack.sh
# Then:  device `run` with carry [".gpu", "build/tsc/src", "build/wasm"], command
#        `bash bench/device/contrastive.sh`, timeout_s ~420 (webgpu resolves from the repo's node_modules,
#        which setup.sh fills). Writes $OUT/contrastive/*.json and *.txt.
# Dry run here (no setup, few iterations): SSCL_NO_SETUP=1 SSCL_ITERS=2 OUT=/tmp/devout bash bench/device/contrastive.sh
set -uo pipefail
cd "$(dirname "$0")/../.."
[ -n "${SSCL_NO_SETUP:-}" ] || source bench/device/setup.sh
IT="${SSCL_ITERS:-100}"
export SSCL_SRC="$(pwd)/build/tsc/src/"
O="${OUT:-/tmp/out}/contrastive"
mkdir -p "$O"
(nvidia-smi -L; node --version; nproc) > "$O/machine.txt" 2>&1
node bench/contrastive/record.mjs > "$O/record.txt" 2>&1
for r in 1 2 3; do
  timeout 120 node bench/contrastive/run.mjs --no-tf --iters "$IT" --json "$O/paper_run$r.json" >> "$O/run.txt" 2>&1
done
for K in 4096 65536; do
  timeout 120 node bench/contrastive/run.mjs --no-tf --iters "$IT" --K "$K" --json "$O/K$K.json" >> "$O/run.txt" 2>&1
done
cat "$O/machine.txt" "$O/record.txt" "$O/run.txt" | grep -v '^Warning'
# the GPU layout's shape (queries per workgroup x tile columns), interleaved rounds
timeout 120 node bench/contrastive/tune.mjs --qb 8x64,16x64,8x128,4x64 --rounds 3 --iters "$IT" > "$O/tune.txt" 2>&1
grep -v '^Warning' "$O/tune.txt"
