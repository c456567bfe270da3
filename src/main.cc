#include "absl/synchronization/mutex.h"
#include "cli/app.h"

int main(int argc, char** argv) {
#ifdef NDEBUG
  // Debian builds abseil with mutex deadlock detection on; it costs ~2% CPU on the datastore's
  // hot path. Debug and sanitizer builds keep it.
  absl::SetMutexDeadlockDetectionMode(absl::OnDeadlockCycle::kIgnore);
#endif
  return k1s::cli::RunCli(argc, argv);
}
