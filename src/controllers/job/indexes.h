#pragma once
// Sets of completion indexes of Indexed Jobs in upstream's compressed text form
// ("1,3-5,7": status.completedIndexes, status.failedIndexes, successPolicy rules), kept as
// ordered, non-adjacent intervals. An immutable value; thread-compatible.
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace k1s::controllers::job {

struct Interval {
  int32_t first = 0;
  int32_t last = 0;
};

class OrderedIntervals {
 public:
  OrderedIntervals() = default;

  // Parses "1,3-5"; intervals at or past `completions` are cut off; corrupt parts are skipped.
  static OrderedIntervals Parse(std::string_view text, int32_t completions);

  // This set plus `indexes` (ascending).
  OrderedIntervals WithIndexes(const std::vector<int32_t>& indexes) const;
  // This set plus `other`.
  OrderedIntervals Merge(const OrderedIntervals& other) const;

  int32_t Total() const;
  bool Has(int32_t index) const;
  bool Empty() const { return intervals_.empty(); }
  // "1,3-5"; two adjacent numbers print as "3,4" as upstream does.
  std::string String() const;
  const std::vector<Interval>& intervals() const { return intervals_; }

 private:
  explicit OrderedIntervals(std::vector<Interval> intervals) : intervals_(std::move(intervals)) {}

  std::vector<Interval> intervals_;
};

// Whether `succeeded` satisfies a successPolicy rule of `rule_indexes` and optional
// `succeeded_count` (upstream's matchSucceededIndexesRule).
bool MatchesSucceededIndexesRule(const OrderedIntervals& rule_indexes,
                                 const OrderedIntervals& succeeded, const int32_t* succeeded_count);

}  // namespace k1s::controllers::job
