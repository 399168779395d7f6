# tries: /tmp, the host's shared temporary directory (private in the sandbox)
def f():
    with open("/tmp/primer-escape", "w") as out:
        out.write("x")
    return open("/tmp/primer-escape").read()
# --- tests ---
assert f() == "x"
