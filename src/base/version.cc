#include "base/version.h"

#include "absl/strings/str_cat.h"

namespace k1s::base {

const char* TargetArch() {
#if defined(__x86_64__)
  return "amd64";
#elif defined(__aarch64__)
  return "arm64";
#elif defined(__arm__)
  return "arm";
#elif defined(__i386__)
  return "386";
#elif defined(__riscv) && __riscv_xlen == 64
  return "riscv64";
#else
  return "unknown";
#endif
}

std::string VersionLine() {
  return absl::StrCat("k1s version ", kVersion, " (commit ", kGitCommit, ", built ", kBuildDate,
                      ", linux/", TargetArch(), ")");
}

}  // namespace k1s::base
