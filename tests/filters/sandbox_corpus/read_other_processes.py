# tries: seeing the host's processes (to find one to attack)
# expect: test_failed
import os
def f():
    return sorted(int(p) for p in os.listdir("/proc") if p.isdigit())
# --- tests ---
pids = f()
assert @VICTIM@ in pids or @PARENT@ in pids
