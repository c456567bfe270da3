// Expectations: a controller waits for its own creates and deletes to be observed.
#include "controllers/replicaset/expectations.h"

#include <gtest/gtest.h>

#include "base/testing/fake_clock.h"

namespace k1s::controllers::replicaset {
namespace {

TEST(ExpectationsTest, CreationsMustAllBeObserved) {
  base::FakeClock clock;
  Expectations expectations(clock);
  EXPECT_TRUE(expectations.Satisfied("ns/rs"));  // never set
  expectations.ExpectCreations("ns/rs", 2);
  EXPECT_FALSE(expectations.Satisfied("ns/rs"));
  expectations.CreationObserved("ns/rs");
  EXPECT_FALSE(expectations.Satisfied("ns/rs"));
  expectations.CreationObserved("ns/rs");
  EXPECT_TRUE(expectations.Satisfied("ns/rs"));
}

TEST(ExpectationsTest, EachDeletionCountsOnce) {
  base::FakeClock clock;
  Expectations expectations(clock);
  expectations.ExpectDeletions("ns/rs", {"ns/a", "ns/b"});
  expectations.DeletionObserved("ns/rs", "ns/a");
  expectations.DeletionObserved("ns/rs", "ns/a");  // the delete after the deletionTimestamp
  expectations.DeletionObserved("ns/rs", "ns/other");
  EXPECT_FALSE(expectations.Satisfied("ns/rs"));
  expectations.DeletionObserved("ns/rs", "ns/b");
  EXPECT_TRUE(expectations.Satisfied("ns/rs"));
}

TEST(ExpectationsTest, ExpireAfterTheTtlAndCanBeDeleted) {
  base::FakeClock clock;
  Expectations expectations(clock);
  expectations.ExpectCreations("ns/rs", 1);
  clock.Advance(Expectations::kDefaultTtlNanos + 1);
  EXPECT_TRUE(expectations.Satisfied("ns/rs"));
  expectations.ExpectCreations("ns/other", 1);
  expectations.Delete("ns/other");
  EXPECT_TRUE(expectations.Satisfied("ns/other"));
}

}  // namespace
}  // namespace k1s::controllers::replicaset
