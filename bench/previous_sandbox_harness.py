# The exercise harness of the sandbox before bubblewrap (commit ff281ac, filters/sandbox.cc),
# kept as bench/code_bench's baseline: the rate the boundary is measured against.
import os, sys

def _primer_main():
    def verdict(word, code):
        try:
            os.write(3, word.encode())
        except OSError:
            pass
        os._exit(code)

    with open("solution.py", encoding="utf-8") as f:
        solution = f.read()
    with open("tests.py", encoding="utf-8") as f:
        tests = f.read()
    cwd = os.getcwd()
    root = cwd + os.sep
    realpath, join, fsdecode = os.path.realpath, os.path.join, os.fsdecode
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def inside(path):
        try:
            p = realpath(join(cwd, fsdecode(path)))
        except Exception:
            return False
        return p == cwd or p.startswith(root)

    spawn = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
             "pty.spawn", "os.kill", "os.killpg", "os.setsid", "os.startfile"}
    network = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
               "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.getnameinfo", "socket.sendto",
               "socket.sendmsg", "urllib.Request", "ftplib.connect", "http.client.connect", "smtplib.connect"}
    paths = {"os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.truncate", "os.chmod", "os.chown", "os.link",
             "os.symlink", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile", "os.chdir"}
    forbidden = {"ctypes.dlopen", "ctypes.dlsym", "ctypes.addressof", "ctypes.cdata"}

    def hook(event, args):
        if event == "open":
            path, mode, flags = args
            if path is None or isinstance(path, int):
                return
            writing = (isinstance(mode, str) and any(c in mode for c in "wax+")) or \
                      (isinstance(flags, int) and flags & write_flags)
            if writing and not inside(path):
                verdict("write_outside", 97)
        elif event in spawn:
            verdict("spawn_attempt", 97)
        elif event in network:
            verdict("network_attempt", 97)
        elif event in paths:
            for p in args[:2]:
                if isinstance(p, (str, bytes, os.PathLike)) and not inside(p):
                    verdict("write_outside", 97)
        elif event in forbidden:
            verdict("forbidden", 97)

    sys.addaudithook(hook)
    scope = {"__name__": "__main__", "__builtins__": __builtins__}
    try:
        exec(compile(solution, "solution.py", "exec"), scope)
        exec(compile(tests, "tests.py", "exec"), scope)
        sys.stdout.flush()
    except AssertionError:
        import traceback
        traceback.print_exc()
        verdict("test_failed", 1)
    except MemoryError:
        verdict("memory_limit", 1)
    except SyntaxError:
        verdict("syntax_error", 1)
    except SystemExit as e:
        if e.code not in (None, 0):
            verdict("error", 1)
    except BaseException:
        import traceback
        traceback.print_exc()
        verdict("error", 1)
    verdict("passed", 0)

_primer_main()
