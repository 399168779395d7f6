#!/usr/bin/env bash
# A split run on a real single-node Slurm: `primer slurm submit` queues a 4-task array
# (throttle 2) and its afterok merge job; one task is requeued mid-run (Slurm kills it
# and starts it again, and it resumes from its journal); the merged dataset must equal a
# single-machine `primer run` of the same config: the same shard files (ids, texts),
# the same manifest counts and the same dataset card. Then `primer slurm train` runs a
# 2-task data-parallel training job (srun --mpi=pmix, Open MPI), requeued once mid-run:
# it resumes from its checkpoint, and its losses and final weights equal one process's
# (only when primer was built with MPI; said otherwise).
#
# Needs root and apt (Debian 12): installs munge, slurmctld, slurmd and slurm-client if
# missing (a policy-rc.d keeps the package scripts from starting daemons), then runs its
# own munged, slurmctld and slurmd bound to 127.0.0.1 with every file in a temporary
# directory, on free ports. The daemons and any job left are stopped on exit.
# Without root or apt it exits 77 (reported as skipped) after saying why, loudly.
set -euo pipefail
primer=$(realpath "$1")

skip() {
  echo "###############################################################" >&2
  echo "SKIPPED: the Slurm end-to-end test did not run: $*" >&2
  echo "###############################################################" >&2
  exit 77
}
[ "$(id -u)" -eq 0 ] || skip "it needs root (to install and start munge, slurmctld and slurmd); run the suite as root"
command -v apt-get >/dev/null && command -v dpkg-query >/dev/null || skip "apt-get/dpkg-query not found (Debian 12 needed)"

work=$(mktemp -d /tmp/primer-slurm.XXXXXX)
chmod 755 "$work"
created_policy=0
cleanup() {
  set +e
  if [ -f "$work/slurm.conf" ] && [ -f "$work/slurmctld.pid" ]; then
    scancel --quiet --user=root --name=primer-e2e >/dev/null 2>&1
    scancel --quiet --user=root --name=primer-e2e-merge >/dev/null 2>&1
    scancel --quiet --user=root --name=primer-e2e-fail >/dev/null 2>&1
    scancel --quiet --user=root --name=primer-e2e-train >/dev/null 2>&1
    for _ in $(seq 50); do [ -z "$(squeue -h 2>/dev/null)" ] && break; sleep 0.2; done
  fi
  for d in slurmd slurmctld; do
    [ -f "$work/$d.pid" ] && kill "$(cat "$work/$d.pid" 2>/dev/null)" 2>/dev/null
  done
  [ -f "$work/munge/munged.pid" ] && kill "$(cat "$work/munge/munged.pid")" 2>/dev/null
  for d in slurmd slurmctld; do
    for _ in $(seq 50); do kill -0 "$(cat "$work/$d.pid" 2>/dev/null)" 2>/dev/null || break; sleep 0.1; done
  done
  [ "$created_policy" = 1 ] && rm -f /usr/sbin/policy-rc.d
  rm -rf "$work"
}
trap cleanup EXIT

# ---- packages -------------------------------------------------------------------------
missing=()
for p in munge slurmctld slurmd slurm-client; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
  if [ ! -e /usr/sbin/policy-rc.d ]; then
    printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d
    chmod +x /usr/sbin/policy-rc.d
    created_policy=1
  fi
  echo "slurm e2e: installing ${missing[*]}" >&2
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq >/dev/null || skip "apt-get update failed (no network or no package mirror)"
  apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null ||
    skip "apt-get install ${missing[*]} failed (no network or no package mirror)"
fi

# ---- munge, slurmctld, slurmd ---------------------------------------------------------
port_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
# Below the kernel's ephemeral range (outgoing connections of anything else running take
# ports from it, and a listener cannot bind one of those): [10000, ephemeral start).
ephemeral=$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)
pick_ports() {
  local span=$((ephemeral - 10002))
  base=$((10000 + (RANDOM * 32768 + RANDOM) % span))
  while ! port_free "$base" || ! port_free $((base + 1)); do base=$((10000 + (base - 10000 + 2) % span)); done
}
pick_ports

mkdir -p "$work/munge" "$work/state" "$work/spool" "$work/run"
mungekey --create --keyfile="$work/munge/munge.key" >/dev/null 2>&1 ||
  dd if=/dev/urandom of="$work/munge/munge.key" bs=1024 count=1 status=none
chown -R munge:munge "$work/munge"
chmod 755 "$work/munge"  # munged wants its socket's directory searchable by all
chmod 600 "$work/munge/munge.key"
runuser -u munge -- /usr/sbin/munged --socket="$work/munge/munge.socket" --key-file="$work/munge/munge.key" \
  --pid-file="$work/munge/munged.pid" --log-file="$work/munge/munged.log" --seed-file="$work/munge/munged.seed"

cpus=$(nproc)
cat >"$work/slurm.conf" <<CONF
ClusterName=primer-e2e
SlurmctldHost=localhost(127.0.0.1)
SlurmctldPort=$base
SlurmdPort=$((base + 1))
SlurmUser=root
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$work/munge/munge.socket
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/slurmctld.pid
SlurmdPidFile=$work/slurmd.pid
SlurmctldLogFile=$work/slurmctld.log
SlurmdLogFile=$work/slurmd.log
CommunicationParameters=NoInAddrAny,NoCtldInAddrAny
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
MpiDefault=none
ReturnToService=2
SlurmdParameters=config_overrides
SchedulerParameters=sched_interval=1
NodeName=localhost NodeAddr=127.0.0.1 CPUs=$cpus RealMemory=500 State=UNKNOWN
PartitionName=debug Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
export SLURM_CONF=$work/slurm.conf
# slurmctld forks before it binds its port: a port taken in between shows up as a dead
# daemon ("Address already in use"), and then other ports are tried.
for attempt in 1 2 3 4 5; do
  /usr/sbin/slurmctld -f "$SLURM_CONF" || { cat "$work/slurmctld.log" >&2; exit 1; }
  for _ in $(seq 20); do
    grep -q 'fatal' "$work/slurmctld.log" 2>/dev/null && break
    timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP' && break
    sleep 0.25
  done
  timeout 5 scontrol ping 2>/dev/null | grep -q 'is UP' && break
  echo "slurm e2e: slurmctld did not come up on port $base (attempt $attempt):" >&2
  grep 'fatal\|error: Error binding' "$work/slurmctld.log" >&2 || tail -n 5 "$work/slurmctld.log" >&2
  [ -f "$work/slurmctld.pid" ] && kill "$(cat "$work/slurmctld.pid")" 2>/dev/null
  rm -f "$work/slurmctld.pid" "$work/slurmctld.log"
  [ "$attempt" -lt 5 ] || { echo "FAIL: slurmctld never came up" >&2; exit 1; }
  pick_ports
  sed -i "s/^SlurmctldPort=.*/SlurmctldPort=$base/; s/^SlurmdPort=.*/SlurmdPort=$((base + 1))/" "$SLURM_CONF"
done
/usr/sbin/slurmd -f "$SLURM_CONF" -N localhost || { cat "$work/slurmd.log" >&2; exit 1; }

wait_for() {  # wait_for SECONDS DESCRIPTION COMMAND... (wall clock: a slow command cannot stretch it)
  local limit=$1 what=$2
  shift 2
  local deadline=$((SECONDS + limit))
  while [ "$SECONDS" -lt "$deadline" ]; do "$@" && return 0; sleep 0.1; done
  echo "FAIL: timed out after ${limit}s waiting for $what" >&2
  echo "--- squeue"; squeue 2>&1; echo "--- slurmctld.log"; tail -n 30 "$work/slurmctld.log"
  echo "--- slurmd.log"; tail -n 30 "$work/slurmd.log"
  return 1
}
node_idle() { timeout 10 sinfo -h -o %T 2>/dev/null | grep -qE '^(idle|mixed|allocated)'; }
wait_for 60 "the node to come up" node_idle

# ---- the run ------------------------------------------------------------------------
cat >"$work/run.toml" <<TOML
seed = 7
count = 40000
tasks = 4
[teacher]
noise = 0.2
[[filters]]
kind = "truncation"
[[filters]]
kind = "length"
min_words = 20
[[filters]]
kind = "exact_dedup"
[[filters]]
kind = "minhash"
[[filters]]
kind = "vocab"
max_oov_rate = 0.0
[storage]
shard_records = 1000
validation_fraction = 0.05
TOML

# The output directory has a space in its name: the scripts must quote it.
split="$work/split run"

# The scripts, without submitting anything.
"$primer" slurm submit "$work/run.toml" --out "$split" --throttle 2 --cpus-per-task 1 --job-name primer-e2e \
  --dry-run >"$work/dry.txt"
grep -q -- '--array=0-3%2' "$work/dry.txt" || { echo "FAIL: dry run lacks --array=0-3%2"; cat "$work/dry.txt"; exit 1; }
grep -q -- '--requeue' "$work/dry.txt" || { echo "FAIL: dry run lacks --requeue"; exit 1; }
grep -q 'afterok' "$work/dry.txt" || { echo "FAIL: dry run lacks the afterok merge"; exit 1; }
[ ! -e "$split" ] || { echo "FAIL: --dry-run wrote $split"; exit 1; }

# Slurm never starts a job whose afterok dependency once failed, even after the failed
# task is requeued and succeeds, and a requeue can look like a failure for a moment (this
# test caught it). The merge then waits as DependencyNeverSatisfied and the task that
# completes the set releases it. To take that path every time, the merge is also made to
# depend on a job that has already failed.
failed=$(sbatch --parsable --job-name primer-e2e-fail --output=/dev/null --wrap 'exit 3')
failed_done() { timeout 10 scontrol show job "$failed" 2>/dev/null | grep -q 'JobState=FAILED'; }
wait_for 60 "the job that fails on purpose to fail" failed_done

"$primer" slurm submit "$work/run.toml" --out "$split" --throttle 2 --cpus-per-task 1 --job-name primer-e2e \
  >"$work/submit.txt"
cat "$work/submit.txt"
array=$(sed -n 's/^array job \([0-9]*\):.*/\1/p' "$work/submit.txt")
merge=$(sed -n 's/.*merge job \([0-9]*\) .*/\1/p' "$work/submit.txt")
[ -n "$array" ] && [ -n "$merge" ] || { echo "FAIL: no job ids in: $(cat "$work/submit.txt")"; exit 1; }
scontrol update JobId="$merge" Dependency="afterok:$array,afterok:$failed"
never() { [ "$(timeout 10 squeue -h -j "$merge" -o %r 2>/dev/null)" = DependencyNeverSatisfied ]; }
wait_for 30 "the merge job to give up on its dependency" never

# Requeue task 1 once it has committed a checkpoint and before it is done.
t1=$split/tasks/1
checkpointed() { [ -e "$t1/manifest.json" ] || ls "$t1"/journal/signatures/piece-* >/dev/null 2>&1; }
wait_for 120 "task 1 to commit a checkpoint" checkpointed
[ ! -e "$t1/manifest.json" ] || { echo "FAIL: task 1 finished before it could be requeued; raise count"; exit 1; }
# At most 2 tasks at once (--throttle 2).
running=$(squeue -h -j "$array" -t RUNNING -r | wc -l)
[ "$running" -le 2 ] || { echo "FAIL: $running array tasks running at once with --throttle 2"; exit 1; }
scontrol requeue "${array}_1"
echo "requeued task 1 (job ${array}_1) mid-run"
# Slurm holds a requeued job for two minutes (BeginTime); let it start again sooner. Not
# at once: slurmd refuses a job credential made in the same second as the kill revoked
# the old one ("Job credential revoked"), and the task would fail for good.
pending() { scontrol show job "${array}_1" | grep -q 'JobState=PENDING'; }
wait_for 60 "task 1 to be pending again" pending
sleep 2
scontrol update JobId="${array}_1" StartTime=now

# Meanwhile, the reference: the same config on one machine.
"$primer" run "$work/run.toml" --out "$work/single" --quiet >/dev/null

# Its state from slurmctld, not an empty squeue (a squeue that times out prints nothing too).
merge_state() { timeout 10 scontrol show job "$merge" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
merge_done() {
  case "$(merge_state)" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | DEADLINE) return 0 ;; esac
  return 1
}
wait_for 150 "the merge job to finish" merge_done

log1=$split/slurm/logs/task-1.log
state=$(merge_state)
[ "$state" = COMPLETED ] || {
  set +e
  echo "FAIL: the merge job ended $state:"; cat "$split/slurm/logs/merge.log" 2>/dev/null; echo "--- task 1:"; cat "$log1"
  echo "--- slurmctld.log"; tail -n 40 "$work/slurmctld.log"
  exit 1
}
[ "$(grep -c '^primer: .* job ' "$log1")" -ge 2 ] || { echo "FAIL: task 1 did not run twice:"; cat "$log1"; exit 1; }
grep -q 'resumed at prompt' "$log1" || { echo "FAIL: task 1 did not resume from its journal:"; cat "$log1"; exit 1; }
grep -q 'releasing merge job' "$split"/slurm/logs/task-*.log ||
  { echo "FAIL: no task released the merge job:"; tail -n 3 "$split"/slurm/logs/task-*.log; exit 1; }
[ -e "$split/manifest.json" ] || { echo "FAIL: the merge wrote no manifest:"; cat "$split/slurm/logs/merge.log"; exit 1; }

# The merged dataset equals the single-machine run.
summarize() {  # summarize DATASET_DIR NAME: shard sums, manifest without timings, (id, text) per record
  (cd "$1" && sha256sum data/* >"$work/$2.sums" && jq -S 'del(.timings)' manifest.json >"$work/$2.manifest")
  for s in "$1"/data/*; do zstdcat "$s"; done | jq -r '[.id, .text] | @json' >"$work/$2.records"
}
summarize "$work/single" single
summarize "$split" split
diff -q "$work/single.records" "$work/split.records" >/dev/null ||
  { echo "FAIL: merged ids/texts differ from the single-machine run"; diff "$work/single.records" "$work/split.records" | head; exit 1; }
diff "$work/single.manifest" "$work/split.manifest" ||
  { echo "FAIL: merged manifest differs from the single-machine run"; exit 1; }
diff "$work/single.sums" "$work/split.sums" || { echo "FAIL: merged shard files differ"; exit 1; }
diff "$work/single/README.md" "$split/README.md" >/dev/null || { echo "FAIL: dataset cards differ"; exit 1; }
cross=$(jq '[.filters[] | select(.name == "exact_dedup" or .name == "minhash") | .dropped[]] | add' \
  "$split/manifest.json")
echo "ok: merged $(wc -l <"$work/split.records") records from 4 Slurm tasks (one requeued mid-run)," \
  "$cross dropped as duplicates; identical to the single-machine run"

# ---- data-parallel training: a 2-task job, requeued once --------------------------------
if ! ldd "$primer" | grep libmpi >/dev/null; then
  echo "note: primer was built without MPI: the 2-task training job is not tried (apt-get install libopenmpi-dev)"
  exit 0
fi
/usr/bin/python3 "$(dirname "$0")/token_data.py" "$work/tokens"
cat >"$work/train.toml" <<TOML
[model]
dim = 32
n_layers = 2
n_heads = 4
n_kv_heads = 2
hidden_dim = 48
vocab_size = 61
seq_len = 16
[train]
data = "$work/tokens"
batch_size = 4
grad_accum = 2
steps = 1500
lr = 3e-3
warmup = 5
eval_every = 100
eval_batches = 2
checkpoint_every = 20
log_every = 0
seed = 7
TOML
trained="$work/train run"
"$primer" slurm train "$work/train.toml" --nodes 1 --tasks-per-node 2 --cpus-per-task 1 --out "$trained" \
  --job-name primer-e2e-train --dry-run >"$work/dry-train.txt"
for want in '--ntasks-per-node=2' '--requeue' 'srun --mpi=pmix'; do
  grep -q -- "$want" "$work/dry-train.txt" || { echo "FAIL: the training script lacks $want"; cat "$work/dry-train.txt"; exit 1; }
done
[ ! -e "$trained" ] || { echo "FAIL: --dry-run wrote $trained"; exit 1; }
"$primer" slurm train "$work/train.toml" --nodes 1 --tasks-per-node 2 --cpus-per-task 1 --out "$trained" \
  --job-name primer-e2e-train >"$work/submit-train.txt"
cat "$work/submit-train.txt"
job=$(sed -n 's/^training job \([0-9]*\):.*/\1/p' "$work/submit-train.txt")
[ -n "$job" ] || { echo "FAIL: no job id in: $(cat "$work/submit-train.txt")"; exit 1; }
train_log=$trained/slurm/logs/train.log
first_checkpoint() { ls -d "$trained"/checkpoints/step-* >/dev/null 2>&1; }
wait_for 120 "the training job to write a checkpoint" first_checkpoint || { echo "--- train.log"; cat "$train_log"; exit 1; }
[ ! -e "$trained/checkpoints/step-00001500" ] || { echo "FAIL: training finished before the requeue; raise steps"; exit 1; }
scontrol requeue "$job"
echo "requeued training job $job mid-run"
job_pending() { scontrol show job "$job" | grep -q 'JobState=PENDING'; }
wait_for 60 "the training job to be pending again" job_pending
sleep 2
scontrol update JobId="$job" StartTime=now
job_state() { timeout 10 scontrol show job "$job" 2>/dev/null | sed -n 's/.*JobState=\([A-Z_]*\).*/\1/p'; }
job_done() {
  case "$(job_state)" in COMPLETED | FAILED | CANCELLED | TIMEOUT | NODE_FAIL | OUT_OF_MEMORY | DEADLINE) return 0 ;; esac
  return 1
}
"$primer" train "$work/train.toml" --out "$work/train single" --threads 1 >/dev/null
wait_for 180 "the training job to finish" job_done
[ "$(job_state)" = COMPLETED ] || { echo "FAIL: the training job ended $(job_state):"; cat "$train_log"; exit 1; }
grep -q 'ranks: 2 ' "$train_log" || { echo "FAIL: the job did not train on 2 ranks:"; cat "$train_log"; exit 1; }
[ "$(grep -c '^primer: .* job ' "$train_log")" -ge 2 ] || { echo "FAIL: the job did not run twice:"; cat "$train_log"; exit 1; }
grep -q '^resuming ' "$train_log" || { echo "FAIL: the requeued job did not resume:"; cat "$train_log"; exit 1; }
curve() { jq -c '[.step, .loss, .val_loss, .grad_norm]' "$1/metrics.jsonl"; }
diff <(curve "$trained") <(curve "$work/train single") >/dev/null ||
  { echo "FAIL: the 2-task job's losses differ from one process's"; diff <(curve "$trained") <(curve "$work/train single") | head; exit 1; }
cmp "$trained/checkpoints/step-00001500/model.bin" "$work/train single/checkpoints/step-00001500/model.bin" ||
  { echo "FAIL: the 2-task job's final model.bin differs from one process's"; exit 1; }
echo "ok: a 2-task Slurm training job (srun --mpi=pmix), requeued mid-run, resumed and equals one process bit for bit"
