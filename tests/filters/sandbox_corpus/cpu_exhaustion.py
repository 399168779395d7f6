# tries: an endless loop
# expect: timeout
def f():
    while True:
        pass
# --- tests ---
assert f() is None
