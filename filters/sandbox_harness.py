# The exercise harness: runs solution.py, then tests.py, in one namespace, inside the OS
# sandbox (sandbox.h), and reports one verdict line on fd 3.
#
# It is run as `python3 -I -S -B -c <loader> NPROC private_tmp|host_tmp`, the loader reading
# this file's code object, compiled once per primer process, from descriptor 8 (or as
# `-c <this file>` where that compilation failed). It reads the two files from its working
# directory, installs an audit hook (which names verdicts such as spawn_attempt; the OS
# boundary around the process is what contains them), and proves that the tests did their
# job before it says "passed":
#   - the tests ran to their last statement (SystemExit, os._exit or a signal anywhere
#     before that is "exited_early" or a crash, never a pass);
#   - at least one assert statement (or a unittest assert* method) executed: "no_asserts"
#     otherwise; `assert (x, "msg")` and asserts of a constant check nothing and do not count;
#   - the tests called code the solution defines: "tests_ignore_solution" otherwise;
#   - test_* functions and unittest.TestCase classes that tests.py defines but never runs are
#     discovered and run, as pytest and unittest would (unittest.main() runs them without
#     exiting).
# fd 3 carries "started\n" first (the sandbox came up and the interpreter runs), then
# "<verdict> <asserts> <covered> <lines>\n": the asserts executed, and the statements of
# the solution's function bodies the tests executed out of all of them.
#
# Asserts are counted by the tracer when a line event lands where an assert statement
# starts (found in the compiled tests: the instruction that loads AssertionError); coverage
# uses the lines of the solution's function code objects. No syntax tree is built.
#
# The harness runs in the same interpreter as the code it checks: a solution that wants to
# can reach it. Verification guards against careless tests, not against a forger; what the
# sandbox guarantees is containment.
import os, sys


def _primer_main():
    write, exit_now = os.write, os._exit
    try:
        write(3, b"started\n")
    except OSError:
        exit_now(125)
    os.closerange(4, 256)  # whatever the sandbox tool passed on (file and filter descriptors)
    try:
        import resource
        nproc = int(sys.argv[1]) if len(sys.argv) > 1 else 0
        if nproc > 0:  # threads count too; the kernel refuses fork() itself (seccomp)
            resource.setrlimit(resource.RLIMIT_NPROC, (nproc, nproc))
    except (ImportError, ValueError, OSError):
        pass
    asserts = [0]
    lines_total = [0]
    executed = set()

    def verdict(word, code):
        for stream in (sys.stdout, sys.stderr):  # what the code printed comes first
            try:
                stream.flush()
            except BaseException:
                pass
        covered = len(executed)
        try:
            write(3, ("%s %d %d %d\n" % (word, asserts[0], covered, lines_total[0])).encode())
        except OSError:
            pass
        exit_now(code)

    with open("solution.py", encoding="utf-8") as f:
        solution = f.read()
    with open("tests.py", encoding="utf-8") as f:
        tests = f.read()
    cwd = os.getcwd()
    realpath, join, fsdecode = os.path.realpath, os.path.join, os.fsdecode
    # Writable, private and emptied afterwards: the working directory and /tmp.
    roots = (cwd + os.sep,) + (("/tmp/",) if sys.argv[2:3] == ["private_tmp"] else ())
    write_flags = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC

    def inside(path):
        try:
            p = realpath(join(cwd, fsdecode(path)))
        except Exception:
            return False
        return p == cwd or any(p.startswith(r) for r in roots)

    spawn = {"os.fork", "os.forkpty", "os.system", "os.exec", "os.posix_spawn", "os.spawn", "subprocess.Popen",
             "pty.spawn", "os.setsid", "os.startfile"}
    signals = {"os.kill", "os.killpg", "signal.pthread_kill"}
    network = {"socket.__new__", "socket.connect", "socket.bind", "socket.getaddrinfo", "socket.gethostbyname",
               "socket.gethostbyname_ex", "socket.gethostbyaddr", "socket.getnameinfo", "socket.sendto",
               "socket.sendmsg", "urllib.Request", "ftplib.connect", "http.client.connect", "smtplib.connect"}
    paths = {"os.remove", "os.rmdir", "os.mkdir", "os.rename", "os.truncate", "os.chmod", "os.chown", "os.link",
             "os.symlink", "os.utime", "shutil.rmtree", "shutil.move", "shutil.copyfile", "os.chdir", "os.chroot",
             "os.mkfifo", "os.mknod"}
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
        elif event in signals:
            verdict("signal_attempt", 97)
        elif event in network:
            verdict("network_attempt", 97)
        elif event in paths:
            for p in args[:2]:
                if isinstance(p, (str, bytes, os.PathLike)) and not inside(p):
                    verdict("write_outside", 97)
        elif event in forbidden:
            verdict("forbidden", 97)

    # What the verification needs comes from the compiled code, not from a syntax tree:
    # the parser's node classes (_ast) cost more to set up than the rest of the harness.
    FunctionType, ModuleType, CodeType = type(_primer_main), type(sys), type(_primer_main.__code__)
    optimized = 0x1  # CO_OPTIMIZED: functions, lambdas and comprehensions, not module or class bodies

    def ops(source):
        code = compile(source, "", "exec").co_code
        return {code[i] for i in range(0, len(code), 2)}

    # The opcodes that load AssertionError for a failing assert and build a tuple, found by
    # compiling two pairs of probes that differ only in them.
    load_assertion_error = ops("assert a") - ops("if not a: raise b")
    build_tuple = ops("(a, b)") - ops("a; b")
    if len(load_assertion_error) != 1 or len(build_tuple) != 1:
        import opcode
        load_assertion_error = {opcode.opmap["LOAD_ASSERTION_ERROR"]}
        build_tuple = {opcode.opmap["BUILD_TUPLE"]}
    (load_assertion_error,), (build_tuple,) = load_assertion_error, build_tuple

    def codes(code):
        yield code
        for const in code.co_consts:
            if isinstance(const, CodeType):
                yield from codes(const)

    def assert_entries(code):
        # Each assert that checks something, as (code, the offset its statement starts at):
        # the line tracer counts it when a line event lands there. Asserts of a constant
        # compile to nothing; `assert (x, "message")` (a non-empty tuple: always true) is a
        # tuple built right before the jump over the raise, and does not count.
        entries = set()
        for c in codes(code):
            raw = c.co_code
            ranges = [(start, end, ln) for start, end, ln in c.co_lines() if ln is not None]
            first = {}
            for start, _, ln in ranges:
                first.setdefault(ln, start)
            for start, end, ln in ranges:
                for i in range(start, end, 2):
                    if raw[i] == load_assertion_error and not (i >= 4 and raw[i - 4] == build_tuple and raw[i - 3] > 0):
                        entries.add((c, first[ln]))
        return entries

    def function_body_lines(code):
        # The lines that run when the solution's functions are called (statement coverage,
        # like coverage.py's): module and class bodies run on import and do not count, nor
        # do comprehensions there; a function's own first line (its def) does not either.
        lines = set()

        def visit(c, in_function):
            for const in c.co_consts:
                if not isinstance(const, CodeType):
                    continue
                is_function = bool(const.co_flags & optimized)
                if is_function and (in_function or not const.co_name.startswith("<") or const.co_name == "<lambda>"):
                    own = {ln for _, _, ln in const.co_lines() if ln is not None}
                    if const.co_name != "<lambda>":
                        own.discard(const.co_firstlineno)
                    lines.update(own)
                visit(const, in_function or is_function)

        visit(code, False)
        return lines

    try:
        solution_code = compile(solution, "solution.py", "exec")
        tests_code = compile(tests, "tests.py", "exec")
    except (SyntaxError, ValueError):  # ValueError: a NUL byte in the source
        verdict("syntax_error", 1)
    except (MemoryError, RecursionError):
        verdict("syntax_error", 1)
    body_lines = function_body_lines(solution_code)
    lines_total[0] = len(body_lines)
    checks = assert_entries(tests_code)

    module = ModuleType("__main__")
    module.__dict__["__builtins__"] = __builtins__
    sys.modules["__main__"] = module
    scope = module.__dict__

    called_solution = [False]
    called_tests = set()

    def line_trace(frame, event, arg):
        if event == "line" and frame.f_lineno in body_lines:
            executed.add(frame.f_lineno)
        return line_trace

    def assert_trace(frame, event, arg):
        if event == "line" and (frame.f_code, frame.f_lasti) in checks:
            asserts[0] += 1
        return assert_trace

    def call_trace(frame, event, arg):
        code = frame.f_code
        if code.co_filename == "solution.py":
            called_solution[0] = True
            return line_trace
        if code.co_filename == "tests.py":
            called_tests.add(code)
            return assert_trace
        return None

    ran_cases = set()

    def unittest_support():
        # Counts unittest's checks, and makes unittest.main() run the TestCase classes
        # without exiting (it would raise SystemExit at the tests' last statement).
        import unittest

        def counting(method):
            def check(*args, **kwargs):
                asserts[0] += 1
                return method(*args, **kwargs)
            return check

        for name in list(vars(unittest.TestCase)):
            if (name.startswith("assert") or name == "fail") and callable(getattr(unittest.TestCase, name)):
                setattr(unittest.TestCase, name, counting(getattr(unittest.TestCase, name)))

        def main(*args, **kwargs):
            run_test_cases(unittest)

        unittest.main = main
        return unittest

    class Failed(Exception):
        pass

    def run_test_cases(unittest):
        class Result(unittest.TestResult):
            def addFailure(self, test, err):
                raise Failed(("test_failed", err))

            def addError(self, test, err):
                raise Failed(("exited_early" if issubclass(err[0], SystemExit) else
                              "memory_limit" if issubclass(err[0], MemoryError) else "error", err))

            def addExpectedFailure(self, test, err):
                pass

            def addUnexpectedSuccess(self, test):
                raise Failed(("test_failed", None))

        for value in list(scope.values()):
            if (isinstance(value, type) and issubclass(value, unittest.TestCase) and value not in ran_cases
                    and any(getattr(getattr(v, "__code__", None), "co_filename", "") == "tests.py"
                            for v in vars(value).values())):
                ran_cases.add(value)
                unittest.defaultTestLoader.loadTestsFromTestCase(value).run(Result())

    def run_discovered():
        # pytest-style functions and classes that the tests define and never call.
        for name, value in list(scope.items()):
            if not name.startswith("test") or not isinstance(value, FunctionType):
                continue
            code = value.__code__
            if code.co_filename != "tests.py" or code in called_tests:
                continue
            if code.co_argcount - len(value.__defaults__ or ()) > 0 or code.co_kwonlyargcount:
                continue  # it needs fixtures: pytest would have to supply them
            value()
        for name, value in list(scope.items()):
            if not (name.startswith("Test") and isinstance(value, type)) or "unittest" in sys.modules and \
                    issubclass(value, sys.modules["unittest"].TestCase):
                continue
            methods = [(n, m) for n, m in vars(value).items() if n.startswith("test") and
                       isinstance(m, FunctionType) and m.__code__.co_filename == "tests.py" and
                       m.__code__ not in called_tests and m.__code__.co_argcount == 1]
            if methods:
                instance = value()
                for n, m in methods:
                    m(instance)
        if "unittest" in sys.modules:
            run_test_cases(sys.modules["unittest"])

    sys.addaudithook(hook)
    try:
        if "unittest" in tests:
            unittest_support()
        exec(solution_code, scope)
        sys.settrace(call_trace)
        exec(tests_code, scope)
        run_discovered()
        sys.settrace(None)
        sys.stdout.flush()
        sys.stderr.flush()
    except Failed as e:
        sys.settrace(None)
        word, err = e.args[0]
        if err is not None:
            print("%s: %s" % (err[0].__name__, err[1]), file=sys.stderr)
        verdict(word, 1)
    except AssertionError as e:
        sys.settrace(None)
        print("AssertionError: %s" % (e,), file=sys.stderr)
        verdict("test_failed", 1)
    except MemoryError:
        verdict("memory_limit", 1)
    except SystemExit:
        verdict("exited_early", 1)
    except BaseException as e:
        sys.settrace(None)
        try:
            print("%s: %s" % (type(e).__name__, e), file=sys.stderr)
        except BaseException:
            pass
        verdict("error", 1)
    if asserts[0] == 0:
        verdict("no_asserts", 1)
    if not called_solution[0]:
        verdict("tests_ignore_solution", 1)
    verdict("passed", 0)


_primer_main()
