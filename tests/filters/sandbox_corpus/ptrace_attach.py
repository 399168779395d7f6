# tries: reading another process's memory through /proc/PID/mem
# expect: test_failed error
import os
def f():
    try:
        return len(open("/proc/1/mem", "rb").read(16)) > 0
    except OSError:
        return False
# --- tests ---
assert f()
