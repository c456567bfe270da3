#include "cli/system_checks.h"

#include <gtest/gtest.h>

namespace k1s::cli {
namespace {

// A machine described by a few files, for testing the rules.
class FixedProbe : public SystemProbe {
 public:
  std::optional<std::string> kernel_config;
  std::map<std::string, std::string> files;
  std::map<std::string, std::string> programs;

  std::optional<std::string> KernelConfig() const override { return kernel_config; }
  std::optional<std::string> ReadFile(const std::string& path) const override {
    auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  }
  bool FileExists(const std::string& path) const override { return files.count(path) > 0; }
  std::optional<std::string> FindProgram(const std::string& name) const override {
    auto it = programs.find(name);
    if (it == programs.end()) return std::nullopt;
    return it->second;
  }
  std::string KernelRelease() const override { return "6.1.0-test"; }
};

const CheckItem* Find(const std::vector<CheckItem>& items, const std::string& name) {
  for (const auto& item : items) {
    if (item.name == name) return &item;
  }
  return nullptr;
}

TEST(ParseKernelConfigTest, KeepsBuiltInAndModuleOptions) {
  auto config = ParseKernelConfig(
      "# comment\nCONFIG_VXLAN=m\nCONFIG_NET_NS=y\n# CONFIG_USER_NS is not set\nCONFIG_HZ=250\n");
  EXPECT_EQ(config.size(), 2u);
  EXPECT_EQ(config["CONFIG_VXLAN"], "m");
  EXPECT_EQ(config["CONFIG_NET_NS"], "y");
}

TEST(SystemChecksTest, ReportsMissingPiecesAsFailures) {
  FixedProbe probe;
  probe.kernel_config = "CONFIG_NET_NS=y\nCONFIG_VXLAN=m\n";
  probe.files["/sys/fs/cgroup/cgroup.controllers"] = "cpuset cpu io memory pids\n";
  probe.files["/proc/modules"] = "vxlan 1 0 - Live 0x0\noverlay 2 0 - Live 0x0\n";
  probe.files["/lib/modules/6.1.0-test/modules.dep"] = "kernel/net/bridge/br_netfilter.ko:\n";
  probe.files["/proc/sys/net/ipv4/ip_forward"] = "0\n";
  probe.files["/usr/lib/cni/bridge"] = "";
  probe.programs["containerd"] = "/usr/bin/containerd";
  probe.programs["iptables"] = "/usr/sbin/iptables";

  auto items = RunSystemChecks(probe);
  EXPECT_EQ(Find(items, "CONFIG_NET_NS")->result, CheckResult::kPass);
  EXPECT_EQ(Find(items, "CONFIG_VXLAN")->detail, "module");
  EXPECT_EQ(Find(items, "CONFIG_MEMCG")->result, CheckResult::kFail);
  EXPECT_EQ(Find(items, "CONFIG_USER_NS")->result, CheckResult::kWarn);
  EXPECT_EQ(Find(items, "memory")->result, CheckResult::kPass);
  EXPECT_EQ(Find(items, "vxlan")->detail, "loaded");
  EXPECT_EQ(Find(items, "overlay")->result, CheckResult::kPass);
  EXPECT_EQ(Find(items, "br_netfilter")->detail, "available, loaded at start");
  EXPECT_EQ(Find(items, "ip_forward")->result, CheckResult::kWarn);
  EXPECT_EQ(Find(items, "containerd")->result, CheckResult::kPass);
  EXPECT_EQ(Find(items, "runc")->result, CheckResult::kFail);
  EXPECT_EQ(Find(items, "cni bridge")->detail, "/usr/lib/cni/bridge");
  EXPECT_EQ(Find(items, "cni portmap")->result, CheckResult::kFail);
}

TEST(SystemChecksTest, MissingKernelConfigIsAWarningNotAFailure) {
  FixedProbe probe;
  probe.files["/proc/cgroups"] = "#subsys_name\thierarchy\tnum_cgroups\tenabled\n"
                                 "cpu\t2\t1\t1\nmemory\t3\t1\t0\n";
  auto items = RunSystemChecks(probe);
  EXPECT_EQ(Find(items, "config")->result, CheckResult::kWarn);
  EXPECT_EQ(Find(items, "version")->result, CheckResult::kWarn);
  EXPECT_EQ(Find(items, "cpu")->result, CheckResult::kPass);
  EXPECT_EQ(Find(items, "memory")->result, CheckResult::kFail);
}

}  // namespace
}  // namespace k1s::cli
