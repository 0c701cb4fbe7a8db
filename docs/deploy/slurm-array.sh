#!/bin/bash
# Explain a folder of images on a Slurm cluster: a job array, one task per share of the folder.
#   sbatch docs/deploy/slurm-array.sh MODEL IMAGES OUT [explain options...]
# Each task runs model-lens explain --shard K/N into OUT/shard-K, K from 1 to N: SLURM_ARRAY_TASK_ID
# itself with --array=1-N (as below), and counted from 1 whatever numbers the array uses (--array=0-3
# gives shards 1/4 … 4/4 too), N the array's size. Afterwards: model-lens merge OUT/shard-* --out OUT/merged (or sbatch --dependency=afterok:JOBID
# with the merge line below alone). model-lens is the command line on the PATH (npm install -g, or
# MODEL_LENS="apptainer exec model-lens.sif model-lens" for the container of the Dockerfile).
#SBATCH --job-name=model-lens-explain
#SBATCH --array=1-4
#SBATCH --cpus-per-task=2
#SBATCH --mem=8G
#SBATCH --time=01:00:00
#SBATCH --output=model-lens-%A_%a.log
set -euo pipefail

if [ "$#" -lt 3 ]; then
  echo "usage: sbatch $0 MODEL IMAGES OUT [explain options...]" >&2
  exit 2
fi
MODEL=$1
IMAGES=$2
OUT=$3
shift 3

: "${SLURM_ARRAY_TASK_ID:?run this script with sbatch --array (SLURM_ARRAY_TASK_ID is not set)}"
K=$((SLURM_ARRAY_TASK_ID - ${SLURM_ARRAY_TASK_MIN:-1} + 1))
N=${SLURM_ARRAY_TASK_COUNT:-$((${SLURM_ARRAY_TASK_MAX:-$SLURM_ARRAY_TASK_ID} - ${SLURM_ARRAY_TASK_MIN:-1} + 1))}

# One worker per CPU Slurm gave the task.
exec ${MODEL_LENS:-model-lens} explain "$MODEL" "$IMAGES" --shard "$K/$N" --out "$OUT/shard-$K" --workers "${SLURM_CPUS_PER_TASK:-1}" "$@"
