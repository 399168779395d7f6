# tries: the _socket extension directly
# expect: network_attempt error
import _socket
def f():
    s = _socket.socket(_socket.AF_INET, _socket.SOCK_STREAM)
    s.connect(("127.0.0.1", @PORT@))
    return 1
# --- tests ---
assert f() == 1
