# tries: a thread that keeps working after the tests end
import threading, time
def late():
    time.sleep(1.5)
    open("@CANARY@/late", "w").write("x")
def f():
    threading.Thread(target=late, daemon=False).start()
    return 1
# --- tests ---
assert f() == 1
