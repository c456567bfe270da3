#include "cli/system_checks.h"

#include <sys/utsname.h>
#include <zlib.h>

#include <memory>
#include <set>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "absl/strings/strip.h"
#include "base/files.h"
#include "base/subprocess.h"

namespace k1s::cli {
namespace {

// Kernel options containers and pod networking cannot do without ("y" or "m").
constexpr const char* kRequiredKernelOptions[] = {
    "CONFIG_NAMESPACES",     "CONFIG_NET_NS",         "CONFIG_PID_NS",
    "CONFIG_IPC_NS",         "CONFIG_UTS_NS",         "CONFIG_CGROUPS",
    "CONFIG_CGROUP_CPUACCT", "CONFIG_CGROUP_DEVICE",  "CONFIG_CGROUP_FREEZER",
    "CONFIG_CGROUP_SCHED",   "CONFIG_CPUSETS",        "CONFIG_MEMCG",
    "CONFIG_KEYS",           "CONFIG_VETH",           "CONFIG_BRIDGE",
    "CONFIG_BRIDGE_NETFILTER", "CONFIG_NF_NAT",       "CONFIG_NF_CONNTRACK",
    "CONFIG_IP_NF_FILTER",   "CONFIG_IP_NF_TARGET_MASQUERADE",
    "CONFIG_NETFILTER_XT_MATCH_ADDRTYPE", "CONFIG_NETFILTER_XT_MATCH_CONNTRACK",
    "CONFIG_POSIX_MQUEUE",   "CONFIG_OVERLAY_FS",     "CONFIG_VXLAN",
};
// Useful but not fatal when missing.
constexpr const char* kOptionalKernelOptions[] = {
    "CONFIG_USER_NS", "CONFIG_SECCOMP", "CONFIG_CGROUP_PIDS", "CONFIG_BLK_CGROUP",
    "CONFIG_NETFILTER_XT_MATCH_COMMENT", "CONFIG_NETFILTER_XT_MATCH_MULTIPORT",
    "CONFIG_NF_TABLES",
};
constexpr const char* kModules[] = {"overlay", "br_netfilter", "vxlan"};
constexpr const char* kCniPlugins[] = {"bridge", "host-local", "loopback", "portmap"};
constexpr const char* kCniDirs[] = {"/usr/lib/cni", "/opt/cni/bin"};

void CheckKernel(const SystemProbe& probe, std::vector<CheckItem>& out) {
  std::optional<std::string> text = probe.KernelConfig();
  if (!text) {
    out.push_back({"kernel", "config", CheckResult::kWarn,
                   "kernel configuration not found (/proc/config.gz, /boot/config-" +
                       probe.KernelRelease() + "); options not checked"});
    return;
  }
  auto config = ParseKernelConfig(*text);
  auto check = [&](const char* option, CheckResult if_missing) {
    auto it = config.find(option);
    if (it == config.end()) {
      out.push_back({"kernel", option, if_missing, "missing"});
    } else {
      out.push_back({"kernel", option, CheckResult::kPass, it->second == "m" ? "module" : "built in"});
    }
  };
  for (const char* option : kRequiredKernelOptions) check(option, CheckResult::kFail);
  for (const char* option : kOptionalKernelOptions) check(option, CheckResult::kWarn);
}

void CheckCgroups(const SystemProbe& probe, std::vector<CheckItem>& out) {
  std::optional<std::string> controllers = probe.ReadFile("/sys/fs/cgroup/cgroup.controllers");
  if (controllers) {
    std::set<std::string, std::less<>> available;
    for (auto word : absl::StrSplit(*controllers, absl::ByAnyChar(" \n"), absl::SkipEmpty())) {
      available.emplace(word);
    }
    out.push_back({"cgroups", "version", CheckResult::kPass, "cgroup v2 (unified)"});
    for (const char* controller : {"cpu", "memory", "pids", "cpuset"}) {
      bool ok = available.count(controller) > 0;
      out.push_back({"cgroups", controller, ok ? CheckResult::kPass : CheckResult::kFail,
                     ok ? "enabled" : "controller not enabled at the cgroup root"});
    }
    return;
  }
  std::optional<std::string> v1 = probe.ReadFile("/proc/cgroups");
  if (!v1) {
    out.push_back({"cgroups", "version", CheckResult::kFail, "no cgroup filesystem found"});
    return;
  }
  out.push_back({"cgroups", "version", CheckResult::kWarn, "cgroup v1 (v2 is recommended)"});
  for (const char* controller : {"cpu", "memory", "pids", "cpuset"}) {
    bool ok = false;
    for (auto line : absl::StrSplit(*v1, '\n')) {
      std::vector<absl::string_view> fields = absl::StrSplit(line, '\t');
      if (fields.size() >= 4 && fields[0] == controller && fields[3] == "1") ok = true;
    }
    out.push_back({"cgroups", controller, ok ? CheckResult::kPass : CheckResult::kFail,
                   ok ? "enabled" : "not enabled"});
  }
}

void CheckModules(const SystemProbe& probe, std::vector<CheckItem>& out) {
  std::string loaded = probe.ReadFile("/proc/modules").value_or("");
  std::string release = probe.KernelRelease();
  std::string builtin = probe.ReadFile("/lib/modules/" + release + "/modules.builtin").value_or("");
  std::string available = probe.ReadFile("/lib/modules/" + release + "/modules.dep").value_or("");
  for (const char* module : kModules) {
    if (absl::StrContains(loaded, absl::StrCat("\n", module, " ")) ||
        absl::StartsWith(loaded, absl::StrCat(module, " "))) {
      out.push_back({"modules", module, CheckResult::kPass, "loaded"});
    } else if (absl::StrContains(builtin, absl::StrCat("/", module, ".ko"))) {
      out.push_back({"modules", module, CheckResult::kPass, "built in"});
    } else if (absl::StrContains(available, absl::StrCat("/", module, ".ko"))) {
      out.push_back({"modules", module, CheckResult::kPass, "available, loaded at start"});
    } else {
      out.push_back({"modules", module, CheckResult::kFail, "neither loaded nor available"});
    }
  }
}

void CheckNetwork(const SystemProbe& probe, std::vector<CheckItem>& out) {
  bool iptables = probe.FindProgram("iptables").has_value();
  bool nft = probe.FindProgram("nft").has_value();
  out.push_back({"network", "iptables/nftables",
                 iptables || nft ? CheckResult::kPass : CheckResult::kFail,
                 iptables ? "iptables found" : nft ? "nft found" : "neither iptables nor nft found"});
  std::string forward =
      std::string(absl::StripAsciiWhitespace(
          probe.ReadFile("/proc/sys/net/ipv4/ip_forward").value_or("")));
  out.push_back({"network", "ip_forward", forward == "1" ? CheckResult::kPass : CheckResult::kWarn,
                 forward == "1" ? "enabled" : "disabled; k1s enables it at start"});
}

void CheckRuntime(const SystemProbe& probe, std::vector<CheckItem>& out) {
  for (const char* program : {"containerd", "runc"}) {
    std::optional<std::string> path = probe.FindProgram(program);
    out.push_back({"runtime", program, path ? CheckResult::kPass : CheckResult::kFail,
                   path ? *path : "not found in PATH (Debian: apt-get install " +
                                      std::string(program) + ")"});
  }
  for (const char* plugin : kCniPlugins) {
    std::string found;
    for (const char* dir : kCniDirs) {
      std::string path = absl::StrCat(dir, "/", plugin);
      if (found.empty() && probe.FileExists(path)) found = path;
    }
    out.push_back({"runtime", absl::StrCat("cni ", plugin),
                   found.empty() ? CheckResult::kFail : CheckResult::kPass,
                   found.empty() ? "not in /usr/lib/cni or /opt/cni/bin "
                                   "(Debian: containernetworking-plugins)"
                                 : found});
  }
}

std::optional<std::string> Gunzip(const std::string& path) {
  gzFile file = gzopen(path.c_str(), "rb");
  if (file == nullptr) return std::nullopt;
  std::string text;
  char buffer[16384];
  int n;
  while ((n = gzread(file, buffer, sizeof(buffer))) > 0) text.append(buffer, n);
  gzclose(file);
  if (n < 0) return std::nullopt;
  return text;
}

class HostProbe final : public SystemProbe {
 public:
  std::optional<std::string> KernelConfig() const override {
    if (auto text = Gunzip("/proc/config.gz")) return text;
    return ReadFile("/boot/config-" + KernelRelease());
  }
  std::optional<std::string> ReadFile(const std::string& path) const override {
    auto text = base::ReadFile(path);
    if (!text.ok()) return std::nullopt;
    return *text;
  }
  bool FileExists(const std::string& path) const override { return base::PathExists(path); }
  std::optional<std::string> FindProgram(const std::string& name) const override {
    if (auto path = base::FindExecutable(name)) return path;
    for (const char* dir : {"/usr/sbin", "/sbin"}) {  // root's tools, even with a user's PATH
      if (auto path = base::FindExecutable(absl::StrCat(dir, "/", name))) return path;
    }
    return std::nullopt;
  }
  std::string KernelRelease() const override {
    utsname name{};
    uname(&name);
    return name.release;
  }
};

}  // namespace

std::map<std::string, std::string> ParseKernelConfig(const std::string& text) {
  std::map<std::string, std::string> config;
  for (absl::string_view line : absl::StrSplit(text, '\n')) {
    if (!absl::StartsWith(line, "CONFIG_")) continue;
    size_t equals = line.find('=');
    if (equals == absl::string_view::npos) continue;
    absl::string_view value = line.substr(equals + 1);
    if (value == "y" || value == "m") config.emplace(line.substr(0, equals), value);
  }
  return config;
}

std::vector<CheckItem> RunSystemChecks(const SystemProbe& probe) {
  std::vector<CheckItem> items;
  CheckKernel(probe, items);
  CheckCgroups(probe, items);
  CheckModules(probe, items);
  CheckNetwork(probe, items);
  CheckRuntime(probe, items);
  return items;
}

std::unique_ptr<SystemProbe> MakeHostProbe() { return std::make_unique<HostProbe>(); }

}  // namespace k1s::cli
