# tries: a host process by pid, through pidfd_open + pidfd_send_signal (no os.kill)
# expect: error signal_attempt
import os, signal
def f():
    fd = os.pidfd_open(@VICTIM@)
    signal.pidfd_send_signal(fd, signal.SIGKILL)
    return 1
# --- tests ---
assert f() == 1
