# honest: tests that reach half of the solution's function-body statements
# expect: passed
# asserts: 1
# coverage: 0.5
def sign(x):
    if x > 0:
        return 1
    y = -1
    return y
# --- tests ---
assert sign(5) == 1
