# tries: replacing the interpreter with a shell (os.execv)
# expect: spawn_attempt
import os
def f():
    os.execv("/bin/sh", ["sh", "-c", "touch @CANARY@/exec"])
# --- tests ---
f()
assert True
