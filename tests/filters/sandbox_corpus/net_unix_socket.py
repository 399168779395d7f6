# tries: a host UNIX socket by path and by abstract name
# expect: network_attempt
import socket
def f():
    s = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    s.connect("@CANARY@/listener.sock")
    return 1
# --- tests ---
assert f() == 1
