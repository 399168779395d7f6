# tries: filling /tmp with many files
# expect: output_limit error
def f():
    i = 0
    while True:
        with open("/tmp/f%d" % i, "wb") as out:
            out.write(b"x" * 65536)
        i += 1
# --- tests ---
assert f() is None
