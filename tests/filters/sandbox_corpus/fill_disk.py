# tries: filling the disk from its working directory
# expect: output_limit error
def f():
    with open("big", "wb") as out:
        while True:
            out.write(b"x" * (1 << 20))
# --- tests ---
assert f() is None
