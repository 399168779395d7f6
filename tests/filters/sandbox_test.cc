// The exercise sandbox against the hostile and careless corpus of tests/filters/sandbox_corpus/.
//
// Each file is one exercise: a solution, the line "# --- tests ---", the tests. Its header
// says what it tries and, optionally, the verdicts it may get ("# expect: a b"), the asserts
// it runs ("# asserts: N"), the share of the solution its tests cover ("# coverage: x") and
// a text its output must contain ("# output: ...": the error the boundary gave it).
// Placeholders name what a hostile exercise would attack: @CANARY@ (a host directory that
// anyone may write to, holding a secret and a listening UNIX socket), @PORT@ (a TCP listener
// on the host's loopback), @VICTIM@ (a host process) and @PARENT@ (this test's pid).
// Whatever its verdict, every exercise must leave no trace: the canary directory as it was,
// nothing new in /tmp, /dev/shm or /usr, no sandbox process left, the victim alive, no
// connection at either listener, no secret in its output.
#include <doctest/doctest.h>

#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <set>
#include <map>
#include <sstream>
#include <thread>

#include "filters/sandbox.h"
#include "tests/filters/filter_testing.h"
#include "tests/support/testing.h"

using namespace primer::filters;
using primer::testing::TempDir;
namespace fs = std::filesystem;

namespace {

struct Exercise {
  std::string name, solution, tests;
  std::set<std::string> expect;  // empty: any verdict (contained is what counts)
  int asserts = -1;
  double coverage = -1;
  std::string output;  // a text its output must contain (why it failed: the boundary's error)
};

std::string replace_all(std::string s, const std::string& from, const std::string& to) {
  for (size_t pos = 0; (pos = s.find(from, pos)) != std::string::npos; pos += to.size())
    s.replace(pos, from.size(), to);
  return s;
}

Exercise load(const fs::path& file, const std::map<std::string, std::string>& values) {
  Exercise e;
  e.name = file.stem().string();
  std::string text = primer::testing::read_file(file);
  for (const auto& [k, v] : values) text = replace_all(text, k, v);
  const std::string marker = "# --- tests ---\n";
  const size_t cut = text.find(marker);
  REQUIRE_MESSAGE(cut != std::string::npos, file.string(), " has no tests marker");
  e.solution = text.substr(0, cut);
  e.tests = text.substr(cut + marker.size());
  std::istringstream lines(e.solution);
  for (std::string line; std::getline(lines, line) && line.starts_with("#");) {
    std::istringstream words(line.substr(1));
    std::string key;
    words >> key;
    if (key == "expect:")
      for (std::string w; words >> w;) e.expect.insert(w);
    else if (key == "asserts:") words >> e.asserts;
    else if (key == "coverage:") words >> e.coverage;
    else if (key == "output:") std::getline(words >> std::ws, e.output);
  }
  return e;
}

std::set<std::string> entries(const fs::path& dir) {
  std::set<std::string> names;
  std::error_code ec;
  for (const auto& entry : fs::directory_iterator(dir, ec)) names.insert(entry.path().filename().string());
  return names;
}

// Processes still running the harness (its source is on their command line).
// A harness interpreter's command line: its loader, or its source where it could not be
// compiled ahead.
bool is_harness(const std::string& cmdline) {
  return cmdline.find("primer exercise harness") != std::string::npos ||
         cmdline.find("_primer_main") != std::string::npos;
}

// This process is a child subreaper: a sandbox process whose parent died is reparented
// here, not to init, so "left behind" can be told apart from other people's sandboxes
// on a shared machine.
const bool kSubreaper = ::prctl(PR_SET_CHILD_SUBREAPER, 1, 0, 0, 0) == 0;

// The parent of process `pid` (/proc/PID/stat: the field after the command's ')'), or 0.
long parent_of(long pid) {
  try {
    const std::string stat = primer::testing::read_file("/proc/" + std::to_string(pid) + "/stat");
    const size_t close = stat.rfind(')');
    if (close == std::string::npos) return 0;
    char state = 0;
    long ppid = 0;
    return std::sscanf(stat.c_str() + close + 1, " %c %ld", &state, &ppid) == 2 ? ppid : 0;
  } catch (...) {
    return 0;
  }
}

// Harness processes of this test process (its descendants, orphans included).
std::vector<long> harness_pids() {
  REQUIRE(kSubreaper);
  const long self = ::getpid();
  std::vector<long> out;
  for (const auto& entry : fs::directory_iterator("/proc")) {
    const std::string pid = entry.path().filename().string();
    if (pid.empty() || !std::isdigit(static_cast<unsigned char>(pid[0]))) continue;
    std::string cmdline;
    try {
      cmdline = primer::testing::read_file(entry.path() / "cmdline");
    } catch (...) {
      continue;
    }
    if (!is_harness(cmdline)) continue;
    long p = std::stol(pid);
    for (int depth = 0; depth < 64 && p > 1 && p != self; ++depth) p = parent_of(p);
    if (p == self) out.push_back(std::stol(pid));
  }
  return out;
}

int harness_processes() { return static_cast<int>(harness_pids().size()); }

bool has_pending_connection(int listener) {
  const int fd = ::accept4(listener, nullptr, nullptr, SOCK_NONBLOCK);
  if (fd >= 0) {
    ::close(fd);
    return true;
  }
  return false;
}

}  // namespace

TEST_CASE("sandbox test support: an orphaned harness of this process is found") {
  // The check the tests below rely on: a harness whose parent died is still ours.
  const pid_t child = ::fork();
  REQUIRE(child >= 0);
  if (child == 0) {
    if (::fork() == 0) {
      ::execl("/usr/bin/python3", "python3", "-c", "import time; time.sleep(30)  # _primer_main", nullptr);
      ::_exit(127);
    }
    ::_exit(0);  // the grandchild is orphaned
  }
  int status = 0;
  ::waitpid(child, &status, 0);
  int found = 0;
  for (int i = 0; i < 200 && found == 0; ++i) {  // until it has exec'd
    found = harness_processes();
    if (!found) std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  CHECK(found == 1);
  pid_t orphan = -1;
  for (long pid : harness_pids())
    if (parent_of(pid) == ::getpid()) orphan = static_cast<pid_t>(pid);
  REQUIRE(orphan > 0);
  ::kill(orphan, SIGKILL);
  ::waitpid(orphan, &status, 0);
  CHECK(harness_processes() == 0);
}

TEST_CASE("sandbox: the hostile and careless corpus gets its verdicts and leaves no trace") {
  SandboxLimits limits;
  limits.cpu_seconds = 1;
  limits.wall_seconds = 4;
  limits.memory_bytes = 256ull << 20;
  limits.file_bytes = 4ull << 20;
  const auto unavailable = sandbox_unavailable(limits);
  REQUIRE_MESSAGE(!unavailable, *unavailable);

  // The canary: a host directory anyone may write to, so only the mount namespace keeps
  // the exercises out of it.
  TempDir canary;
  ::chmod(canary.path().c_str(), 0777);
  primer::testing::write_file(canary / "secret.txt", "primer-canary-secret\n");
  ::setenv("PRIMER_TEST_API_KEY", "primer-canary-api-key", 1);
  const int unix_listener = ::socket(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_un un{};
  un.sun_family = AF_UNIX;
  const std::string sock_path = (canary / "listener.sock").string();
  REQUIRE(sock_path.size() < sizeof un.sun_path);
  std::copy(sock_path.begin(), sock_path.end(), un.sun_path);
  REQUIRE(::bind(unix_listener, reinterpret_cast<sockaddr*>(&un), sizeof un) == 0);
  REQUIRE(::listen(unix_listener, 8) == 0);
  ::chmod(sock_path.c_str(), 0777);
  const int tcp_listener = ::socket(AF_INET, SOCK_STREAM | SOCK_NONBLOCK, 0);
  sockaddr_in in{};
  in.sin_family = AF_INET;
  in.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  REQUIRE(::bind(tcp_listener, reinterpret_cast<sockaddr*>(&in), sizeof in) == 0);
  REQUIRE(::listen(tcp_listener, 8) == 0);
  socklen_t len = sizeof in;
  ::getsockname(tcp_listener, reinterpret_cast<sockaddr*>(&in), &len);
  const pid_t victim = ::fork();
  if (victim == 0) {
    ::pause();
    ::_exit(0);
  }
  REQUIRE(victim > 0);

  const std::map<std::string, std::string> values = {{"@CANARY@", canary.path().string()},
                                                     {"@PORT@", std::to_string(ntohs(in.sin_port))},
                                                     {"@VICTIM@", std::to_string(victim)},
                                                     {"@PARENT@", std::to_string(::getpid())}};
  const auto canary_before = entries(canary.path());
  const auto shm_before = entries("/dev/shm");
  const auto usr_before = entries("/usr");
  std::vector<fs::path> files;
  for (const auto& entry : fs::directory_iterator(fs::path(PRIMER_SOURCE_DIR) / "tests/filters/sandbox_corpus"))
    files.push_back(entry.path());
  std::sort(files.begin(), files.end());
  REQUIRE(files.size() >= 40);
  std::map<std::string, int> verdicts;
  for (const auto& file : files) {
    const Exercise e = load(file, values);
    const SandboxResult r = run_python_sandboxed(limits, e.solution, e.tests);
    const std::string verdict(outcome_name(r.outcome));
    ++verdicts[verdict];
    INFO(e.name, " -> ", verdict, "\n", r.output.substr(0, 600));
    CHECK(is_verdict(r.outcome));
    if (!e.expect.empty()) CHECK_MESSAGE(e.expect.count(verdict) == 1, e.name, " got ", verdict);
    if (e.asserts >= 0) CHECK(static_cast<int>(r.asserts) == e.asserts);
    if (e.coverage >= 0) CHECK(r.coverage() == doctest::Approx(e.coverage));
    if (!e.output.empty()) CHECK_MESSAGE(r.output.find(e.output) != std::string::npos, e.name, ": no '", e.output, "'");
    // No trace.
    CHECK(entries(canary.path()) == canary_before);
    CHECK(entries("/dev/shm") == shm_before);
    CHECK(entries("/usr") == usr_before);
    for (const char* p : {"/tmp/primer-escape", "/tmp/f0", "/tmp/late", "/usr/primer-escape"}) CHECK(!fs::exists(p));
    CHECK(harness_processes() == 0);
    CHECK(::kill(victim, 0) == 0);
    int status = 0;
    CHECK(::waitpid(victim, &status, WNOHANG) == 0);
    CHECK(!has_pending_connection(tcp_listener));
    CHECK(!has_pending_connection(unix_listener));
    CHECK(r.output.find("primer-canary") == std::string::npos);
  }
  std::printf("sandbox corpus: %zu exercises;", files.size());
  for (const auto& [v, n] : verdicts) std::printf(" %s %d", v.c_str(), n);
  std::printf("\n");
  ::kill(victim, SIGKILL);
  ::waitpid(victim, nullptr, 0);
  ::close(tcp_listener);
  ::close(unix_listener);
  ::unsetenv("PRIMER_TEST_API_KEY");
}

TEST_CASE("sandbox: the code runs as nobody, in its own namespaces, on a read-only host") {
  SandboxLimits l;
  l.cpu_seconds = 2;
  l.wall_seconds = 5;
  const auto r =
      run_python_sandboxed(l,
                           "import os, socket\n"
                           "def probe():\n"
                           "    return os.getuid(), os.getgid(), os.getpid(), socket.gethostname()\n",
                           "uid, gid, pid, host = probe()\n"
                           "assert (uid, gid) == (65534, 65534), (uid, gid)\n"
                           "assert pid < 10, pid\n"
                           "assert host == 'sandbox', host\n"
                           "assert not {'etc', 'root', 'home', 'var', 'work', 'sys'} & set(os.listdir('/')), "
                           "os.listdir('/')\n"
                           "assert os.getcwd() == '/exercise'\n"
                           "assert sorted(os.listdir('/dev')) == ['fd', 'full', 'null', 'random', 'shm', "
                           "'stderr', 'stdin', 'stdout', 'urandom', 'zero'], os.listdir('/dev')\n"
                           "assert len(open('/dev/urandom', 'rb').read(8)) == 8\n"
                           "assert set(os.environ) <= {'PATH', 'LANG', 'HOME', 'TMPDIR', 'PYTHONHASHSEED', "
                           "'PWD'}, dict(os.environ)\n"
                           "lines = open('/proc/net/dev').read().splitlines()[2:]\n"
                           "assert [l.split(':')[0].strip() for l in lines] == ['lo'], lines\n"
                           "import errno\n"
                           "d = os.open('/usr/lib', os.O_RDONLY)\n"
                           "try:\n"  // a relative name: the audit hook lets it through, the kernel not
                           "    os.open('primer-escape', os.O_WRONLY | os.O_CREAT, dir_fd=d)\n"
                           "    assert False, 'wrote into /usr'\n"
                           "except OSError as e:\n"
                           "    assert e.errno == errno.EROFS, e\n");
  CHECK_MESSAGE(r.outcome == SandboxOutcome::kPassed, outcome_name(r.outcome), "\n", r.output);
  // Seen from the host, the interpreter is nobody too when primer runs as root (bwrap's
  // own user namespaces map it twice, so only the host's view says where it lands).
  if (::geteuid() == 0) {
    std::atomic<bool> done{false};
    SandboxResult slow;
    std::thread run([&] {
      slow = run_python_sandboxed(l, "import time\ndef wait():\n    time.sleep(1.5)\n    return 1\n",
                                  "assert wait() == 1\n");
      done = true;
    });
    std::set<std::string> uids;
    while (!done) {
      // This test's harnesses only: a suite running beside it (ctest -j) may run others,
      // unisolated, as another user.
      for (const long pid : harness_pids()) {
        std::string status;
        try {
          status = primer::testing::read_file("/proc/" + std::to_string(pid) + "/status");
        } catch (...) {
          continue;
        }
        const size_t at = status.find("\nUid:\t");
        if (at != std::string::npos) uids.insert(status.substr(at + 6, status.find('\t', at + 6) - at - 6));
      }
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    run.join();
    CHECK(slow.outcome == SandboxOutcome::kPassed);
    CHECK(uids == std::set<std::string>{"65534"});
  }
  // The kernel refuses a fork even where the audit hook would not look.
  const auto f = run_python_sandboxed(l,
                                      "import _posixsubprocess, os\n"
                                      "def spawn():\n"
                                      "    try:\n"
                                      "        os.register_at_fork  # the module is there\n"
                                      "        r, w = os.pipe()\n"
                                      "        _posixsubprocess.fork_exec([b'/bin/true'], [b'/bin/true'], True, (w,), "
                                      "None, None, -1, -1, -1, -1, -1, -1, r, w, True, False, -1, None, None, -1, -1, "
                                      "None, False)\n"
                                      "        return 'forked'\n"
                                      "    except OSError as e:\n"
                                      "        return e.errno\n",
                                      "import errno\nassert spawn() == errno.EPERM, spawn()\n");
  CHECK_MESSAGE(f.outcome == SandboxOutcome::kPassed, f.output);
}

TEST_CASE("sandbox: no silent downgrade; isolation = \"none\" is said out loud") {
  SandboxLimits missing;
  missing.bwrap = "/no/such/bwrap";
  const auto why = sandbox_unavailable(missing);
  REQUIRE(why);
  CHECK(why->find("install bubblewrap") != std::string::npos);
  CHECK(why->find("isolation = \"none\"") != std::string::npos);
  CHECK(run_python_sandboxed(missing, "", "assert True\n").outcome == SandboxOutcome::kSandboxError);
  using primer::filters::testing::make_with;
  using primer::filters::testing::Settings;
  CHECK_THROWS_WITH(make_with("exercise_tests", Settings().set("bwrap", "/no/such/bwrap")),
                    doctest::Contains("install bubblewrap"));
  CHECK_THROWS_WITH(make_with("exercise_tests", Settings().set("isolation", "chroot")),
                    doctest::Contains("\"bubblewrap\""));
  auto sandboxed = make_with("exercise_tests");
  CHECK(sandboxed->caveat().empty());
  auto bare = make_with("exercise_tests", Settings().set("isolation", "none"));
  CHECK(bare->caveat().find("without isolation") != std::string::npos);
}

TEST_CASE("sandbox: an interpreter that cannot compile the harness ahead runs its source") {
  TempDir dir;
  const fs::path python = dir / "python3";
  primer::testing::write_file(python,
                              "#!/bin/sh\ncase \"$*\" in *marshal.dumps*) exit 3 ;; esac\n"
                              "exec /usr/bin/python3 \"$@\"\n");
  fs::permissions(python, fs::perms::owner_all | fs::perms::group_read | fs::perms::group_exec |
                              fs::perms::others_read | fs::perms::others_exec);
  SandboxLimits l;
  l.isolation = Isolation::kNone;
  l.python = python;
  l.workdir_root = dir.path();
  const auto r = run_python_sandboxed(l, "def f():\n    return 2\n", "assert f() == 2\n");
  CHECK_MESSAGE(r.outcome == SandboxOutcome::kPassed, outcome_name(r.outcome), "\n", r.output);
  CHECK(r.asserts == 1);
}

TEST_CASE("sandbox: a run cancelled mid-exercise stops at once and gives no verdict") {
  std::atomic<bool> cancel{false};
  SandboxLimits l;
  l.cpu_seconds = 30;
  l.wall_seconds = 30;
  l.cancel = &cancel;
  std::thread stopper([&] {
    std::this_thread::sleep_for(std::chrono::milliseconds(300));
    cancel = true;
  });
  const auto r = run_python_sandboxed(l, "import time\ndef f():\n    time.sleep(20)\n", "f()\nassert True\n");
  stopper.join();
  CHECK(r.outcome == SandboxOutcome::kCancelled);
  CHECK(!is_verdict(r.outcome));
  CHECK(harness_processes() == 0);
}

TEST_CASE("sandbox: what comes back from inside is parsed strictly") {
  using primer::filters::parse_bwrap_child_pid;
  using primer::filters::parse_harness_report;
  const auto ok = parse_harness_report("started\npassed 3 2 4\n");
  CHECK(ok.started);
  CHECK(ok.word == "passed");
  CHECK((ok.asserts == 3 && ok.covered == 2 && ok.lines == 4));
  CHECK_FALSE(parse_harness_report("").started);
  CHECK_FALSE(parse_harness_report("passed 1 1 1\n").started);   // no start line: the sandbox never came up
  const auto cut = parse_harness_report("started\npassed 3 2");  // no end of line: a report cut short
  CHECK(cut.started);
  CHECK(cut.word.empty());
  const auto odd = parse_harness_report("started\npassed 1 9 4\n");  // covered > lines
  CHECK(odd.word == "passed");
  CHECK((odd.covered == 0 && odd.lines == 0));
  CHECK(parse_harness_report("started\npassed 1 1 99999999999\n").lines == 0);
  CHECK(parse_bwrap_child_pid("{\n    \"child-pid\": 4242\n}\n") == 4242);
  CHECK(parse_bwrap_child_pid("{\"child-pid\":77,\"cgroup-namespace\":1}") == 77);
  for (const char* bad : {"", "{}", "{\"child-pid\": -1}", "{\"child-pid\": 0}", "{\"child-pid\": 1}",
                          "{\"child-pid\": 99999999999}", "{\"child-pid\": x}", "{\"child-pid\""})
    CHECK_MESSAGE(parse_bwrap_child_pid(bad) == 0, bad);
}
