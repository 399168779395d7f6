# careless: the only assert sits in a branch that never runs
# expect: no_asserts
def add(a, b):
    return a - b
# --- tests ---
if add(2, 2) == 5:
    assert False, "never reached"
print(add(2, 2))
