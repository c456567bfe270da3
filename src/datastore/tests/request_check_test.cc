#include "datastore/request_check.h"

#include <gtest/gtest.h>

namespace k1s::datastore {
namespace {

TEST(KeyRangeTest, DecodesEtcdRanges) {
  KeyRange single = KeyRange::From("a", "");
  EXPECT_TRUE(single.Contains("a"));
  EXPECT_FALSE(single.Contains(std::string("a\0", 2)));
  EXPECT_FALSE(single.Contains("b"));
  KeyRange from = KeyRange::From("b", std::string(1, '\0'));
  EXPECT_TRUE(from.unbounded);
  EXPECT_TRUE(from.Contains("zzz"));
  EXPECT_FALSE(from.Contains("a"));
  KeyRange all = KeyRange::From(std::string(1, '\0'), std::string(1, '\0'));
  EXPECT_TRUE(all.Contains(std::string(1, '\0')));
  EXPECT_TRUE(all.Contains("\xff\xff"));
  KeyRange backwards = KeyRange::From("b", "a");
  EXPECT_TRUE(backwards.empty);
  EXPECT_FALSE(backwards.Contains("b"));
  KeyRange prefix = KeyRange::From("p/", "p0");
  EXPECT_TRUE(prefix.Contains("p/x"));
  EXPECT_FALSE(prefix.Contains("p0"));
}

RequestOp PutOp(const std::string& key) {
  PutRequest p;
  p.key = key;
  return RequestOp{p};
}

RequestOp DeleteOp(const std::string& key, const std::string& end) {
  DeleteRangeRequest d;
  d.key = key;
  d.range_end = end;
  return RequestOp{d};
}

TEST(CheckTxnTest, DuplicateRulesFollowEtcd) {
  TxnRequest ok;
  ok.success = {PutOp("a"), PutOp("b"), DeleteOp("c", "d"), DeleteOp("c", "e")};
  EXPECT_TRUE(CheckTxn(ok).ok());

  TxnRequest nested_dup;
  TxnRequest inner;
  inner.success = {PutOp("a")};
  nested_dup.success = {PutOp("a"), RequestOp{inner}};
  EXPECT_EQ(CheckTxn(nested_dup), ErrDuplicateKey());

  TxnRequest nested_delete;
  TxnRequest inner_delete;
  inner_delete.failure = {DeleteOp("a", "b")};
  nested_delete.success = {PutOp("a"), RequestOp{inner_delete}};
  EXPECT_EQ(CheckTxn(nested_delete), ErrDuplicateKey());

  TxnRequest both_branches;
  TxnRequest inner_both;
  inner_both.success = {PutOp("x")};
  inner_both.failure = {PutOp("x")};
  both_branches.success = {RequestOp{inner_both}};
  EXPECT_TRUE(CheckTxn(both_branches).ok());
}

TEST(CheckTxnTest, LimitsAndEmptyKeys) {
  TxnRequest compares;
  compares.compare.resize(129);
  for (auto& c : compares.compare) c.key = "k";
  EXPECT_EQ(CheckTxn(compares), ErrTooManyOps());
  compares.compare.resize(128);
  EXPECT_TRUE(CheckTxn(compares).ok());
  compares.compare[3].key.clear();
  EXPECT_EQ(CheckTxn(compares), ErrEmptyKey());

  TxnRequest nested_too_many;
  TxnRequest inner;
  for (int i = 0; i < 129; ++i) inner.failure.push_back(PutOp("k" + std::to_string(i)));
  nested_too_many.success = {RequestOp{inner}};
  EXPECT_EQ(CheckTxn(nested_too_many), ErrTooManyOps());

  TxnRequest big;
  PutRequest p;
  p.key = "k";
  p.value.assign(kMaxRequestBytes, 'x');
  big.success = {RequestOp{p}};
  EXPECT_EQ(CheckTxn(big), ErrRequestTooLarge());
  EXPECT_EQ(CheckPut(p), ErrRequestTooLarge());
}

TEST(CheckTxnTest, WriteDetection) {
  TxnRequest reads;
  RangeRequest r;
  r.key = "a";
  reads.success = {RequestOp{r}};
  EXPECT_FALSE(TxnMayWrite(reads));
  TxnRequest nested;
  TxnRequest inner;
  inner.failure = {DeleteOp("a", "")};
  nested.failure = {RequestOp{r}, RequestOp{inner}};
  EXPECT_TRUE(TxnMayWrite(nested));
}

}  // namespace
}  // namespace k1s::datastore
