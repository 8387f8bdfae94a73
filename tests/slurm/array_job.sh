#!/bin/bash
#SBATCH --job-name=grassroots
#SBATCH --array=1-20
#SBATCH --cpus-per-task=8
# Array task K of N runs shard K/N of the study into shards/K.
SCENARIO=${SCENARIO:-scenarios/sweep_supervision_incentive.toml}
SHARDS=${SHARDS:-shards}
N=${N:-$SLURM_ARRAY_TASK_COUNT}
grassroots sweep "$SCENARIO" --shard "$SLURM_ARRAY_TASK_ID/$N" \
  --threads "$SLURM_CPUS_PER_TASK" --out "$SHARDS/$SLURM_ARRAY_TASK_ID"
# Once every task has finished:
#   grassroots merge shards/* --out output/sweep_supervision_incentive_sweep
