# tries: kill(-1): every process it may signal
# expect: signal_attempt
import os, signal
def f():
    os.kill(-1, signal.SIGKILL)
    return 1
# --- tests ---
assert f() == 1
