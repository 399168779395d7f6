"""Data-parallel `primer train` under a real mpirun (Open MPI from Debian).

  mpi_train_test.py PRIMER WITH_MPI

- 2 and 4 ranks equal one process bit for bit: every metrics.jsonl row's loss, val_loss
  and grad_norm, and the final model.bin and optim.bin;
- a run killed (SIGKILL to every rank) on 2 ranks and resumed on 1 continues the same
  curve to the same final weights;
- a rank count that does not divide grad_accum, or is not a power of two, is refused with
  one clear line.
Exits 77 (skipped, with the reason) when primer was built without MPI or mpirun is absent.
"""
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import time

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
from token_data import write_dataset  # noqa: E402

PRIMER = os.path.abspath(sys.argv[1])
WITH_MPI = sys.argv[2] in ("1", "ON", "TRUE", "true")
MPIRUN = shutil.which("mpirun")
if not WITH_MPI or not MPIRUN:
    print("SKIPPED: " + ("primer was built without MPI (apt-get install libopenmpi-dev openmpi-bin, then rebuild)"
                         if not WITH_MPI else "mpirun is not installed (apt-get install openmpi-bin)"))
    sys.exit(77)

failures = []


def check(cond, what):
    print(("ok   " if cond else "FAIL ") + what)
    if not cond:
        failures.append(what)


def mpirun(n, *args):
    # As root Open MPI wants --allow-run-as-root; more ranks than cores need --oversubscribe,
    # and --bind-to none keeps two ranks from being pinned to one core.
    return [MPIRUN, "--allow-run-as-root", "--oversubscribe", "--bind-to", "none", "-np", str(n), PRIMER, *args]


ENV = dict(os.environ, OMPI_MCA_btl_vader_single_copy_mechanism="none", OMPI_MCA_rmaps_base_oversubscribe="1")


def run(cmd):
    return subprocess.run(cmd, capture_output=True, text=True, env=ENV, timeout=240)


def config(data, steps, grad_accum, checkpoint_every):
    return f"""[model]
dim = 32
n_layers = 2
n_heads = 4
n_kv_heads = 2
hidden_dim = 48
vocab_size = 61
seq_len = 16
[train]
data = "{data}"
batch_size = 4
grad_accum = {grad_accum}
steps = {steps}
lr = 3e-3
warmup = 5
eval_every = 10
eval_batches = 2
checkpoint_every = {checkpoint_every}
keep_checkpoints = 0
log_every = 0
seed = 7
"""


def rows(out):
    try:
        with open(os.path.join(out, "metrics.jsonl")) as f:
            lines = [json.loads(l) for l in f if l.strip()]
    except (OSError, ValueError):
        return []
    return [(r["step"], r["loss"], r.get("val_loss"), r["grad_norm"]) for r in lines]


def stat_fields(pid):
    with open(f"/proc/{pid}/stat") as f:
        return f.read().rsplit(")", 1)[1].split()  # state, ppid, ...


def state(pid):
    try:
        return stat_fields(pid)[0]
    except OSError:
        return "Z"


def children(parent):
    found = []
    for name in os.listdir("/proc"):
        if name.isdigit():
            try:
                if int(stat_fields(int(name))[1]) == parent:
                    found.append(int(name))
            except OSError:
                pass
    return found


def final(out, steps, name):
    with open(os.path.join(out, "checkpoints", "step-%08d" % steps, name), "rb") as f:
        return f.read()


tmp = tempfile.mkdtemp(prefix="primer-mpi-")
try:
    data = os.path.join(tmp, "data")
    write_dataset(data)

    # 1. The same bits on 1, 2 and 4 ranks (grad_accum 4: 4, 2 and 1 micro-batches a rank).
    cfg = os.path.join(tmp, "t.toml")
    with open(cfg, "w") as f:
        f.write(config(data, 20, 4, 5))
    ref = os.path.join(tmp, "ref")
    r = run([PRIMER, "train", cfg, "--out", ref, "--threads", "1"])
    check(r.returncode == 0, "one process trains: " + r.stderr.strip()[-300:])
    reference = rows(ref)
    check(len(reference) == 20 and reference[-1][1] < reference[0][1] - 0.3,
          f"20 rows and the loss falls ({reference[0][1] if reference else None} -> "
          f"{reference[-1][1] if reference else None})")
    for n in (2, 4):
        out = os.path.join(tmp, f"np{n}")
        r = run(mpirun(n, "train", cfg, "--out", out, "--threads", "1"))
        check(r.returncode == 0, f"mpirun -np {n} trains: " + r.stderr.strip()[-300:])
        check(f"ranks: {n}" in r.stdout, f"-np {n}: the log names {n} ranks")
        got = rows(out)
        check(got == reference, f"-np {n}: every row's loss, val_loss and grad_norm equal one process's")
        for name in ("model.bin", "optim.bin"):
            check(final(out, 20, name) == final(ref, 20, name), f"-np {n}: the final {name} equals one process's")
        check(r.stdout.count("step-") == 0 and sorted(os.listdir(out)) == sorted(os.listdir(ref)),
              f"-np {n}: one set of output files (rank 0 writes them)")

    # 2. Killed on 2 ranks, resumed on 1: the same curve and weights as an unbroken run.
    long_cfg = os.path.join(tmp, "long.toml")
    with open(long_cfg, "w") as f:
        f.write(config(data, 300, 2, 5))
    long_ref = os.path.join(tmp, "long-ref")
    r = run([PRIMER, "train", long_cfg, "--out", long_ref, "--threads", "1"])
    check(r.returncode == 0, "the long reference trains")
    out = os.path.join(tmp, "killed")
    job = subprocess.Popen(mpirun(2, "train", long_cfg, "--out", out, "--threads", "1"), env=ENV,
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
    deadline = time.time() + 120
    while len(rows(out)) < 12 and job.poll() is None and time.time() < deadline:
        time.sleep(0.005)
    still_running = job.poll() is None
    # Both ranks at once (mpirun may start them in their own process groups), then mpirun.
    ranks = children(job.pid)
    for pid in ranks:
        os.kill(pid, signal.SIGKILL)
    job.kill()
    job.wait()
    while any(os.path.exists(f"/proc/{pid}") and state(pid) != "Z" for pid in ranks):
        time.sleep(0.01)
    check(len(ranks) == 2, f"both ranks were found and killed ({ranks})")
    partial = rows(out)
    check(still_running and 12 <= len(partial) < 300, f"killed on 2 ranks after {len(partial)} of 300 steps")
    r = run([PRIMER, "train", long_cfg, "--out", out, "--resume", "--threads", "1"])
    check(r.returncode == 0 and "resuming" in r.stdout, "resumed on 1 process: " + r.stderr.strip()[-300:])
    check(rows(out) == rows(long_ref), "the resumed curve equals the unbroken run's, row for row")
    check(final(out, 300, "model.bin") == final(long_ref, 300, "model.bin"), "the final model.bin equals it too")

    # 3. Rank counts the scheme refuses, each said once.
    for n, accum, needle in ((2, 3, "not a multiple of the 2 ranks"), (3, 3, "power of two")):
        bad = os.path.join(tmp, f"bad{n}.toml")
        with open(bad, "w") as f:
            f.write(config(data, 4, accum, 5))
        r = run(mpirun(n, "train", bad, "--out", os.path.join(tmp, f"bad{n}"), "--threads", "1"))
        check(r.returncode != 0 and needle in r.stderr, f"-np {n} with grad_accum {accum}: refused ({needle}): " + r.stderr.strip()[-1500:])
        check(r.stderr.count("primer: error:") == 1, f"-np {n}: the error is said once, not once per rank")
        check(not os.path.exists(os.path.join(tmp, f"bad{n}", "metrics.jsonl")), f"-np {n}: nothing written")
finally:
    shutil.rmtree(tmp, ignore_errors=True)

if failures:
    print(f"{len(failures)} check(s) failed")
    sys.exit(1)
print("all MPI training checks passed")
