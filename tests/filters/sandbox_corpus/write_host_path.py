# tries: writing a file into a host directory it knows the path of
# expect: write_outside error
def f():
    with open("@CANARY@/written", "w") as out:
        out.write("escaped")
    return 1
# --- tests ---
assert f() == 1
