# tries: process creation with os.fork, then work in the child
# expect: spawn_attempt
import os
def f():
    return 1
pid = os.fork()
if pid == 0:
    open("@CANARY@/forked", "w").write("x")
# --- tests ---
assert f() == 1
