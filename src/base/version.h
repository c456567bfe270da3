#pragma once
// Build facts shown by `k1s --version`; kVersion, kGitCommit and kBuildDate are generated at
// build time from git (cmake/WriteVersion.cmake).

#include <string>

namespace k1s::base {

extern const char* const kVersion;     // e.g. "v0.1.0"
extern const char* const kGitCommit;   // short commit, "-dirty" when the tree had changes
extern const char* const kBuildDate;   // commit date, ISO 8601

// The CPU architecture this binary was compiled for: "amd64", "arm64", "arm" (Kubernetes names).
const char* TargetArch();

// One line: "k1s version v0.1.0 (commit abc123, built 2026-11-22T19:00:00Z, linux/amd64)".
std::string VersionLine();

}  // namespace k1s::base
