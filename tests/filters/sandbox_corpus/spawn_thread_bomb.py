# tries: starting threads until the machine gives out
# expect: error
# output: can't start new thread
import threading, time
def f():
    threads = []
    for _ in range(100000):
        t = threading.Thread(target=time.sleep, args=(30,), daemon=True)
        t.start()
        threads.append(t)
    return len(threads)
# --- tests ---
assert f() == 100000
