# tries: killing its parent
# expect: signal_attempt
import os, signal
def f():
    os.kill(os.getppid(), signal.SIGKILL)
    return 1
# --- tests ---
assert f() == 1
