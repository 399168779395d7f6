#include "filters/seccomp_policy.h"

#include <linux/sched.h>
#include <seccomp.h>
#include <sys/ioctl.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

namespace primer::filters {

const SeccompProgram& seccomp_program() {
  static const SeccompProgram program = [] {
    SeccompProgram p;
    scmp_filter_ctx ctx = seccomp_init(SCMP_ACT_ALLOW);
    if (!ctx) {
      p.error = "seccomp_init failed";
      return p;
    }
    const uint32_t eperm = SCMP_ACT_ERRNO(EPERM);
    // Nothing an exercise needs; each a way out of, or a way to attack, the boundary.
    // clang-format off
    static const char* const kRefused[] = {
        "ptrace", "process_vm_readv", "process_vm_writev", "kcmp", "pidfd_getfd",
        "mount", "umount", "umount2", "pivot_root", "chroot", "move_mount", "open_tree", "fsopen", "fsconfig",
        "fsmount", "fspick", "mount_setattr", "bpf", "perf_event_open", "keyctl", "add_key", "request_key",
        "unshare", "setns", "init_module", "finit_module", "delete_module", "kexec_load", "kexec_file_load",
        "reboot", "swapon", "swapoff", "acct", "settimeofday", "clock_settime", "clock_adjtime", "adjtimex",
        "sethostname", "setdomainname", "syslog", "quotactl", "quotactl_fd", "name_to_handle_at",
        "open_by_handle_at", "lookup_dcookie", "iopl", "ioperm", "userfaultfd", "io_uring_setup",
        "io_uring_enter", "io_uring_register", "fanotify_init", "vhangup", "uselib", "ustat", "sysfs",
        "nfsservctl", "_sysctl", "fork", "vfork", "execveat", "personality", "migrate_pages", "move_pages",
        "memfd_secret", "landlock_create_ruleset"};
    // clang-format on
    int rc = 0;
    for (const char* name : kRefused) {
      const int nr = seccomp_syscall_resolve_name(name);
      if (nr == __NR_SCMP_ERROR) continue;  // not a system call on this architecture
      rc |= seccomp_rule_add(ctx, eperm, nr, 0);
    }
    // clone: threads only (CLONE_THREAD set), and never with a namespace flag.
    rc |= seccomp_rule_add(ctx, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, CLONE_THREAD, 0));
    static constexpr uint64_t kNamespaceFlags[] = {CLONE_NEWNS,   CLONE_NEWCGROUP, CLONE_NEWUTS, CLONE_NEWIPC,
                                                   CLONE_NEWUSER, CLONE_NEWPID,    CLONE_NEWNET, CLONE_NEWTIME};
    for (const uint64_t flag : kNamespaceFlags)
      rc |= seccomp_rule_add(ctx, eperm, SCMP_SYS(clone), 1, SCMP_A0(SCMP_CMP_MASKED_EQ, flag, flag));
    // clone3 passes its flags in memory, out of a filter's reach: ENOSYS makes the C
    // library fall back to clone for threads.
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(ENOSYS), SCMP_SYS(clone3), 0);
    // Sockets: none with an address, of any family (the network namespace is empty anyway,
    // and may be shared by the exercises of one run); unnamed local pairs (Python's
    // socketpair) only.
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socket), 0);
    rc |= seccomp_rule_add(ctx, SCMP_ACT_ERRNO(EAFNOSUPPORT), SCMP_SYS(socketpair), 1, SCMP_A0(SCMP_CMP_NE, AF_UNIX));
    // Typing into a terminal (bwrap's new session already takes the terminal away).
    rc |= seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, TIOCSTI));
    rc |= seccomp_rule_add(ctx, eperm, SCMP_SYS(ioctl), 1, SCMP_A1(SCMP_CMP_MASKED_EQ, 0xFFFFFFFFu, TIOCLINUX));
    if (rc != 0) {
      seccomp_release(ctx);
      p.error = "a seccomp rule could not be added";
      return p;
    }
    const int fd = ::memfd_create("primer-seccomp", MFD_CLOEXEC);
    if (fd < 0 || seccomp_export_bpf(ctx, fd) != 0) {
      if (fd >= 0) ::close(fd);
      seccomp_release(ctx);
      p.error = "the seccomp program could not be exported";
      return p;
    }
    seccomp_release(ctx);
    const off_t size = ::lseek(fd, 0, SEEK_END);
    p.bpf.resize(size > 0 ? static_cast<size_t>(size) : 0);
    if (size <= 0 || ::pread(fd, p.bpf.data(), p.bpf.size(), 0) != size) {
      p.bpf.clear();
      p.error = "the seccomp program could not be read back";
    }
    ::close(fd);
    return p;
  }();
  return program;
}

}  // namespace primer::filters
