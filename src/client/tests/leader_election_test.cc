#include "client/leader_election.h"

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "api/errors.h"
#include "base/testing/fake_clock.h"
#include "client/resource.h"
#include "client/testing/test_cluster.h"

namespace k1s::client {
namespace {

using nlohmann::json;
using testing::Eventually;
using testing::TestCluster;

constexpr char kNamespace[] = "kube-system";
constexpr char kLease[] = "test-controller";

// Short periods so tests run fast; the lease outlasts every test's wait for a takeover, so a
// quick takeover proves the Lease was released rather than expired.
LeaderElectionConfig Config(const std::string& identity) {
  LeaderElectionConfig config;
  config.lease_namespace = kNamespace;
  config.lease_name = kLease;
  config.identity = identity;
  config.lease_duration = std::chrono::seconds(5);
  config.renew_deadline = std::chrono::milliseconds(400);
  config.retry_period = std::chrono::milliseconds(50);
  return config;
}

// Counts callbacks; readable from the test thread.
struct Observer {
  std::atomic<int> started{0};
  std::atomic<int> stopped{0};
  std::mutex mu;
  std::vector<std::string> leaders;

  LeaderCallbacks Callbacks() {
    LeaderCallbacks callbacks;
    callbacks.on_started_leading = [this] { ++started; };
    callbacks.on_stopped_leading = [this] { ++stopped; };
    callbacks.on_new_leader = [this](const std::string& identity) {
      std::lock_guard<std::mutex> lock(mu);
      leaders.push_back(identity);
    };
    return callbacks;
  }
  std::vector<std::string> Leaders() {
    std::lock_guard<std::mutex> lock(mu);
    return leaders;
  }
};

class LeaderElectionTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(cluster_.ok());
    absl::Status created = cluster_.CreateNamespace(kNamespace);
    ASSERT_TRUE(created.ok() || api::IsAlreadyExists(created)) << created;
  }

  json Lease() {
    absl::StatusOr<json> lease = admin_.Get(resources::Leases(), kNamespace, kLease);
    EXPECT_TRUE(lease.ok()) << lease.status();
    return lease.ok() ? *lease : json::object();
  }

  std::string Holder() {
    absl::StatusOr<json> lease = admin_.Get(resources::Leases(), kNamespace, kLease);
    if (!lease.ok()) return "";
    return (*lease)["spec"].value("holderIdentity", "");
  }

  TestCluster cluster_;
  Client admin_ = cluster_.Admin("leader-test");
};

TEST_F(LeaderElectionTest, ExactlyOneLeadsAndASuccessorTakesOverAfterStop) {
  Observer a_observer, b_observer;
  auto a = std::make_unique<LeaderElector>(admin_, Config("a"), a_observer.Callbacks(),
                                           base::RealClock());
  LeaderElector b(admin_, Config("b"), b_observer.Callbacks(), base::RealClock());
  ASSERT_TRUE(a->Start().ok());
  ASSERT_TRUE(b.Start().ok());

  ASSERT_TRUE(Eventually([&] { return a->IsLeader() || b.IsLeader(); }));
  // Several renew periods later still exactly one leads, the one the Lease names.
  for (int i = 0; i < 10; ++i) {
    EXPECT_NE(a->IsLeader(), b.IsLeader());
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  const bool a_leads = a->IsLeader();
  LeaderElector& leader = a_leads ? *a : b;
  LeaderElector& follower = a_leads ? b : *a;
  Observer& leader_observer = a_leads ? a_observer : b_observer;
  Observer& follower_observer = a_leads ? b_observer : a_observer;
  const std::string leader_id = a_leads ? "a" : "b";
  const std::string follower_id = a_leads ? "b" : "a";

  json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], leader_id);
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 5);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);
  const std::regex micro_time(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{6}Z)");
  EXPECT_TRUE(std::regex_match(lease["spec"].value("acquireTime", ""), micro_time)) << lease;
  EXPECT_TRUE(std::regex_match(lease["spec"].value("renewTime", ""), micro_time)) << lease;
  EXPECT_EQ(leader_observer.started.load(), 1);
  EXPECT_EQ(follower_observer.started.load(), 0);
  EXPECT_TRUE(Eventually([&] { return !follower_observer.Leaders().empty(); }));
  EXPECT_EQ(follower_observer.Leaders().front(), leader_id);

  // Renewals move renewTime while acquireTime stays.
  const std::string acquired = lease["spec"]["acquireTime"];
  const std::string renewed = lease["spec"]["renewTime"];
  EXPECT_TRUE(Eventually([&] { return Lease()["spec"].value("renewTime", "") != renewed; }));
  EXPECT_EQ(Lease()["spec"]["acquireTime"], acquired);

  // The leader stops: it releases the Lease and the other takes over long before it expires.
  const auto stopped_at = std::chrono::steady_clock::now();
  leader.Stop();
  EXPECT_FALSE(leader.IsLeader());
  ASSERT_TRUE(Eventually([&] { return follower.IsLeader(); }, std::chrono::seconds(3)));
  EXPECT_LT(std::chrono::steady_clock::now() - stopped_at, std::chrono::seconds(2));
  EXPECT_EQ(leader_observer.stopped.load(), 0);  // Stop is not a loss of leadership
  EXPECT_EQ(follower_observer.started.load(), 1);
  lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], follower_id);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 1);
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 5);
}

TEST_F(LeaderElectionTest, StopReleasesTheLease) {
  Observer observer;
  LeaderElector elector(admin_, Config("solo"), observer.Callbacks(), base::RealClock());
  ASSERT_TRUE(elector.Start().ok());
  ASSERT_TRUE(Eventually([&] { return elector.IsLeader(); }));
  elector.Stop();
  json lease = Lease();
  EXPECT_EQ(lease["spec"]["holderIdentity"], "");
  EXPECT_EQ(lease["spec"]["leaseDurationSeconds"], 1);
  EXPECT_EQ(lease["spec"]["leaseTransitions"], 0);
  EXPECT_EQ(observer.stopped.load(), 0);
}

TEST_F(LeaderElectionTest, LeaderThatCannotRenewStopsLeading) {
  Observer observer;
  LeaderElector elector(admin_, Config("a"), observer.Callbacks(), base::RealClock());
  ASSERT_TRUE(elector.Start().ok());
  ASSERT_TRUE(Eventually([&] { return elector.IsLeader(); }));

  // Someone else writes the Lease directly (retrying while the leader's renewals conflict).
  ASSERT_TRUE(Eventually([&] {
    json lease = Lease();
    lease["spec"]["holderIdentity"] = "intruder";
    lease["spec"]["leaseDurationSeconds"] = 60;
    return admin_.Update(resources::Leases(), lease).ok();
  }));
  ASSERT_TRUE(Eventually([&] { return observer.stopped.load() == 1; }, std::chrono::seconds(3)));
  EXPECT_FALSE(elector.IsLeader());
  EXPECT_EQ(Holder(), "intruder");
  elector.Stop();  // the Lease is not ours: Stop leaves it alone
  EXPECT_EQ(Holder(), "intruder");
}

TEST_F(LeaderElectionTest, ExpiryCountsFromWhenTheCandidateSawTheRecordChange) {
  json lease = {{"apiVersion", "coordination.k8s.io/v1"},
                {"kind", "Lease"},
                {"metadata", {{"name", kLease}, {"namespace", kNamespace}}},
                {"spec",
                 {{"holderIdentity", "gone"},
                  {"leaseDurationSeconds", 15},
                  // Long past: a candidate must not trust other servers' clocks.
                  {"acquireTime", "2020-01-01T00:00:00.000000Z"},
                  {"renewTime", "2020-01-01T00:00:00.000000Z"},
                  {"leaseTransitions", 3}}}};
  ASSERT_TRUE(admin_.Create(resources::Leases(), kNamespace, lease).ok());

  base::FakeClock clock;
  Observer observer;
  LeaderElector elector(admin_, Config("b"), observer.Callbacks(), clock);
  ASSERT_TRUE(elector.Start().ok());
  ASSERT_TRUE(Eventually([&] { return observer.Leaders().size() == 1; }));
  EXPECT_EQ(observer.Leaders().front(), "gone");
  std::this_thread::sleep_for(std::chrono::milliseconds(200));  // several retries
  EXPECT_FALSE(elector.IsLeader());

  clock.Advance(14 * base::kNanosPerSecond);
  std::this_thread::sleep_for(std::chrono::milliseconds(200));
  EXPECT_FALSE(elector.IsLeader());

  clock.Advance(2 * base::kNanosPerSecond);
  ASSERT_TRUE(Eventually([&] { return elector.IsLeader(); }));
  json taken = Lease();
  EXPECT_EQ(taken["spec"]["holderIdentity"], "b");
  EXPECT_EQ(taken["spec"]["leaseTransitions"], 4);
  EXPECT_EQ(taken["spec"]["leaseDurationSeconds"], 5);
  EXPECT_EQ(observer.Leaders().back(), "b");
}

TEST_F(LeaderElectionTest, StartRejectsInconsistentPeriods) {
  LeaderElectionConfig config = Config("a");
  config.renew_deadline = config.lease_duration;
  EXPECT_TRUE(
      absl::IsInvalidArgument(LeaderElector(admin_, config, {}, base::RealClock()).Start()));
  config = Config("a");
  config.retry_period = config.renew_deadline;
  EXPECT_TRUE(
      absl::IsInvalidArgument(LeaderElector(admin_, config, {}, base::RealClock()).Start()));
  config = Config("");
  EXPECT_TRUE(
      absl::IsInvalidArgument(LeaderElector(admin_, config, {}, base::RealClock()).Start()));
}

}  // namespace
}  // namespace k1s::client
