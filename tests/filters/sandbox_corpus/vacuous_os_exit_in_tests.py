# careless: os._exit(0) in the middle of the tests
# expect: exited_early
import os
def add(a, b):
    return a - b
# --- tests ---
assert add(2, 0) == 2
os._exit(0)
assert add(2, 2) == 4
