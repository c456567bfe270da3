#include "controllers/cronjob/cron_schedule.h"

#include <algorithm>
#include <cctype>
#include <map>
#include <vector>

#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/time/civil_time.h"
#include "base/strings.h"

namespace k1s::controllers::cronjob {

namespace {

constexpr uint64_t kStarBit = uint64_t{1} << 63;

struct Bounds {
  int64_t min;
  int64_t max;
  std::map<std::string, int64_t> names;
};

const Bounds& SecondBounds() {
  static const Bounds* const kBounds = new Bounds{0, 59, {}};
  return *kBounds;
}
const Bounds& MinuteBounds() { return SecondBounds(); }
const Bounds& HourBounds() {
  static const Bounds* const kBounds = new Bounds{0, 23, {}};
  return *kBounds;
}
const Bounds& DomBounds() {
  static const Bounds* const kBounds = new Bounds{1, 31, {}};
  return *kBounds;
}
const Bounds& MonthBounds() {
  static const Bounds* const kBounds = new Bounds{1,
                                                  12,
                                                  {{"jan", 1},
                                                   {"feb", 2},
                                                   {"mar", 3},
                                                   {"apr", 4},
                                                   {"may", 5},
                                                   {"jun", 6},
                                                   {"jul", 7},
                                                   {"aug", 8},
                                                   {"sep", 9},
                                                   {"oct", 10},
                                                   {"nov", 11},
                                                   {"dec", 12}}};
  return *kBounds;
}
const Bounds& DowBounds() {
  static const Bounds* const kBounds = new Bounds{
      0, 6, {{"sun", 0}, {"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}}};
  return *kBounds;
}

uint64_t Bits(int64_t min, int64_t max, int64_t step) {
  uint64_t bits = 0;
  if (step == 1) {
    // Fast path (also avoids a 64-bit shift overflow for the full range).
    return ~(~uint64_t{0} << (max + 1)) & (~uint64_t{0} << min);
  }
  for (int64_t i = min; i <= max; i += step) bits |= uint64_t{1} << i;
  return bits;
}

uint64_t All(const Bounds& r) { return Bits(r.min, r.max, 1) | kStarBit; }

absl::StatusOr<int64_t> MustParseInt(const std::string& expr) {
  bool ok = !expr.empty();
  size_t start = ok && (expr[0] == '-' || expr[0] == '+') ? 1 : 0;
  if (start == expr.size()) ok = false;
  for (size_t i = start; ok && i < expr.size(); ++i) {
    ok = std::isdigit(static_cast<unsigned char>(expr[i])) != 0;
  }
  if (!ok || expr.size() > 18) {
    return absl::InvalidArgumentError(base::StrCat("failed to parse int from ", expr,
                                                   ": strconv.Atoi: parsing \"", expr,
                                                   "\": invalid syntax"));
  }
  int64_t value = std::stoll(expr);
  if (value < 0) {
    return absl::InvalidArgumentError(
        base::StrCat("negative number (", value, ") not allowed: ", expr));
  }
  return value;
}

absl::StatusOr<int64_t> ParseIntOrName(const std::string& expr, const Bounds& r) {
  std::string lower = expr;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  if (auto it = r.names.find(lower); it != r.names.end()) return it->second;
  return MustParseInt(expr);
}

// One comma-separated range: "*", "5", "1-5", "*/15", "10/5", "mon-fri".
absl::StatusOr<uint64_t> GetRange(const std::string& expr, const Bounds& r) {
  std::vector<std::string> range_and_step = absl::StrSplit(expr, '/');
  std::vector<std::string> low_and_high = absl::StrSplit(range_and_step[0], '-');
  bool single_digit = low_and_high.size() == 1;
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 1;
  uint64_t extra = 0;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    start = r.min;
    end = r.max;
    extra = kStarBit;
  } else {
    absl::StatusOr<int64_t> low = ParseIntOrName(low_and_high[0], r);
    if (!low.ok()) return low.status();
    start = *low;
    if (low_and_high.size() == 1) {
      end = start;
    } else if (low_and_high.size() == 2) {
      absl::StatusOr<int64_t> high = ParseIntOrName(low_and_high[1], r);
      if (!high.ok()) return high.status();
      end = *high;
    } else {
      return absl::InvalidArgumentError(base::StrCat("too many hyphens: ", expr));
    }
  }
  if (range_and_step.size() == 2) {
    absl::StatusOr<int64_t> parsed = MustParseInt(range_and_step[1]);
    if (!parsed.ok()) return parsed.status();
    step = *parsed;
    if (single_digit) end = r.max;  // "N/step" means "N-max/step"
    if (step > 1) extra = 0;
  } else if (range_and_step.size() > 2) {
    return absl::InvalidArgumentError(base::StrCat("too many slashes: ", expr));
  }
  if (start < r.min) {
    return absl::InvalidArgumentError(
        base::StrCat("beginning of range (", start, ") below minimum (", r.min, "): ", expr));
  }
  if (end > r.max) {
    return absl::InvalidArgumentError(
        base::StrCat("end of range (", end, ") above maximum (", r.max, "): ", expr));
  }
  if (start > end) {
    return absl::InvalidArgumentError(
        base::StrCat("beginning of range (", start, ") beyond end of range (", end, "): ", expr));
  }
  if (step == 0) {
    return absl::InvalidArgumentError(
        base::StrCat("step of range should be a positive number: ", expr));
  }
  return Bits(start, end, step) | extra;
}

absl::StatusOr<uint64_t> GetField(const std::string& field, const Bounds& r) {
  uint64_t bits = 0;
  for (absl::string_view expr : absl::StrSplit(field, ',', absl::SkipEmpty())) {
    absl::StatusOr<uint64_t> range = GetRange(std::string(expr), r);
    if (!range.ok()) return range.status();
    bits |= *range;
  }
  return bits;
}

// Go's time.Date in `zone`: a skipped local time resolves with the offset in effect after the
// transition's lookup (robfig relies on this when it walks across DST changes).
absl::Time GoDate(absl::CivilSecond civil, absl::TimeZone zone) {
  absl::TimeZone::TimeInfo info = zone.At(civil);
  return info.kind == absl::TimeZone::TimeInfo::SKIPPED ? info.post : info.pre;
}

absl::Time TruncateTo(absl::Time t, absl::Duration unit) {
  return absl::UnixEpoch() + absl::Floor(t - absl::UnixEpoch(), unit);
}

int GoWeekday(absl::CivilDay day) {
  // absl: Monday = 0 ... Sunday = 6; Go: Sunday = 0.
  return (static_cast<int>(absl::GetWeekday(day)) + 1) % 7;
}

}  // namespace

absl::StatusOr<absl::TimeZone> LoadZone(std::string_view name) {
  if (name.empty() || name == "UTC") return absl::UTCTimeZone();
  if (name == "Local") return absl::LocalTimeZone();
  absl::TimeZone zone;
  if (!absl::LoadTimeZone(std::string(name), &zone)) {
    return absl::InvalidArgumentError(base::StrCat("unknown time zone ", name));
  }
  return zone;
}

absl::StatusOr<CronSchedule> CronSchedule::Parse(std::string_view spec_view, absl::TimeZone zone) {
  std::string spec(spec_view);
  if (spec.empty()) return absl::InvalidArgumentError("empty spec string");
  if (spec.rfind("TZ=", 0) == 0 || spec.rfind("CRON_TZ=", 0) == 0) {
    size_t space = spec.find(' ');
    size_t eq = spec.find('=');
    std::string name =
        spec.substr(eq + 1, space == std::string::npos ? std::string::npos : space - eq - 1);
    absl::StatusOr<absl::TimeZone> loaded = LoadZone(name);
    if (!loaded.ok()) {
      return absl::InvalidArgumentError(
          base::StrCat("provided bad location ", name, ": ", loaded.status().message()));
    }
    zone = *loaded;
    spec = space == std::string::npos ? "" : spec.substr(space);
    spec.erase(0, spec.find_first_not_of(" \t\n\r"));
    spec.erase(spec.find_last_not_of(" \t\n\r") + 1);
  }

  CronSchedule schedule;
  schedule.zone_ = zone;
  if (!spec.empty() && spec[0] == '@') {
    schedule.second_ = 1;
    schedule.minute_ = 1;
    schedule.hour_ = 1;
    schedule.dom_ = All(DomBounds());
    schedule.month_ = All(MonthBounds());
    schedule.dow_ = All(DowBounds());
    if (spec == "@yearly" || spec == "@annually") {
      schedule.dom_ = uint64_t{1} << 1;
      schedule.month_ = uint64_t{1} << 1;
    } else if (spec == "@monthly") {
      schedule.dom_ = uint64_t{1} << 1;
    } else if (spec == "@weekly") {
      schedule.dow_ = 1;
    } else if (spec == "@daily" || spec == "@midnight") {
    } else if (spec == "@hourly") {
      schedule.hour_ = All(HourBounds());
    } else if (spec.rfind("@every ", 0) == 0) {
      std::string text = spec.substr(7);
      absl::Duration delay;
      if (text == "inf" || text == "-inf" || !absl::ParseDuration(text, &delay)) {
        return absl::InvalidArgumentError(base::StrCat("failed to parse duration ", spec,
                                                       ": time: invalid duration \"", text, "\""));
      }
      // robfig: at least one second, whole seconds only.
      delay = delay < absl::Seconds(1) ? absl::Seconds(1) : absl::Trunc(delay, absl::Seconds(1));
      schedule.every_ = delay;
    } else {
      return absl::InvalidArgumentError(base::StrCat("unrecognized descriptor: ", spec));
    }
    return schedule;
  }

  std::vector<std::string> fields =
      absl::StrSplit(spec, absl::ByAnyChar(" \t\n\r\v\f"), absl::SkipEmpty());
  if (fields.size() != 5) {
    return absl::InvalidArgumentError(base::StrCat("expected exactly 5 fields, found ",
                                                   fields.size(), ": [", absl::StrJoin(fields, " "),
                                                   "]"));
  }
  const Bounds* bounds[] = {&MinuteBounds(), &HourBounds(), &DomBounds(), &MonthBounds(),
                            &DowBounds()};
  uint64_t* targets[] = {&schedule.minute_, &schedule.hour_, &schedule.dom_, &schedule.month_,
                         &schedule.dow_};
  for (size_t i = 0; i < 5; ++i) {
    absl::StatusOr<uint64_t> bits = GetField(fields[i], *bounds[i]);
    if (!bits.ok()) return bits.status();
    *targets[i] = *bits;
  }
  schedule.second_ = 1;  // standard specs fire at second 0
  return schedule;
}

std::optional<absl::Time> CronSchedule::Next(absl::Time t) const {
  if (every_) return TruncateTo(t, absl::Seconds(1)) + *every_;

  auto civil = [&](absl::Time at) { return absl::ToCivilSecond(at, zone_); };
  auto day_matches = [&](absl::Time at) {
    absl::CivilSecond c = civil(at);
    bool dom_match = (uint64_t{1} << c.day() & dom_) > 0;
    bool dow_match = (uint64_t{1} << GoWeekday(absl::CivilDay(c)) & dow_) > 0;
    if ((dom_ & kStarBit) > 0 || (dow_ & kStarBit) > 0) return dom_match && dow_match;
    return dom_match || dow_match;
  };

  // Start at the next whole second.
  t = TruncateTo(t, absl::Seconds(1)) + absl::Seconds(1);
  bool added = false;  // whether a field was advanced (lower fields then restart at zero)
  const int64_t year_limit = civil(t).year() + 5;

wrap:
  if (civil(t).year() > year_limit) return std::nullopt;

  while ((uint64_t{1} << civil(t).month() & month_) == 0) {
    absl::CivilSecond c = civil(t);
    if (!added) {
      added = true;
      t = GoDate(absl::CivilSecond(c.year(), c.month(), 1, 0, 0, 0), zone_);
      c = civil(t);
    }
    t = GoDate(
        absl::CivilSecond(c.year(), c.month() + 1, c.day(), c.hour(), c.minute(), c.second()),
        zone_);
    if (civil(t).month() == 1) goto wrap;
  }

  while (!day_matches(t)) {
    absl::CivilSecond c = civil(t);
    if (!added) {
      added = true;
      t = GoDate(absl::CivilSecond(c.year(), c.month(), c.day(), 0, 0, 0), zone_);
      c = civil(t);
    }
    t = GoDate(
        absl::CivilSecond(c.year(), c.month(), c.day() + 1, c.hour(), c.minute(), c.second()),
        zone_);
    // Across a DST change midnight may have moved; snap back to it.
    int hour = civil(t).hour();
    if (hour != 0) {
      t = hour > 12 ? t + absl::Hours(24 - hour) : t - absl::Hours(hour);
    }
    if (civil(t).day() == 1) goto wrap;
  }

  while ((uint64_t{1} << civil(t).hour() & hour_) == 0) {
    if (!added) {
      added = true;
      absl::CivilSecond c = civil(t);
      t = GoDate(absl::CivilSecond(c.year(), c.month(), c.day(), c.hour(), 0, 0), zone_);
    }
    t += absl::Hours(1);
    if (civil(t).hour() == 0) goto wrap;
  }

  while ((uint64_t{1} << civil(t).minute() & minute_) == 0) {
    if (!added) {
      added = true;
      t = TruncateTo(t, absl::Minutes(1));
    }
    t += absl::Minutes(1);
    if (civil(t).minute() == 0) goto wrap;
  }

  while ((uint64_t{1} << civil(t).second() & second_) == 0) {
    if (!added) {
      added = true;
      t = TruncateTo(t, absl::Seconds(1));
    }
    t += absl::Seconds(1);
    if (civil(t).second() == 0) goto wrap;
  }
  return t;
}

}  // namespace k1s::controllers::cronjob
