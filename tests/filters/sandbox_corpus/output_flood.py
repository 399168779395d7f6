# tries: flooding stdout
# expect: output_limit
def f():
    while True:
        print("x" * 1000)
# --- tests ---
assert f() is None
