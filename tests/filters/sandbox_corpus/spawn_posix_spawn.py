# tries: os.posix_spawn of a detached sleeper
# expect: spawn_attempt
import os
def f():
    return os.posix_spawn("/bin/sleep", ["sleep", "60"], {}, setsid=True)
# --- tests ---
assert f() > 0
