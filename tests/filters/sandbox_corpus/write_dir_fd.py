# tries: a write the audit hook misjudges: a relative name under a directory descriptor
# expect: error
# output: FileNotFoundError
import os
def f():
    d = os.open("@CANARY@", os.O_RDONLY)
    fd = os.open("dirfd", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d)
    os.write(fd, b"escaped")
    return 1
# --- tests ---
assert f() == 1
