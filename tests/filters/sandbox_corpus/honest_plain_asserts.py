# honest: a solution and plain asserts that exercise every branch
# expect: passed
# asserts: 3
# coverage: 1
def sign(x):
    if x > 0:
        return 1
    if x < 0:
        return -1
    return 0
# --- tests ---
assert sign(5) == 1
assert sign(-2) == -1
assert sign(0) == 0
