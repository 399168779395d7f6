# tries: ending itself with a signal before the tests run (signal.raise_signal: no audit event)
# expect: crashed
import signal
def f():
    return 1
signal.raise_signal(signal.SIGTERM)
# --- tests ---
assert f() == 1
