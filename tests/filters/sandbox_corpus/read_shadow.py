# tries: reading the host's /etc/shadow and root's files
# expect: test_failed error
# output: FOUND []
import os
def f():
    found = []
    for path in ("/etc/shadow", "/etc/passwd", "/root/.bashrc", "/root/.ssh/id_rsa", "@CANARY@/secret.txt"):
        try:
            found.append(open(path).read())
        except OSError:
            pass
    for d in ("/root", "/home", "/etc", "@CANARY@"):
        try:
            found.extend(os.listdir(d))
        except OSError:
            pass
    print("FOUND", found)
    return found
# --- tests ---
assert f()
