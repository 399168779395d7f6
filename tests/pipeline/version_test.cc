// `primer --version`: the version and the allocator that serves malloc in the process.
#include <doctest/doctest.h>

#include "tests/support/testing.h"

using namespace primer::testing;

TEST_CASE("primer --version names the version and the malloc in use") {
  const auto r = run_command({primer_binary(), "--version"});
  INFO(r.out << r.err);
  REQUIRE(r.exit_code == 0);
  CHECK(r.out.rfind(PRIMER_VERSION " (malloc: ", 0) == 0);
#if PRIMER_EXPECT_MIMALLOC
  // Linked with mimalloc: it must really be the process's malloc (linked ahead of libc).
  CHECK(r.out.find("(malloc: mimalloc 2.") != std::string::npos);
#else
  CHECK(r.out.find("(malloc: glibc)") != std::string::npos);
#endif
}
