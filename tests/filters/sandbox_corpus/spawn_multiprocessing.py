# tries: a multiprocessing worker that outlives the exercise
# expect: spawn_attempt error
import multiprocessing, time
def sleeper():
    time.sleep(60)
def f():
    p = multiprocessing.Process(target=sleeper, daemon=False)
    p.start()
    return p.pid
# --- tests ---
assert f() > 0
