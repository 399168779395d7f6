# careless: a failing assert inside try/except that swallows it; no failure, but the check ran
# expect: passed
def add(a, b):
    return a + b
# --- tests ---
try:
    assert add(2, 2) == 4
except AssertionError:
    pass
