# tries: fork() through ctypes and libc
# expect: forbidden
import ctypes
libc = ctypes.CDLL(None)
def f():
    return libc.fork()
# --- tests ---
assert f() >= 0
