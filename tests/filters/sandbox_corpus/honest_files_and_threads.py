# honest: writes in its working directory and TMPDIR, uses a thread
# expect: passed
import tempfile, threading, os
def save(text):
    with tempfile.NamedTemporaryFile("w", delete=False, suffix=".txt") as out:
        out.write(text)
    box = []
    t = threading.Thread(target=lambda: box.append(open(out.name).read()))
    t.start()
    t.join()
    open("copy.txt", "w").write(box[0])
    return open("copy.txt").read()
# --- tests ---
assert save("hello") == "hello"
