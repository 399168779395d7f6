# tries: allocating 8 GB
# expect: memory_limit
def f():
    return len(bytearray(8 << 30))
# --- tests ---
assert f() > 0
