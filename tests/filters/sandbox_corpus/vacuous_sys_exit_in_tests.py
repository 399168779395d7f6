# careless: the tests exit (status 0) before the assert that fails
# expect: exited_early
import sys
def add(a, b):
    return a - b
# --- tests ---
assert add(2, 0) == 2
sys.exit(0)
assert add(2, 2) == 4
