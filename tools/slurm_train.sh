#!/usr/bin/env bash
# Train (or evaluate) with tools/lazyconfig_train_net.py on a Slurm cluster.
#
# Usage: tools/slurm_train.sh PARTITION JOB_NAME CONFIG NODES GPUS_PER_NODE [tool args...]
#   e.g. tools/slurm_train.sh gpu selsa \
#       projects/SELSA/configs/selsa_faster_rcnn_r50_dc5_7e_imagenetvid.py 2 8 train.output_dir=out
#
# One Slurm task runs per node; Detectron2's launch() then spawns GPUS_PER_NODE workers on it.
# The first node of the allocation hosts the rendezvous (PORT, default a free-ish 29500+).
# Extra environment: SRUN_ARGS (passed to srun), PYTHON (default .venv/bin/python).
set -euo pipefail

if [ $# -lt 5 ]; then
  sed -n '2,9p' "$0" >&2
  exit 2
fi
PARTITION=$1 JOB_NAME=$2 CONFIG=$3 NODES=$4 GPUS=$5
shift 5
PYTHON=${PYTHON:-.venv/bin/python}
PORT=${PORT:-$((29500 + RANDOM % 1000))}
SRUN_ARGS=${SRUN_ARGS:-}

# shellcheck disable=SC2086
srun --partition="$PARTITION" --job-name="$JOB_NAME" --nodes="$NODES" --ntasks-per-node=1 \
  --gres="gpu:$GPUS" --cpus-per-task=$((GPUS * 5)) --kill-on-bad-exit=1 $SRUN_ARGS \
  bash -c '
    MASTER=$(scontrol show hostnames "$SLURM_JOB_NODELIST" | head -n 1)
    exec "$0" tools/lazyconfig_train_net.py --config-file "$1" \
      --num-gpus "$2" --num-machines "$SLURM_NNODES" --machine-rank "$SLURM_NODEID" \
      --dist-url "tcp://$MASTER:$3" "${@:4}"
  ' "$PYTHON" "$CONFIG" "$GPUS" "$PORT" "$@"
