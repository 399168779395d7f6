#!/usr/bin/env python3
"""Ctrl-C at random moments of a code run resumes to the bytes of an uninterrupted run.

A terminal's Ctrl-C sends SIGINT to the whole foreground process group: primer and any
child that shares its group. This test starts `primer run` (examples/codeexercises.toml with
small shards, so checkpoints happen) as the leader of a new process group, signals the
group at a random moment, checks the exit code (130; 0 when the signal came as the run was
finishing and it finished), that nothing primer started is left behind, then resumes and
compares every data file with an uninterrupted run. It prints how long each stop took (the
time from the signal to the exit).

usage: interrupt_test.py PRIMER [TRIALS]
"""
import ctypes
import hashlib
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import time

PRIMER = sys.argv[1]
TRIALS = int(sys.argv[2]) if len(sys.argv) > 2 else 10
SOURCE = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def config(path):
    text = open(os.path.join(SOURCE, "examples/codeexercises.toml")).read()
    text = re.sub(r"^count = \d+", "count = 120", text, flags=re.M)
    text = text.replace("shard_records = 50000", "shard_records = 6")
    text = text.replace('eval_sets = ["examples/', 'eval_sets = ["%s/examples/' % SOURCE)
    open(path, "w").write(text)


def digest(out):
    files = {}
    for sub in ("data",):
        for name in sorted(os.listdir(os.path.join(out, sub))):
            with open(os.path.join(out, sub, name), "rb") as f:
                files[sub + "/" + name] = hashlib.sha256(f.read()).hexdigest()
    return files


# This process is a child subreaper (PR_SET_CHILD_SUBREAPER): what a stopped primer leaves
# behind is reparented here, not to init, so it is told apart from other people's primer
# processes on a shared machine.
if ctypes.CDLL(None, use_errno=True).prctl(36, 1, 0, 0, 0) != 0:
    sys.exit("FAIL: prctl(PR_SET_CHILD_SUBREAPER) failed")


def parent_of(pid):
    try:
        stat = open("/proc/%d/stat" % pid).read()
    except OSError:
        return 0
    return int(stat[stat.rindex(")") + 1:].split()[1])


def leftovers():
    """Processes primer started that still run (sandboxed exercises, syntax workers)."""
    while True:  # reap the orphans that ended
        try:
            if os.waitpid(-1, os.WNOHANG)[0] == 0:
                break
        except ChildProcessError:
            break
    found = []
    for pid in os.listdir("/proc"):
        if not pid.isdigit():
            continue
        try:
            cmdline = open("/proc/%s/cmdline" % pid, "rb").read()
        except OSError:
            continue
        if b"primer exercise harness" in cmdline or b"_primer_main" in cmdline or b"ast.parse(src" in cmdline:
            p = int(pid)
            for _ in range(64):
                if p <= 1 or p == os.getpid():
                    break
                p = parent_of(p)
            if p == os.getpid():
                found.append(int(pid))
    return found


def run(cfg, out, check=True):
    r = subprocess.run([PRIMER, "run", cfg, "--out", out, "--quiet"], capture_output=True, text=True)
    if check and r.returncode != 0:
        sys.exit("FAIL: primer run exited %d: %s" % (r.returncode, r.stderr.strip()))
    return r


def main():
    failures = 0
    work = tempfile.mkdtemp(prefix="primer-interrupt-")
    try:
        cfg = os.path.join(work, "codeexercises.toml")
        config(cfg)
        t0 = time.monotonic()
        run(cfg, os.path.join(work, "reference"))
        full = time.monotonic() - t0
        reference = digest(os.path.join(work, "reference"))
        print("uninterrupted run: %.1f s, %d data files" % (full, len(reference)))
        rng = random.Random(20261203)
        # Random moments, then three as the run finishes (manifest, report): there a
        # signal must still give exit 130 or a finished run (0), never a killed process.
        delays = [rng.uniform(0.2, max(0.5, 0.9 * full)) for _ in range(TRIALS)]
        delays += [f * full for f in (0.85, 0.92, 0.99)]
        stops = []
        for trial, delay in enumerate(delays):
            out = os.path.join(work, "t%d" % trial)
            p = subprocess.Popen([PRIMER, "run", cfg, "--out", out, "--quiet"], start_new_session=True,
                                 stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
            time.sleep(delay)
            sent = time.monotonic()
            try:
                os.killpg(p.pid, signal.SIGINT)  # what the terminal does: the whole group
            except ProcessLookupError:
                pass
            _, err = p.communicate(timeout=120)
            stop = time.monotonic() - sent
            if p.returncode not in (130, 0):
                print("FAIL trial %d: exit %d after SIGINT at %.2f s: %s" % (trial, p.returncode, delay, err.strip()))
                failures += 1
                continue
            if p.returncode == 130:
                stops.append(stop)
            time.sleep(0.2)
            left = leftovers()
            if left:
                print("FAIL trial %d: processes left after the stop: %s" % (trial, left))
                failures += 1
            run(cfg, out)  # resumes (or says the run is complete)
            got = digest(out)
            same = got == reference
            print("trial %d: SIGINT at %.2f s, exit %d, stop took %.2f s, resumed: %s" %
                  (trial, delay, p.returncode, stop, "same bytes" if same else "DIFFERENT"))
            if not same:
                failures += 1
        if stops:
            print("stops: %d, median %.2f s, max %.2f s" % (len(stops), sorted(stops)[len(stops) // 2], max(stops)))
        if len(stops) < TRIALS // 2:
            print("FAIL: only %d of %d trials were interrupted mid-run" % (len(stops), TRIALS))
            failures += 1
    finally:
        shutil.rmtree(work, ignore_errors=True)
    if failures:
        sys.exit("FAIL: %d failures" % failures)
    print("OK")


main()
