#include "apiserver/watch_cache.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "absl/synchronization/mutex.h"
#include "api/errors.h"
#include "datastore/sqlite_backend.h"

namespace k1s::apiserver {
namespace {

using nlohmann::json;

const api::ResourceType& ConfigMaps() {
  for (const api::ResourceType& type : api::BuiltinResourceTypes()) {
    if (type.kind == "ConfigMap") return type;
  }
  throw std::logic_error("no configmaps");
}

int64_t Put(Backend& backend, const std::string& ns, const std::string& name,
            json labels = json::object()) {
  json object = {{"apiVersion", "v1"},
                 {"kind", "ConfigMap"},
                 {"metadata", {{"name", name}, {"namespace", ns}, {"labels", labels}}}};
  PutRequest put;
  put.key = ObjectKey(ConfigMaps(), ns, name);
  put.value = object.dump();
  return backend.Put(put)->revision;
}

// Collects what a watch delivers.
struct Recorder {
  absl::Mutex mu;
  std::vector<std::pair<EventType, std::string>> events;
  WatchCache::Sink Sink() {
    return [this](const CacheEvent& event) {
      absl::MutexLock lock(&mu);
      events.emplace_back(event.type, event.object ? event.object->name : "");
      return true;
    };
  }
  bool WaitFor(size_t count) {
    absl::MutexLock lock(&mu);
    auto enough = [&]() { return events.size() >= count; };
    return mu.AwaitWithTimeout(absl::Condition(&enough), absl::Seconds(5));
  }
};

class WatchCacheTest : public ::testing::Test {
 protected:
  WatchCacheTest() : backend_(*datastore::OpenSqliteBackend({})) {}
  std::unique_ptr<Backend> backend_;
};

TEST_F(WatchCacheTest, ListsWhatWasStoredBeforeStart) {
  Put(*backend_, "a", "one");
  Put(*backend_, "b", "two");
  WatchCache cache(*backend_, api::BuiltinResourceTypes());
  ASSERT_TRUE(cache.Start().ok());
  EXPECT_EQ(cache.List(ConfigMaps(), {}).objects.size(), 2u);
  ObjectFilter in_a;
  in_a.namespace_name = "a";
  WatchCache::ListResult listed = cache.List(ConfigMaps(), in_a);
  ASSERT_EQ(listed.objects.size(), 1u);
  EXPECT_EQ(listed.objects[0]->name, "one");
  EXPECT_EQ(json::parse(listed.objects[0]->json)["metadata"]["resourceVersion"],
            std::to_string(listed.objects[0]->revision));
}

TEST_F(WatchCacheTest, ConsistentReadSeesEveryAcknowledgedWrite) {
  WatchCache cache(*backend_, api::BuiltinResourceTypes());
  ASSERT_TRUE(cache.Start().ok());
  for (int i = 0; i < 50; ++i) {
    Put(*backend_, "a", "cm" + std::to_string(i));
    ASSERT_TRUE(cache.WaitUntilFresh(absl::Seconds(5)).ok());
    EXPECT_EQ(cache.List(ConfigMaps(), {}).objects.size(), static_cast<size_t>(i + 1));
  }
  // A write outside /registry/ still lets a consistent read finish (progress notification).
  PutRequest other;
  other.key = "/elsewhere";
  other.value = "x";
  int64_t revision = backend_->Put(other)->revision;
  absl::StatusOr<int64_t> fresh = cache.WaitUntilFresh(absl::Seconds(5));
  ASSERT_TRUE(fresh.ok()) << fresh.status();
  EXPECT_GE(cache.revision(), revision);
}

TEST_F(WatchCacheTest, WatchReplaysHistoryThenFollows) {
  WatchCache cache(*backend_, api::BuiltinResourceTypes());
  ASSERT_TRUE(cache.Start().ok());
  int64_t first = Put(*backend_, "a", "one");
  Put(*backend_, "a", "two");
  ASSERT_TRUE(cache.WaitUntilFresh(absl::Seconds(5)).ok());
  Recorder recorder;
  WatchOptions options;
  options.after_revision = first;
  auto registration = cache.Watch(ConfigMaps(), {}, options, recorder.Sink());
  ASSERT_TRUE(registration.ok());
  Put(*backend_, "a", "three");
  DeleteRangeRequest remove;
  remove.key = ObjectKey(ConfigMaps(), "a", "one");
  backend_->DeleteRange(remove).IgnoreError();
  ASSERT_TRUE(recorder.WaitFor(3));
  absl::MutexLock lock(&recorder.mu);
  ASSERT_EQ(recorder.events.size(), 3u);
  EXPECT_EQ(recorder.events[0], std::make_pair(EventType::kAdded, std::string("two")));
  EXPECT_EQ(recorder.events[1], std::make_pair(EventType::kAdded, std::string("three")));
  EXPECT_EQ(recorder.events[2], std::make_pair(EventType::kDeleted, std::string("one")));
}

TEST_F(WatchCacheTest, LabelChangesReadAsAddedAndDeleted) {
  WatchCache cache(*backend_, api::BuiltinResourceTypes());
  ASSERT_TRUE(cache.Start().ok());
  Recorder recorder;
  ObjectFilter filter;
  filter.labels = *api::LabelSelector::Parse("app=web");
  WatchOptions options;
  options.send_initial_state = true;
  auto registration = cache.Watch(ConfigMaps(), filter, options, recorder.Sink());
  ASSERT_TRUE(registration.ok());
  Put(*backend_, "a", "x", {{"app", "db"}});
  Put(*backend_, "a", "x", {{"app", "web"}});
  Put(*backend_, "a", "x", {{"app", "web"}, {"v", "2"}});
  Put(*backend_, "a", "x", {{"app", "db"}});
  ASSERT_TRUE(recorder.WaitFor(3));
  absl::MutexLock lock(&recorder.mu);
  ASSERT_EQ(recorder.events.size(), 3u);
  EXPECT_EQ(recorder.events[0].first, EventType::kAdded);
  EXPECT_EQ(recorder.events[1].first, EventType::kModified);
  EXPECT_EQ(recorder.events[2].first, EventType::kDeleted);
}

TEST_F(WatchCacheTest, TooOldResourceVersionIsExpired) {
  WatchCache cache(*backend_, api::BuiltinResourceTypes(), /*history_per_type=*/4);
  ASSERT_TRUE(cache.Start().ok());
  int64_t first = Put(*backend_, "a", "c0");
  for (int i = 1; i < 10; ++i) Put(*backend_, "a", "c" + std::to_string(i));
  ASSERT_TRUE(cache.WaitUntilFresh(absl::Seconds(5)).ok());
  Recorder recorder;
  WatchOptions options;
  options.after_revision = first;
  auto registration = cache.Watch(ConfigMaps(), {}, options, recorder.Sink());
  ASSERT_FALSE(registration.ok());
  EXPECT_EQ(api::ToHttpError(registration.status()).code, 410);
  EXPECT_EQ(api::ErrorReason(registration.status()), "Expired");
}

TEST_F(WatchCacheTest, StopEndsWatches) {
  auto cache = std::make_unique<WatchCache>(*backend_, api::BuiltinResourceTypes());
  ASSERT_TRUE(cache->Start().ok());
  Recorder recorder;
  WatchOptions options;
  options.send_initial_state = true;
  auto registration = cache->Watch(ConfigMaps(), {}, options, recorder.Sink());
  ASSERT_TRUE(registration.ok());
  EXPECT_EQ(cache->watcher_count(), 1);
  cache->Stop();
  ASSERT_TRUE(recorder.WaitFor(1));
  absl::MutexLock lock(&recorder.mu);
  EXPECT_EQ(recorder.events.back().first, EventType::kClose);
}

}  // namespace
}  // namespace k1s::apiserver
