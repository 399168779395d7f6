# tries: connecting to a listener on the host's loopback
# expect: network_attempt
import socket
def f():
    s = socket.create_connection(("127.0.0.1", @PORT@), timeout=2)
    s.sendall(b"escaped")
    return 1
# --- tests ---
assert f() == 1
