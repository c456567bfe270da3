#include "controllers/job/indexes.h"

#include <algorithm>

#include "absl/strings/str_split.h"
#include "base/strings.h"
#include "controllers/job/job_util.h"

namespace k1s::controllers::job {

namespace {

void AppendOrMerge(std::vector<Interval>& result, Interval next) {
  if (result.empty() || next.first > result.back().last + 1) {
    result.push_back(next);
  } else if (result.back().last < next.last) {
    result.back().last = next.last;
  }
}

}  // namespace

OrderedIntervals OrderedIntervals::Parse(std::string_view text, int32_t completions) {
  std::vector<Interval> result;
  if (text.empty()) return OrderedIntervals();
  for (absl::string_view part : absl::StrSplit(base::ToAbseil(text), ',')) {
    std::vector<absl::string_view> limits = absl::StrSplit(part, '-');
    std::optional<int64_t> first = ParseInt(std::string_view(limits[0].data(), limits[0].size()));
    if (!first) continue;  // corrupt interval: ignored
    if (*first >= completions) break;
    Interval interval;
    interval.first = static_cast<int32_t>(*first);
    if (limits.size() > 1) {
      std::optional<int64_t> last = ParseInt(std::string_view(limits[1].data(), limits[1].size()));
      if (!last) continue;
      interval.last = static_cast<int32_t>(std::min<int64_t>(*last, completions - 1));
    } else {
      interval.last = interval.first;
    }
    if (!result.empty() && result.back().last == interval.first - 1) {
      result.back().last = interval.last;
    } else {
      result.push_back(interval);
    }
  }
  return OrderedIntervals(std::move(result));
}

OrderedIntervals OrderedIntervals::WithIndexes(const std::vector<int32_t>& indexes) const {
  std::vector<Interval> single;
  single.reserve(indexes.size());
  for (int32_t index : indexes) single.push_back({index, index});
  return Merge(OrderedIntervals(std::move(single)));
}

OrderedIntervals OrderedIntervals::Merge(const OrderedIntervals& other) const {
  std::vector<Interval> result;
  size_t i = 0;
  size_t j = 0;
  const std::vector<Interval>& a = intervals_;
  const std::vector<Interval>& b = other.intervals_;
  while (i < a.size() && j < b.size()) {
    if (a[i].first < b[j].first) {
      AppendOrMerge(result, a[i++]);
    } else {
      AppendOrMerge(result, b[j++]);
    }
  }
  while (i < a.size()) AppendOrMerge(result, a[i++]);
  while (j < b.size()) AppendOrMerge(result, b[j++]);
  return OrderedIntervals(std::move(result));
}

int32_t OrderedIntervals::Total() const {
  int32_t total = 0;
  for (const Interval& interval : intervals_) total += interval.last - interval.first + 1;
  return total;
}

bool OrderedIntervals::Has(int32_t index) const {
  auto it =
      std::lower_bound(intervals_.begin(), intervals_.end(), index,
                       [](const Interval& interval, int32_t ix) { return interval.last < ix; });
  return it != intervals_.end() && it->first <= index;
}

std::string OrderedIntervals::String() const {
  std::string out;
  for (const Interval& interval : intervals_) {
    if (!out.empty()) out.push_back(',');
    base::StrAppend(&out, interval.first);
    if (interval.last > interval.first) {
      out.push_back(interval.last == interval.first + 1 ? ',' : '-');
      base::StrAppend(&out, interval.last);
    }
  }
  return out;
}

bool MatchesSucceededIndexesRule(const OrderedIntervals& rule_indexes,
                                 const OrderedIntervals& succeeded,
                                 const int32_t* succeeded_count) {
  const std::vector<Interval>& rule = rule_indexes.intervals();
  const std::vector<Interval>& done = succeeded.intervals();
  int32_t contains = 0;
  size_t r = 0;
  size_t s = 0;
  while (r < rule.size() && s < done.size()) {
    int32_t overlap =
        std::min(rule[r].last, done[s].last) - std::max(rule[r].first, done[s].first) + 1;
    if (overlap > 0) contains += overlap;
    if (done[s].last < rule[r].last) {
      ++s;
    } else if (done[s].last > rule[r].last) {
      ++r;
    } else {
      ++s;
      ++r;
    }
  }
  return contains == rule_indexes.Total() ||
         (succeeded_count != nullptr && contains >= *succeeded_count);
}

}  // namespace k1s::controllers::job
