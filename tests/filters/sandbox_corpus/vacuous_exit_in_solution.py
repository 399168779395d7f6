# careless: the solution calls sys.exit() at import; no test runs
# expect: exited_early
import sys
def add(a, b):
    return a - b
sys.exit()
# --- tests ---
assert add(2, 2) == 4
