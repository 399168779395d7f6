# tries: /dev/shm through a directory descriptor (unseen by the hook): private to the sandbox
import os
def f():
    d = os.open("/dev/shm", os.O_RDONLY)
    fd = os.open("primer-escape", os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=d)
    os.write(fd, b"x")
    return os.path.exists("/dev/shm/primer-escape")
# --- tests ---
assert f()
