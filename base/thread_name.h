// Names the calling thread (up to 15 bytes) for `top -H`, `ps -L` and profilers.
#pragma once

#include <pthread.h>

namespace primer::base {

inline void name_this_thread(const char* name) { ::pthread_setname_np(::pthread_self(), name); }

}  // namespace primer::base
