# careless: the solution raises KeyboardInterrupt (a BaseException) mid-test
# expect: error
def add(a, b):
    raise KeyboardInterrupt
# --- tests ---
assert add(2, 2) == 4
