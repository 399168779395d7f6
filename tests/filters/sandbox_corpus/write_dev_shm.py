# tries: leaving a file in /dev/shm for another process to find
# expect: write_outside
def f():
    open("/dev/shm/primer-escape", "w").write("x")
    return 1
# --- tests ---
assert f() == 1
