#include "base/thread_name.h"

#include <pthread.h>

#include <string>

namespace k1s::base {

void SetCurrentThreadName(std::string_view name) {
  std::string truncated(name.substr(0, 15));
  pthread_setname_np(pthread_self(), truncated.c_str());
}

}  // namespace k1s::base
