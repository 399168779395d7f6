# honest: pytest-style test functions, discovered and run
# expect: passed
# asserts: 2
def add(a, b):
    """Adds two numbers."""
    return a + b
# --- tests ---
def test_add():
    assert add(2, 2) == 4

def test_add_negative():
    assert add(-1, 1) == 0
