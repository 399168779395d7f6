# careless: os._exit(0) in the solution before the tests run
# expect: exited_early
import os
def f(x):
    return x + 1
os._exit(0)
# --- tests ---
assert f(1) == 3
