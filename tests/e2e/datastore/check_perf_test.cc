// `etcdctl check perf --load=m` (1,000 writes/s from 200 clients for 60 s) against k1s datastore.
// etcd 3.4 passes it on a 2-core machine; so must k1s.

#include <gtest/gtest.h>

#include "absl/strings/match.h"
#include "tests/e2e/datastore/etcd_processes.h"

namespace k1s::e2e {
namespace {

TEST(DatastoreCheckPerfTest, LoadMediumPasses) {
  base::TempDir dir;
  auto k1s = EtcdProcess::StartK1s(dir.path());
  ASSERT_TRUE(k1s.ok()) << k1s.status();
  std::string out = Sh((*k1s)->endpoint(),
                       "etcdctl --endpoints=$EP check perf --load=m 2>&1 | tr '\\r' '\\n' | "
                       "grep -E 'PASS|FAIL'; exit 0",
                       200);
  std::printf("%s", out.c_str());
  EXPECT_TRUE(absl::StrContains(out, "PASS: Throughput")) << out;
  EXPECT_TRUE(absl::StrContains(out, "PASS: Slowest request")) << out;
  EXPECT_TRUE(absl::StrContains(out, "PASS: Stddev")) << out;
  EXPECT_TRUE(absl::StrContains(out, "PASS\n")) << out;
  EXPECT_FALSE(absl::StrContains(out, "FAIL")) << out;
  EXPECT_EQ((*k1s)->Stop(), 0);
}

}  // namespace
}  // namespace k1s::e2e
