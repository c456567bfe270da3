// etcdctl 3.4 against `k1s datastore`: one scenario covering KV, txn, watch, lease, compaction
// and maintenance commands. The same scenario then runs against Debian's etcd 3.4 and every step
// must print the same (after Normalize: ports, ids, latencies differ legitimately).

#include <gtest/gtest.h>

#include <string>
#include <utility>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "tests/e2e/datastore/etcd_processes.h"

namespace k1s::e2e {
namespace {

struct Step {
  std::string name;
  std::string output;
};

// Runs the scenario on a fresh server; every write happens in the same order on both servers,
// so revisions match too.
std::vector<Step> RunScenario(const std::string& ep) {
  std::vector<Step> steps;
  auto run = [&](std::string name, std::string output) {
    steps.push_back(Step{std::move(name), std::move(output)});
  };
  auto ctl = [&](const std::string& name, const std::string& args) {
    run(name, Etcdctl(ep, args));
  };
  auto sh = [&](const std::string& name, const std::string& script, int timeout = 30) {
    run(name, Sh(ep, script, timeout));
  };

  ctl("put a", "put a 1");
  ctl("put b", "put b 2");
  ctl("put c", "put c 3");
  ctl("put dir/x", "put dir/x 10");
  ctl("put dir/y", "put dir/y 20");
  ctl("put dir/z", "put dir/z 30");
  ctl("put binary value", "put e \"$(printf 'x\\ty')\"");
  ctl("get prefix", "get --prefix dir/");
  ctl("get range", "get a c");
  ctl("get from-key", "get --from-key c --keys-only");
  ctl("get limit json", "get --prefix dir/ --limit 2 -w json");
  ctl("get count-only", "get --prefix dir/ --count-only -w json");
  ctl("get sorted", "get --prefix '' --sort-by=MODIFY --order=DESCEND --keys-only");
  ctl("get sort by value", "get --prefix dir/ --sort-by=VALUE --order=ASCEND");
  ctl("update a", "put a 11 --prev-kv");
  ctl("get historical", "get a --rev 2");
  ctl("get historical json", "get a --rev 2 -w json");
  ctl("get future revision", "get a --rev 1000");
  ctl("get missing", "get nothing-here -w json");
  ctl("delete prefix", "del --prefix dir/ --prev-kv");
  ctl("get after delete", "get --prefix dir/");
  sh("txn success",
     "printf 'value(\"a\") = \"11\"\\n\\nput a 12\\nget b\\n\\nput z 1\\n\\n' | "
     "etcdctl --endpoints=$EP txn 2>&1");
  sh("txn failure",
     "printf 'value(\"a\") = \"nope\"\\n\\nput a 13\\n\\nput z 1\\nget z\\n\\n' | "
     "etcdctl --endpoints=$EP txn 2>&1");
  sh("txn else read",
     "printf 'create(\"c\") > \"100\"\\nmod(\"b\") > \"0\"\\n\\nput c never\\n\\nget c\\n\\n' | "
     "etcdctl --endpoints=$EP txn -w json 2>&1");
  ctl("get after txn", "get a");
  // Watches: replay from a revision (ended by timeout), then a live prefix watch with prev_kv.
  sh("watch replay", "timeout 2 etcdctl --endpoints=$EP watch --prefix '' --rev 1 2>&1");
  sh("watch live prefix",
     "timeout 4 etcdctl --endpoints=$EP watch --prefix live/ --prev-kv 2>&1 & sleep 1.5; "
     "etcdctl --endpoints=$EP put live/1 a >/dev/null; "
     "etcdctl --endpoints=$EP put live/1 b >/dev/null; "
     "etcdctl --endpoints=$EP del live/1 >/dev/null; wait");
  sh("watch interactive progress",
     "(echo 'watch --prefix iw/'; sleep 1; etcdctl --endpoints=$EP put iw/1 x >/dev/null; "
     "sleep 1; echo progress; sleep 1) | etcdctl --endpoints=$EP watch -i 2>/dev/null");
  // Leases.
  sh("lease lifecycle",
     "L=$(etcdctl --endpoints=$EP lease grant 60 | cut -d' ' -f2); "
     "etcdctl --endpoints=$EP put leased v --lease=$L; "
     "etcdctl --endpoints=$EP put leased2 v --lease=$L; "
     "etcdctl --endpoints=$EP lease timetolive $L --keys; "
     "etcdctl --endpoints=$EP lease keep-alive --once $L; "
     "etcdctl --endpoints=$EP lease list; "
     "etcdctl --endpoints=$EP lease revoke $L; "
     "etcdctl --endpoints=$EP get --prefix leased; "
     "etcdctl --endpoints=$EP lease timetolive $L; "
     "etcdctl --endpoints=$EP lease revoke $L 2>&1");
  sh("lease expiry",
     "L=$(etcdctl --endpoints=$EP lease grant 2 | cut -d' ' -f2); "
     "etcdctl --endpoints=$EP put short v --lease=$L; "
     "etcdctl --endpoints=$EP get short; sleep 5; "
     "etcdctl --endpoints=$EP get short -w json; "
     "etcdctl --endpoints=$EP lease timetolive $L; "
     "etcdctl --endpoints=$EP lease keep-alive --once $L 2>&1",
     60);
  ctl("put with unknown lease", "put k v --lease=1234abcd");
  // Compaction: reads and watches below it fail with etcd's errors.
  ctl("revision before compaction", "get a -w json");
  ctl("compact", "compact 5");
  ctl("get compacted revision", "get a --rev 3");
  ctl("get at compaction revision", "get a --rev 5");
  sh("watch compacted revision", "timeout 3 etcdctl --endpoints=$EP watch a --rev 3 2>&1");
  ctl("compact again same revision", "compact 5");
  ctl("endpoint health", "endpoint health");
  return steps;
}

const Step& Find(const std::vector<Step>& steps, const std::string& name) {
  for (const Step& step : steps) {
    if (step.name == name) return step;
  }
  static const Step kMissing{"missing", ""};
  ADD_FAILURE() << "no step " << name;
  return kMissing;
}

void ExpectContains(const std::vector<Step>& steps, const std::string& name,
                    const std::string& needle) {
  const Step& step = Find(steps, name);
  EXPECT_TRUE(absl::StrContains(SortAttachedKeys(step.output), needle))
      << "step '" << name << "' lacks '" << needle << "':\n"
      << step.output;
}

// What the scenario must print, checked on k1s and, to prove the oracle ran it too, on etcd.
void CheckScenario(const std::vector<Step>& steps) {
  ExpectContains(steps, "get prefix", "dir/x\n10\ndir/y\n20\ndir/z\n30\n");
  ExpectContains(steps, "get range", "a\n1\nb\n2\n");
  ExpectContains(steps, "get limit json", "\"more\":true,\"count\":3");
  ExpectContains(steps, "get sorted", "e\n\ndir/z\n\ndir/y\n");
  ExpectContains(steps, "update a", "OK\na\n1\n");
  ExpectContains(steps, "get historical", "a\n1\n");
  ExpectContains(steps, "get future revision",
                 "etcdserver: mvcc: required revision is a future revision");
  ExpectContains(steps, "delete prefix", "3\ndir/x\n10\n");
  ExpectContains(steps, "txn success", "SUCCESS\n\nOK\n\nb\n2\n");
  ExpectContains(steps, "txn failure", "FAILURE\n\nOK\n\nz\n1\n");
  ExpectContains(steps, "txn else read", "\"kvs\":[{\"key\":\"Yw==\"");
  ExpectContains(steps, "watch replay", "PUT\na\n1\nPUT\nb\n2\n");
  ExpectContains(steps, "watch live prefix", "PUT\nlive/1\na\nPUT\nlive/1\na\nlive/1\nb\nDELETE\n");
  ExpectContains(steps, "watch interactive progress", "PUT\niw/1\nx\nprogress notify: ");
  ExpectContains(steps, "lease lifecycle", "attached keys([leased leased2])");
  ExpectContains(steps, "lease lifecycle", "keepalived with TTL(60)");
  ExpectContains(steps, "lease lifecycle", "already expired");
  ExpectContains(steps, "lease lifecycle", "etcdserver: requested lease not found");
  EXPECT_FALSE(absl::StrContains(Find(steps, "lease expiry").output, "\"kvs\""))
      << Find(steps, "lease expiry").output;  // the key went with its lease
  ExpectContains(steps, "lease expiry", "already expired");
  ExpectContains(steps, "put with unknown lease", "etcdserver: requested lease not found");
  ExpectContains(steps, "compact", "compacted revision 5");
  ExpectContains(steps, "get compacted revision",
                 "etcdserver: mvcc: required revision has been compacted");
  ExpectContains(steps, "watch compacted revision",
                 "watch was canceled (etcdserver: mvcc: required revision has been compacted)");
  ExpectContains(steps, "endpoint health", "is healthy: successfully committed proposal");
}

TEST(DatastoreEtcdctlTest, ScenarioMatchesEtcd) {
  base::TempDir dir;
  auto k1s = EtcdProcess::StartK1s(dir.path());
  ASSERT_TRUE(k1s.ok()) << k1s.status();
  std::vector<Step> got = RunScenario((*k1s)->endpoint());

  CheckScenario(got);

  // Maintenance and cluster answers that differ from etcd by design.
  const std::string ep = (*k1s)->endpoint();
  std::string status = Etcdctl(ep, "endpoint status -w json");
  EXPECT_TRUE(absl::StrContains(status, "\"version\":\"3.5.0\"")) << status;
  EXPECT_TRUE(absl::StrContains(status, "\"dbSize\":")) << status;
  EXPECT_TRUE(absl::StrContains(status, "\"leader\":")) << status;
  std::string members = Etcdctl(ep, "member list");
  EXPECT_TRUE(absl::StrContains(members, absl::StrCat("started, ")) &&
              absl::StrContains(members, "http://" + ep))
      << members;
  EXPECT_EQ(Etcdctl(ep, "alarm list"), "");  // no alarms, as on a healthy etcd
  std::string defrag = Etcdctl(ep, "defrag");
  EXPECT_TRUE(absl::StrContains(defrag, "Finished defragmenting etcd member")) << defrag;
  std::string snapshot = Etcdctl(ep, "snapshot save " + dir.path() + "/snap.db");
  EXPECT_TRUE(absl::StrContains(snapshot, "not supported")) << snapshot;
  EXPECT_EQ((*k1s)->Stop(), 0) << "k1s datastore did not stop cleanly on SIGTERM";

  // The oracle.
  auto etcd = EtcdProcess::StartEtcd(dir.path());
  if (absl::IsNotFound(etcd.status())) GTEST_SKIP() << etcd.status();
  ASSERT_TRUE(etcd.ok()) << etcd.status();
  std::vector<Step> want = RunScenario((*etcd)->endpoint());
  CheckScenario(want);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_EQ(Normalize(got[i].output, ep), Normalize(want[i].output, (*etcd)->endpoint()))
        << "step '" << got[i].name << "' differs from etcd 3.4";
  }
}

TEST(DatastoreEtcdctlTest, RefusesPlaintextOnNonLoopback) {
  base::TempDir dir;
  auto result = base::RunCommand({K1S_BINARY, "datastore", "--data-dir", dir.path(),
                                  "--listen-client-urls", "http://0.0.0.0:0"},
                                 30LL * 1000000000);
  ASSERT_TRUE(result.ok()) << result.status();
  EXPECT_NE(result->exit_code, 0);
  EXPECT_TRUE(absl::StrContains(result->output, "--trusted-ca-file")) << result->output;
}

TEST(DatastoreEtcdctlTest, ServesUnixSocket) {
  base::TempDir dir;
  std::string sock = dir.path() + "/etcd.sock";
  base::SubprocessOptions options;
  options.argv = {K1S_BINARY,      "datastore", "--data-dir", dir.path(), "--listen-client-urls",
                  "unix://" + sock};
  options.output_path = dir.path() + "/log";
  auto process = base::Subprocess::Start(options);
  ASSERT_TRUE(process.ok()) << process.status();
  std::string ep = "unix://" + sock;
  std::string out;
  for (int i = 0; i < 100; ++i) {
    out = Etcdctl(ep, "--command-timeout=1s put via-socket yes");
    if (absl::StrContains(out, "OK")) break;
    usleep(100000);
  }
  EXPECT_EQ(out, "OK\n");
  EXPECT_EQ(Etcdctl(ep, "get via-socket --print-value-only"), "yes\n");
  (*process)->Signal(SIGTERM);
  auto code = (*process)->WaitFor(15LL * 1000000000);
  ASSERT_TRUE(code.has_value());
  EXPECT_EQ(*code, 0);
}

}  // namespace
}  // namespace k1s::e2e
