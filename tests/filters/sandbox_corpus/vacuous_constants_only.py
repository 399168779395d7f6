# careless: the tests check constants, never the solution
# expect: tests_ignore_solution
def add(a, b):
    return a - b
# --- tests ---
expected = 4
assert expected == 2 + 2
