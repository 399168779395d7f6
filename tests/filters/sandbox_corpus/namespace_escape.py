# tries: a user namespace of its own (a way to regain capabilities) through ctypes-free routes
# expect: test_failed error
import os
def f():
    try:
        os.unshare(os.CLONE_NEWUSER)  # Python 3.12+
        return True
    except (AttributeError, OSError):
        return False
# --- tests ---
assert f()
