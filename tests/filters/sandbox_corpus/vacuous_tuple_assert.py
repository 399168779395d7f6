# careless: assert (expr, "message") is a tuple: always true
# expect: no_asserts
def add(a, b):
    return a - b
# --- tests ---
assert (add(2, 2) == 4, "add works")
