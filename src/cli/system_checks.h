#pragma once
// The checks behind `k1s check-config`: can this machine run k1s? Each check reads the live
// system through a SystemProbe so the rules can be unit-tested against fixed inputs.

#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

namespace k1s::cli {

enum class CheckResult { kPass, kWarn, kFail };

struct CheckItem {
  std::string group;   // "kernel", "cgroups", "modules", "network", "runtime"
  std::string name;    // e.g. "CONFIG_VXLAN"
  CheckResult result = CheckResult::kPass;
  std::string detail;  // why, in a few words
};

// Read-only view of the machine. The real one reads /proc, /sys, /boot and PATH.
class SystemProbe {
 public:
  virtual ~SystemProbe() = default;
  // The kernel build configuration text (from /proc/config.gz or /boot/config-<release>).
  virtual std::optional<std::string> KernelConfig() const = 0;
  virtual std::optional<std::string> ReadFile(const std::string& path) const = 0;
  virtual bool FileExists(const std::string& path) const = 0;
  virtual std::optional<std::string> FindProgram(const std::string& name) const = 0;
  virtual std::string KernelRelease() const = 0;
};

// Parses "CONFIG_X=y" / "CONFIG_X=m" lines; "# CONFIG_X is not set" lines are absent.
std::map<std::string, std::string> ParseKernelConfig(const std::string& text);

std::vector<CheckItem> RunSystemChecks(const SystemProbe& probe);

// The probe over this machine.
std::unique_ptr<SystemProbe> MakeHostProbe();

}  // namespace k1s::cli
