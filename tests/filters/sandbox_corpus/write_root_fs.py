# tries: writing into the host's system directories through a relative path and dir_fd
# expect: error
# output: Read-only file system
import os
def f():
    d = os.open("/usr", os.O_RDONLY)
    fd = os.open("primer-escape", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d)
    return fd
# --- tests ---
assert f() > 0
