# tries: opening descriptors until none are left
# expect: error
# output: Too many open files
def f():
    files = []
    while True:
        files.append(open("solution.py"))
# --- tests ---
assert f() is None
