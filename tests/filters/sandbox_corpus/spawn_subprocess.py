# tries: process creation with subprocess (a shell that writes outside)
# expect: spawn_attempt
import subprocess
def f():
    return subprocess.run(["/bin/sh", "-c", "touch @CANARY@/sub; echo 1"], capture_output=True).stdout
# --- tests ---
assert f() == b"1\n"
