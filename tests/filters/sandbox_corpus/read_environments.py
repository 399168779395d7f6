# tries: API keys in its own environment and every visible process's
# expect: test_failed
# output: FOUND []
import os
def f():
    found = [v for k, v in os.environ.items() if "KEY" in k or "primer-canary" in v]
    for pid in os.listdir("/proc"):
        if pid.isdigit():
            try:
                found += [e for e in open("/proc/%s/environ" % pid, "rb").read().split(b"\0") if b"primer-canary" in e]
            except OSError:
                pass
    for path in ("/proc/@PARENT@/environ", "/proc/1/environ"):
        try:
            found += [e for e in open(path, "rb").read().split(b"\0") if b"primer-canary" in e]
        except OSError:
            pass
    print("FOUND", found)
    return found
# --- tests ---
assert f()
