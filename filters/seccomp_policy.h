// The seccomp policy of the exercise sandbox (sandbox.cc): the system calls an exercise
// never needs refused with EPERM (tracing, mounts, namespaces, modules, keyrings, BPF,
// io_uring, new processes other than threads), sockets with an address refused, and
// terminal injection refused, as the classic BPF program that `bwrap --seccomp` loads.
#pragma once

#include <string>

namespace primer::filters {

struct SeccompProgram {
  std::string bpf;    // the program, empty on error
  std::string error;  // what failed (libseccomp), empty on success
};

// Compiled on first use, once per process (thread-safe).
const SeccompProgram& seccomp_program();

}  // namespace primer::filters
