#!/usr/bin/env bash
# The README's Slurm job array (tests/slurm/array_job.sh) under a real
# scheduler: start a private single-node Slurm cluster, submit the job array
# for a study, merge the shards and check that the result files are
# byte-identical to the same study run on one machine.
#
#   bash tests/slurm/run.sh          (as root; .ci/run runs it)
#
# It installs Debian's slurm-wlm and munge with apt-get when they are missing
# and prints "slurm test skipped: <reason>" (exit 0) when it cannot run here:
# not Linux, not root, no apt-get to install the packages, or a Slurm daemon
# or port is already in use. Once the packages are there, any failure exits
# non-zero with "slurm test FAIL: ...".
#
# Everything it runs is private to a temporary directory (mktemp -d): the
# munge key and socket, slurm.conf (passed by SLURM_CONF), the spool, state,
# pid and log files and the study outputs. It writes nothing under /etc, never
# touches a munged or Slurm already on the machine, and stops exactly the
# three daemons it started (munged, slurmctld, slurmd), by PID, on exit.
# (While apt-get installs the packages it puts an `exit 101`
# /usr/sbin/policy-rc.d in place, if there is none, so that the packages'
# scripts start no daemons; it removes it afterwards.)
#
# Environment:
#   GRASSROOTS_SLURM=skip         skip the test
#   GRASSROOTS_SLURM_SCENARIO     study to run [scenarios/sweep_supervision_incentive.toml,
#                                 the README's; 80 runs, a few seconds on 2 cores]
#   GRASSROOTS_SLURM_SHARDS       array size [4]
#   GRASSROOTS_SLURM_TIMEOUT      seconds to wait for the job array [900]
#   GRASSROOTS_SLURM_KEEP=1       keep the temporary directory (it is kept on failure)
set -euo pipefail

REPO=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
cd "$REPO"

SCENARIO=${GRASSROOTS_SLURM_SCENARIO:-scenarios/sweep_supervision_incentive.toml}
NSHARDS=${GRASSROOTS_SLURM_SHARDS:-4}
JOB_TIMEOUT=${GRASSROOTS_SLURM_TIMEOUT:-900}

say() { echo "[slurm] $*"; }
skip() {
    echo "slurm test skipped: $*"
    exit 0
}

# ---- can it run here? ------------------------------------------------------
[ "${GRASSROOTS_SLURM:-}" = skip ] && skip "GRASSROOTS_SLURM=skip"
[ "$(uname -s)" = Linux ] || skip "not Linux"
[ "$(id -u)" = 0 ] || skip "needs root (installs packages with apt-get and runs slurmctld/slurmd with SlurmUser=root)"
[ -f "$SCENARIO" ] || skip "no study file $SCENARIO"

START=$SECONDS
INSTALL_SECONDS=0

# Build first: the compiler should not compete with the cluster for the cores.
BIN_DIR=${CARGO_TARGET_DIR:-$REPO/target}/release
if command -v cargo >/dev/null; then
    say "cargo build --release"
    cargo build --release --quiet || {
        echo "slurm test FAIL: cargo build --release failed"
        exit 1
    }
fi
[ -x "$BIN_DIR/grassroots" ] || {
    echo "slurm test FAIL: no $BIN_DIR/grassroots and no cargo to build it"
    exit 1
}

# ---- packages --------------------------------------------------------------
TOOLS="munged munge unmunge slurmctld slurmd sbatch squeue sinfo scontrol scancel"
missing() {
    local t
    for t in $TOOLS; do command -v "$t" >/dev/null || return 0; done
    return 1
}
POLICY_CREATED=""
trap '[ -z "$POLICY_CREATED" ] || rm -f /usr/sbin/policy-rc.d' EXIT
if missing; then
    command -v apt-get >/dev/null || skip "slurm-wlm/munge are not installed and there is no apt-get to install them"
    say "installing slurm-wlm and munge with apt-get"
    t0=$SECONDS
    if [ ! -e /usr/sbin/policy-rc.d ]; then
        printf '#!/bin/sh\n# grassroots tests/slurm/run.sh: no daemons started while installing\nexit 101\n' >/usr/sbin/policy-rc.d
        chmod 755 /usr/sbin/policy-rc.d
        POLICY_CREATED=1
    fi
    install_ok=1
    export DEBIAN_FRONTEND=noninteractive
    { apt-get update -qq -o DPkg::Lock::Timeout=300 && apt-get install -y -qq -o DPkg::Lock::Timeout=300 --no-install-recommends slurm-wlm munge >/dev/null; } || install_ok=""
    if [ -n "$POLICY_CREATED" ]; then
        rm -f /usr/sbin/policy-rc.d
        POLICY_CREATED=""
    fi
    [ -n "$install_ok" ] || skip "apt-get could not install slurm-wlm and munge (no network or no package source?)"
    INSTALL_SECONDS=$((SECONDS - t0))
    say "installed in ${INSTALL_SECONDS} s"
    missing && skip "slurm-wlm/munge installed but some of [$TOOLS] are still not on PATH"
fi

# A Slurm already running here is not ours to use or to stop; ours would
# clash with it on its ports.
for d in slurmctld slurmd; do
    if pids=$(pgrep -x "$d"); then
        skip "a $d is already running (pid ${pids//$'\n'/ }); this test starts its own cluster and leaves that one alone"
    fi
done
for port in 6817 6818; do
    if (exec 3<>"/dev/tcp/127.0.0.1/$port") 2>/dev/null; then
        skip "port $port (Slurm's) is already in use"
    fi
done

# ---- from here on, every failure is a FAIL -------------------------------
WORK=$(mktemp -d /tmp/grassroots-slurm.XXXXXX)
mkdir -p "$WORK"/{etc,munge,run,log,spool/ctld,spool/d}
MUNGED_PID="" CTLD_PID="" SLURMD_PID="" JOB="" VERDICT=""

fail() {
    VERDICT="FAIL: $*"
    echo "slurm test FAIL: $*"
    exit 1
}

alive() { [ -n "$1" ] && kill -0 "$1" 2>/dev/null; }

# Stop one daemon we started, by PID: TERM, then KILL after 20 s.
stop() {
    local name=$1 pid=$2
    alive "$pid" || return 0
    kill "$pid" 2>/dev/null || true
    for _ in $(seq 200); do
        alive "$pid" || break
        sleep 0.1
    done
    if alive "$pid"; then
        say "$name (pid $pid) still running after 20 s; kill -9"
        kill -9 "$pid" 2>/dev/null || true
    fi
    wait "$pid" 2>/dev/null || true
}

cleanup() {
    local rc=$?
    set +e
    if [ -n "$JOB" ] && alive "$CTLD_PID" && [ -n "$(squeue -h -j "$JOB" -o %i 2>/dev/null)" ]; then
        say "cancelling job $JOB"
        scancel "$JOB"
        for _ in $(seq 30); do
            [ -z "$(squeue -h -j "$JOB" -o %i 2>/dev/null)" ] && break
            sleep 1
        done
    fi
    stop slurmd "$SLURMD_PID"
    stop slurmctld "$CTLD_PID"
    stop munged "$MUNGED_PID"
    [ -z "$POLICY_CREATED" ] || rm -f /usr/sbin/policy-rc.d
    if [ "$rc" != 0 ]; then
        [ -n "$VERDICT" ] || echo "slurm test FAIL: a command failed (exit $rc)"
        for f in "$WORK"/log/job-*.out "$WORK"/log/*.log; do
            [ -s "$f" ] || continue
            echo "---- tail of $f"
            tail -n 10 "$f"
        done
        echo "kept $WORK for inspection"
    elif [ -n "${GRASSROOTS_SLURM_KEEP:-}" ]; then
        echo "kept $WORK"
    else
        rm -rf "$WORK"
    fi
    exit "$rc"
}
trap cleanup EXIT
trap 'VERDICT=interrupted; echo "slurm test FAIL: interrupted"; exit 130' INT TERM

# Wait up to $1 seconds for command $2... to succeed.
wait_for() {
    local limit=$1 t0=$SECONDS
    shift
    until "$@" >/dev/null 2>&1; do
        [ $((SECONDS - t0)) -lt "$limit" ] || return 1
        sleep 0.5
    done
}

# ---- the cluster (/work/shared/SLURM.md, made private to $WORK) ----------
t_cluster=$SECONDS
umask 077
head -c 1024 /dev/urandom >"$WORK/munge/munge.key"
chmod 400 "$WORK/munge/munge.key"
umask 022
SOCKET=$WORK/munge/munge.socket
# Running munged as root needs --force.
munged --foreground --force --key-file="$WORK/munge/munge.key" --socket="$SOCKET" \
    --pid-file="$WORK/run/munged.pid" --log-file="$WORK/log/munged.log" \
    --seed-file="$WORK/munge/munged.seed" >>"$WORK/log/munged.out" 2>&1 &
MUNGED_PID=$!
munge_works() { munge -n -S "$SOCKET" | unmunge -S "$SOCKET"; }
wait_for 20 munge_works || fail "munged did not answer on $SOCKET"

HOST=$(hostname -s)
CPUS=$(nproc)
MEM_MB=$(($(awk '/^MemTotal:/ {print $2}' /proc/meminfo) * 9 / 10 / 1024))
[ "$MEM_MB" -gt 2000 ] && MEM_MB=2000
export SLURM_CONF=$WORK/etc/slurm.conf
cat >"$SLURM_CONF" <<EOF
# Written by grassroots tests/slurm/run.sh: a private single-node cluster.
ClusterName=grassrootstest
SlurmctldHost=$HOST(127.0.0.1)
AuthInfo=socket=$SOCKET
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SlurmUser=root
StateSaveLocation=$WORK/spool/ctld
SlurmdSpoolDir=$WORK/spool/d
SlurmctldPidFile=$WORK/run/slurmctld.pid
SlurmdPidFile=$WORK/run/slurmd.pid
SlurmctldLogFile=$WORK/log/slurmctld.log
SlurmdLogFile=$WORK/log/slurmd.log
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
ReturnToService=2
NodeName=$HOST NodeAddr=127.0.0.1 CPUs=$CPUS RealMemory=$MEM_MB State=UNKNOWN
PartitionName=debug Nodes=$HOST Default=YES MaxTime=INFINITE State=UP
EOF

# -D: in the foreground, so $! is the daemon itself.
slurmctld -D >>"$WORK/log/slurmctld.out" 2>&1 &
CTLD_PID=$!
wait_for 60 scontrol ping || fail "slurmctld did not come up"
slurmd -D >>"$WORK/log/slurmd.out" 2>&1 &
SLURMD_PID=$!
node_idle() { [ "$(sinfo -h -N -n "$HOST" -o %t)" = idle ]; }
wait_for 120 node_idle || fail "node $HOST not idle after 120 s (state: $(sinfo -h -N -n "$HOST" -o %t 2>&1))"
say "cluster up in $((SECONDS - t_cluster)) s: node $HOST, $CPUS CPUs; munged $MUNGED_PID, slurmctld $CTLD_PID, slurmd $SLURMD_PID"

# ---- the job array --------------------------------------------------------
# The README's script as it stands; only the study, the output directory,
# the array and the CPUs per task (the node has $CPUS) are given here, as
# sbatch options and environment variables (sbatch passes the environment,
# with PATH, to the tasks).
# submit ARRAY TASKS [VAR=VALUE...]: submit tests/slurm/array_job.sh with
# --array=ARRAY (TASKS tasks), wait for it, and fail unless every task
# completed with exit code 0.
submit() {
    local array=$1 tasks=$2 t0=$SECONDS states ok
    shift 2
    JOB=$(env -u N PATH="$BIN_DIR:$PATH" SCENARIO="$SCENARIO" SHARDS="$WORK/shards" "$@" \
        sbatch --parsable --array="$array" --cpus-per-task=1 --chdir="$REPO" \
        --output="$WORK/log/job-%A_%a.out" tests/slurm/array_job.sh)
    JOB=${JOB%%;*}
    say "submitted job array $JOB (--array=$array${*:+, $*}) on $SCENARIO"
    while [ -n "$(squeue -h -j "$JOB" -o %i)" ]; do
        [ $((SECONDS - t0)) -lt "$JOB_TIMEOUT" ] || fail "job array $JOB not done after $JOB_TIMEOUT s"
        alive "$CTLD_PID" || fail "slurmctld died"
        alive "$SLURMD_PID" || fail "slurmd died"
        sleep 1
    done
    # Every task's record (kept MinJobAge = 300 s after it ends) must say
    # COMPLETED with exit code 0.
    states=$(scontrol -o show job "$JOB")
    ok=$(grep -c 'JobState=COMPLETED .*ExitCode=0:0' <<<"$states" || true)
    if [ "$ok" != "$tasks" ]; then
        grep -o 'ArrayTaskId=[0-9]*\|JobState=[A-Z_]*\|ExitCode=[0-9:]*' <<<"$states" | paste -sd' '
        fail "$ok of $tasks tasks of job array $JOB completed with exit code 0"
    fi
    say "job array $JOB: $tasks tasks completed in $((SECONDS - t0)) s"
    JOB=""
}
t_job=$SECONDS
submit "1-$NSHARDS" "$NSHARDS"
# The tasks split the study: every run was stored by exactly one shard.
find "$WORK/shards" -mindepth 3 -maxdepth 3 -path '*/runs/*.csv' -printf '%f\n' >"$WORK/shard.runs"
shard_runs=$(wc -l <"$WORK/shard.runs")
unique_runs=$(sort -u "$WORK/shard.runs" | wc -l)
# A failed task resubmitted alone (docs/studies.md: N=20 sbatch
# --array=7 ...) redoes what its shard lacks: remove half of shard 2's runs.
if [ "$NSHARDS" -ge 2 ]; then
    before=$(find "$WORK/shards/2/runs" -name '*.csv' | wc -l)
    find "$WORK/shards/2/runs" -name '*.csv' | LC_ALL=C sort | awk 'NR % 2' | xargs -r rm -f
    submit 2 1 N="$NSHARDS"
    after=$(find "$WORK/shards/2/runs" -name '*.csv' | wc -l)
    [ "$after" = "$before" ] || fail "shard 2 resubmitted alone holds $after runs, first time $before"
fi
t_job=$((SECONDS - t_job))

# ---- merge, the single-machine run, and the comparison ------------------
export PATH="$BIN_DIR:$PATH"
# As the README says: merge shards/* once all tasks are done.
grassroots merge "$WORK"/shards/* --out "$WORK/merged" --quiet || fail "grassroots merge refused the shards"
grassroots sweep "$SCENARIO" --out "$WORK/single" --quiet || fail "the single-machine run failed"

# Files that must be byte-identical: every result CSV at the top of the study,
# every stored run (runs/*.csv) and the charts. plan.json and manifest.json
# are compared only for information (a manifest may record when and how a
# study ran); other files (lock files and the like) are ignored.
results() {
    (
        cd "$1"
        find . -maxdepth 1 -type f -name '*.csv'
        if [ -d runs ]; then find runs -maxdepth 1 -type f -name '*.csv'; fi
        if [ -d charts ]; then find charts -maxdepth 1 -type f; fi
    ) | sed 's|^\./||' | LC_ALL=C sort
}
results "$WORK/single" >"$WORK/single.files"
results "$WORK/merged" >"$WORK/merged.files"
n_runs=$(grep -c '^runs/' "$WORK/single.files" || true)
n_top=$(grep -vc '/' "$WORK/single.files" || true)
[ "$n_runs" -gt 0 ] || fail "the single-machine run stored no runs"
[ "$n_top" -gt 0 ] || fail "the single-machine run wrote no result CSVs"
if [ "$shard_runs" != "$n_runs" ] || [ "$unique_runs" != "$n_runs" ]; then
    fail "the $NSHARDS tasks stored $shard_runs run files ($unique_runs distinct), the study has $n_runs runs: the array did not split the study"
fi
diff -u "$WORK/single.files" "$WORK/merged.files" >&2 ||
    fail "merged and single-machine studies hold different files (diff above: - single, + merged)"
differ=0
while read -r f; do
    if ! cmp -s "$WORK/single/$f" "$WORK/merged/$f"; then
        echo "differs: $f" >&2
        differ=$((differ + 1))
    fi
done <"$WORK/single.files"
[ "$differ" = 0 ] || fail "$differ of $(wc -l <"$WORK/single.files") result files differ between merged shards and the single-machine run"
for f in plan.json manifest.json; do
    if cmp -s "$WORK/single/$f" "$WORK/merged/$f"; then
        say "$f: identical too"
    else
        say "$f: differs (informational, not checked)"
    fi
done

echo "slurm test PASS: job array of $NSHARDS tasks on $SCENARIO, merged = single-machine run for $(wc -l <"$WORK/single.files") files ($n_top result CSVs, $n_runs runs, $(grep -c '^charts/' "$WORK/single.files" || true) charts); apt install ${INSTALL_SECONDS} s, jobs ${t_job} s, cluster and study $((SECONDS - t_cluster)) s, total $((SECONDS - START)) s"
VERDICT=PASS
