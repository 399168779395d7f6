# careless: pytest-style test functions defined and never called (a wrong solution)
# expect: test_failed
def add(a, b):
    return a - b

# --- tests ---
def test_add():
    assert add(2, 2) == 4

def test_add_zero():
    assert add(0, 0) == 0
