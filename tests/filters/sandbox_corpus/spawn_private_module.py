# tries: process creation through _posixsubprocess.fork_exec, which raises no audit event
# expect: error
# output: PermissionError
import _posixsubprocess, os
def f():
    r, w = os.pipe()
    pid = _posixsubprocess.fork_exec(
        [b"/bin/sh", b"-c", b"touch @CANARY@/private; sleep 30"], [b"/bin/sh"], True, (w,), None, None,
        -1, -1, -1, -1, -1, -1, r, w, True, True, -1, None, None, -1, -1, None, False)  # Python 3.11
    return pid
# --- tests ---
assert f() > 0
