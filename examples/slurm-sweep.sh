#!/usr/bin/env bash
# A kyoso sweep as a Slurm job array: one array task per shard, then a merge.
#
#   sbatch --array=1-16 examples/slurm-sweep.sh          # the shards
#   sbatch --dependency=afterok:<array-job-id> --wrap \
#     "kyoso merge sweeps/detect/shard-* --out sweeps/detect/merged"
#
# Each task writes its own folder; a task that is preempted or times out is
# simply resubmitted: --resume continues from its journal and loses nothing.
#SBATCH --job-name=kyoso-sweep
#SBATCH --cpus-per-task=4
#SBATCH --mem=2G
#SBATCH --time=01:00:00
#SBATCH --output=sweeps/detect/slurm-%A_%a.log
set -euo pipefail

SHARDS=${SLURM_ARRAY_TASK_COUNT:?run with sbatch --array=1-N}
SHARD=${SLURM_ARRAY_TASK_ID:?run with sbatch --array=1-N}
ROOT=${ROOT:-sweeps/detect}
OUT=$ROOT/shard-$(printf '%03d' "$SHARD")
mkdir -p "$ROOT"

# REPS and EXTRA (extra kyoso flags, e.g. "--ticks 240") can be set with sbatch --export.
# shellcheck disable=SC2086
${KYOSO:-kyoso} sweep silent-rivalry \
  --vary encounters.detect=0:1:11 \
  --vary market.omega_cross=0.1,0.2,0.4 \
  --reps "${REPS:-50}" --seed 2026 ${EXTRA:-} \
  --jobs "${SLURM_CPUS_PER_TASK:-1}" \
  --shard "$SHARD/$SHARDS" --resume --quiet \
  --out "$OUT"
