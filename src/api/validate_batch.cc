// batch/v1 kinds: Job and CronJob. Mirrors pkg/apis/batch/validation/validation.go, including the
// robfig/cron ParseStandard error texts for spec.schedule.
#include <sys/stat.h>

#include <algorithm>
#include <cctype>
#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "absl/strings/str_join.h"
#include "api/validate_groups.h"
#include "api/validate_kinds.h"
#include "api/validate_util.h"
#include "base/strings.h"

namespace k1s::api::batch_kinds {
namespace {

using json = nlohmann::json;
using base::StrCat;
using namespace validate;  // NOLINT(build/namespaces): internal helpers

constexpr char kControllerUidLabel[] = "batch.kubernetes.io/controller-uid";
constexpr char kJobNameLabel[] = "batch.kubernetes.io/job-name";
constexpr char kLegacyControllerUidLabel[] = "controller-uid";
constexpr char kLegacyJobNameLabel[] = "job-name";

// ValidateHasLabel at spec.template.metadata.
void HasLabel(const json& job, const char* key, const std::string& expected, FieldErrors& errs) {
  const json& labels = Get(Get(Get(Get(job, "spec"), "template"), "metadata"), "labels");
  std::string path = Key("spec.template.metadata.labels", key);
  const json& actual = Get(labels, key);
  if (actual.is_null()) {
    errs.push_back(Required(path, StrCat("must be '", expected, "'")));
  } else if (actual != expected) {
    errs.push_back(InvalidRendered(path, GoStringMap(labels), StrCat("must be '", expected, "'")));
  }
}

void GeneratedSelector(const json& job, bool prefixed_labels, FieldErrors& errs) {
  const json& spec = Get(job, "spec");
  if (IsTrue(spec, "manualSelector") || !Has(spec, "selector")) return;
  std::string uid = Str(Get(job, "metadata"), "uid");
  std::string name = Str(Get(job, "metadata"), "name");
  if (uid.empty()) errs.push_back(Required("metadata.uid"));
  HasLabel(job, kLegacyControllerUidLabel, uid, errs);
  HasLabel(job, kLegacyJobNameLabel, name, errs);
  json expected = {{kLegacyControllerUidLabel, uid}, {kLegacyJobNameLabel, name}};
  if (prefixed_labels) {
    HasLabel(job, kControllerUidLabel, uid, errs);
    HasLabel(job, kJobNameLabel, name, errs);
    expected[kControllerUidLabel] = uid;
    expected[kJobNameLabel] = name;
  }
  Selector selector = AsSelector(Get(spec, "selector"));
  if (selector.valid && !selector.Matches(expected)) {
    errs.push_back(InvalidRendered("spec.selector", GoLabelSelector(Get(spec, "selector")),
                                   "`selector` not auto-generated"));
  }
}

bool IsIndexed(const json& spec) { return Str(spec, "completionMode") == "Indexed"; }

// validateJobSpec (shared by Job and CronJob's jobTemplate) at `path`.
void JobSpec(const json& spec, const std::string& path, FieldErrors& errs) {
  for (const char* field :
       {"parallelism", "completions", "activeDeadlineSeconds", "backoffLimit",
        "ttlSecondsAfterFinished", "backoffLimitPerIndex", "maxFailedIndexes"}) {
    NonNegative(spec, field, Child(path, field), errs);
  }
  if (Has(spec, "maxFailedIndexes") && !Has(spec, "backoffLimitPerIndex")) {
    errs.push_back(
        Required(Child(path, "backoffLimitPerIndex"), "when maxFailedIndexes is specified"));
  }
  if (Has(spec, "managedBy")) {
    std::string managed_by = Str(spec, "managedBy");
    if (managed_by.size() > 63) errs.push_back(TooLong(Child(path, "managedBy"), managed_by, 63));
  }
  if (Has(spec, "completionMode")) {
    std::string mode = Str(spec, "completionMode");
    if (mode != "NonIndexed" && mode != "Indexed") {
      errs.push_back(NotSupported(Child(path, "completionMode"), mode, {"NonIndexed", "Indexed"}));
    }
    if (mode == "Indexed") {
      if (!Has(spec, "completions")) {
        errs.push_back(Required(Child(path, "completions"), "when completion mode is Indexed"));
      }
      std::optional<int64_t> parallelism = Int(spec, "parallelism");
      if (parallelism && *parallelism > 100000) {
        errs.push_back(Invalid(Child(path, "parallelism"), *parallelism,
                               "must be less than or equal to 100000 when completion mode is "
                               "Indexed"));
      }
      std::optional<int64_t> completions = Int(spec, "completions");
      std::optional<int64_t> max_failed = Int(spec, "maxFailedIndexes");
      if (completions && max_failed && *max_failed > *completions) {
        errs.push_back(Invalid(Child(path, "maxFailedIndexes"), *max_failed,
                               "must be less than or equal to completions"));
      }
      if (max_failed && *max_failed > 100000) {
        errs.push_back(Invalid(Child(path, "maxFailedIndexes"), *max_failed,
                               "must be less than or equal to 100000"));
      }
    }
  }
  if (!IsIndexed(spec)) {
    for (const char* field : {"backoffLimitPerIndex", "maxFailedIndexes"}) {
      if (std::optional<int64_t> v = Int(spec, field)) {
        errs.push_back(Invalid(Child(path, field), *v, "requires indexed completion mode"));
      }
    }
  }
  if (Has(spec, "successPolicy") && !IsIndexed(spec)) {
    errs.push_back(Invalid(Child(path, "successPolicy"), Get(spec, "successPolicy"),
                           "requires indexed completion mode"));
  }
  if (Has(spec, "podReplacementPolicy")) {
    std::string policy = Str(spec, "podReplacementPolicy");
    if (Has(spec, "podFailurePolicy")) {
      if (policy != "Failed") {
        errs.push_back(NotSupported(Child(path, "podReplacementPolicy"), policy, {"Failed"}));
      }
    } else if (policy != "Failed" && policy != "TerminatingOrFailed") {
      errs.push_back(NotSupported(Child(path, "podReplacementPolicy"), policy,
                                  {"Failed", "TerminatingOrFailed"}));
    }
  }
  Append(errs, ValidatePodTemplateSpec(Get(spec, "template"), Child(path, "template")));
  std::string restart_path = Child(path, "template.spec.restartPolicy");
  std::string restart = Str(Get(Get(spec, "template"), "spec"), "restartPolicy");
  if (restart == "Always" || restart.empty()) {
    errs.push_back(Required(restart_path, "valid values: \"OnFailure\", \"Never\""));
  } else if (restart != "OnFailure" && restart != "Never") {
    errs.push_back(NotSupported(restart_path, restart, {"OnFailure", "Never"}));
  } else if (Has(spec, "podFailurePolicy") && restart != "Never") {
    errs.push_back(Invalid(restart_path, restart,
                           "only \"Never\" is supported when podFailurePolicy is "
                           "specified"));
  }
}

// ValidateJobSpec: validateJobSpec plus the selector.
void FullJobSpec(const json& spec, FieldErrors& errs) {
  JobSpec(spec, "spec", errs);
  const json& selector = Get(spec, "selector");
  if (selector.is_null()) {
    errs.push_back(Required("spec.selector"));
  } else {
    ValidateLabelSelector(selector, "spec.selector", errs);
  }
  Selector matcher = AsSelector(selector);
  const json& labels = Get(Get(Get(spec, "template"), "metadata"), "labels");
  if (matcher.valid && !matcher.Matches(labels)) {
    errs.push_back(InvalidRendered("spec.template.metadata.labels", GoStringMap(labels),
                                   "`selector` does not match template `labels`"));
  }
}

FieldErrors JobCommon(const json& object, bool prefixed_labels) {
  FieldErrors errs;
  GeneratedSelector(object, prefixed_labels, errs);
  const json& spec = Get(object, "spec");
  FullJobSpec(spec, errs);
  std::optional<int64_t> completions = Int(spec, "completions");
  if (IsIndexed(spec) && completions && *completions > 0) {
    std::string name = Str(Get(object, "metadata"), "name");
    std::string hostname = StrCat(name, "-", *completions - 1);
    if (!IsDns1123Label(hostname).empty()) {
      errs.push_back(
          Invalid("metadata.name", name,
                  StrCat("will not able to create pod with invalid DNS label: ", hostname)));
    }
  }
  return errs;
}

void Immutable(const json& now, const json& before, const char* key, const std::string& path,
               FieldErrors& errs) {
  if (Get(now, key) != Get(before, key)) {
    errs.push_back(Invalid(path, Get(now, key), kImmutableMsg));
  }
}

// ---- cron schedules (robfig/cron/v3 ParseStandard) ----------------------------------------------

struct Bounds {
  int64_t min;
  int64_t max;
  std::map<std::string, int64_t> names;
};

std::string GoAtoiError(const std::string& expr) {
  return StrCat("failed to parse int from ", expr, ": strconv.Atoi: parsing ", GoQuote(expr), ": ",
                expr.size() > 18 ? "value out of range" : "invalid syntax");
}

std::optional<std::string> MustParseInt(const std::string& expr, int64_t& out) {
  bool ok = !expr.empty();
  size_t start = !expr.empty() && (expr[0] == '-' || expr[0] == '+') ? 1 : 0;
  if (start == expr.size()) ok = false;
  for (size_t i = start; ok && i < expr.size(); ++i)
    ok = std::isdigit(static_cast<unsigned char>(expr[i]));
  if (!ok || expr.size() > 18) return GoAtoiError(expr);
  int64_t num = std::stoll(expr);
  if (num < 0) return StrCat("negative number (", num, ") not allowed: ", expr);
  out = num;
  return std::nullopt;
}

std::optional<std::string> ParseIntOrName(const std::string& expr, const Bounds& bounds,
                                          int64_t& out) {
  std::string lower = expr;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (auto it = bounds.names.find(lower); it != bounds.names.end()) {
    out = it->second;
    return std::nullopt;
  }
  return MustParseInt(expr, out);
}

std::vector<std::string> Split(const std::string& s, char sep) {
  std::vector<std::string> out;
  size_t start = 0;
  while (true) {
    size_t pos = s.find(sep, start);
    out.push_back(s.substr(start, pos == std::string::npos ? std::string::npos : pos - start));
    if (pos == std::string::npos) return out;
    start = pos + 1;
  }
}

std::optional<std::string> GetRange(const std::string& expr, const Bounds& r) {
  std::vector<std::string> range_and_step = Split(expr, '/');
  std::vector<std::string> low_and_high = Split(range_and_step[0], '-');
  bool single = low_and_high.size() == 1;
  int64_t start = 0;
  int64_t end = 0;
  int64_t step = 1;
  if (low_and_high[0] == "*" || low_and_high[0] == "?") {
    start = r.min;
    end = r.max;
  } else {
    if (auto err = ParseIntOrName(low_and_high[0], r, start)) return err;
    if (low_and_high.size() == 1) {
      end = start;
    } else if (low_and_high.size() == 2) {
      if (auto err = ParseIntOrName(low_and_high[1], r, end)) return err;
    } else {
      return StrCat("too many hyphens: ", expr);
    }
  }
  if (range_and_step.size() == 2) {
    if (auto err = MustParseInt(range_and_step[1], step)) return err;
    if (single) end = r.max;
  } else if (range_and_step.size() > 2) {
    return StrCat("too many slashes: ", expr);
  }
  if (start < r.min) {
    return StrCat("beginning of range (", start, ") below minimum (", r.min, "): ", expr);
  }
  if (end > r.max) {
    return StrCat("end of range (", end, ") above maximum (", r.max, "): ", expr);
  }
  if (start > end) {
    return StrCat("beginning of range (", start, ") beyond end of range (", end, "): ", expr);
  }
  if (step == 0) return StrCat("step of range should be a positive number: ", expr);
  return std::nullopt;
}

std::optional<std::string> ParseCron(std::string spec) {
  if (spec.empty()) return "empty spec string";
  if (spec.rfind("TZ=", 0) == 0 || spec.rfind("CRON_TZ=", 0) == 0) {
    size_t space = spec.find(' ');
    if (space == std::string::npos) return "empty spec string";
    spec = spec.substr(space + 1);
  }
  if (!spec.empty() && spec[0] == '@') {
    static const std::set<std::string> kDescriptors = {
        "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"};
    if (kDescriptors.count(spec) > 0 || spec.rfind("@every ", 0) == 0) return std::nullopt;
    return StrCat("unrecognized descriptor: ", spec);
  }
  std::vector<std::string> fields;
  std::string current;
  for (char c : spec) {
    if (std::isspace(static_cast<unsigned char>(c))) {
      if (!current.empty()) fields.push_back(std::move(current));
      current.clear();
    } else {
      current.push_back(c);
    }
  }
  if (!current.empty()) fields.push_back(current);
  if (fields.size() != 5) {
    return StrCat("expected exactly 5 fields, found ", fields.size(), ": [",
                  absl::StrJoin(fields, " "), "]");
  }
  static const Bounds kBounds[] = {
      {0, 59, {}},
      {0, 23, {}},
      {1, 31, {}},
      {1,
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
        {"dec", 12}}},
      {0, 6, {{"sun", 0}, {"mon", 1}, {"tue", 2}, {"wed", 3}, {"thu", 4}, {"fri", 5}, {"sat", 6}}},
  };
  for (size_t i = 0; i < 5; ++i) {
    for (const std::string& expr : Split(fields[i], ',')) {
      if (expr.empty()) continue;  // strings.FieldsFunc drops empty ranges
      if (auto err = GetRange(expr, kBounds[i])) return err;
    }
  }
  return std::nullopt;
}

void TimeZone(const json& spec, FieldErrors& errs) {
  const json& tz = Get(spec, "timeZone");
  if (!tz.is_string()) return;
  std::string zone = tz.get<std::string>();
  const std::string path = "spec.timeZone";
  if (zone.empty()) {
    errs.push_back(Invalid(path, zone, "timeZone must be nil or non-empty string"));
    return;
  }
  for (const std::string& part : Split(zone, '/')) {
    bool chars_ok =
        !part.empty() && part.size() <= 14 && std::all_of(part.begin(), part.end(), [](char c) {
          return std::isalnum(static_cast<unsigned char>(c)) || c == '.' || c == '-' || c == '_' ||
                 c == '+';
        });
    if (part == "." || part == ".." || part[0] == '-' || !chars_ok) {
      errs.push_back(Invalid(path, zone, StrCat("unknown time zone ", zone)));
      return;
    }
  }
  std::string lower = zone;
  std::transform(lower.begin(), lower.end(), lower.begin(),
                 [](unsigned char c) { return std::tolower(c); });
  if (lower == "local") {
    errs.push_back(Invalid(path, zone,
                           "timeZone must be an explicit time zone as defined in "
                           "https://www.iana.org/time-zones"));
  }
  // time.LoadLocation: "UTC" is built in; everything else comes from the zoneinfo database.
  struct stat st;
  bool have_db = stat("/usr/share/zoneinfo", &st) == 0;
  if (zone != "UTC" && lower != "local" && have_db &&
      stat(StrCat("/usr/share/zoneinfo/", zone).c_str(), &st) != 0) {
    errs.push_back(Invalid(path, zone, StrCat("unknown time zone ", zone)));
  }
}

FieldErrors CronJobSpec(const json& spec, const json* old_spec) {
  FieldErrors errs;
  std::string schedule = Str(spec, "schedule");
  if (schedule.empty()) {
    errs.push_back(Required("spec.schedule"));
  } else {
    bool allow_tz =
        old_spec != nullptr && Str(*old_spec, "schedule").find("TZ") != std::string::npos;
    if (std::optional<std::string> err = ParseCron(schedule)) {
      errs.push_back(Invalid("spec.schedule", schedule, *err));
    }
    bool has_tz = schedule.find("TZ") != std::string::npos;
    if (allow_tz && has_tz && Has(spec, "timeZone")) {
      errs.push_back(Invalid("spec.schedule", schedule,
                             "cannot use both timeZone field and TZ or CRON_TZ in schedule"));
    } else if (!allow_tz && has_tz) {
      errs.push_back(Invalid("spec.schedule", schedule,
                             "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
    }
  }
  NonNegative(spec, "startingDeadlineSeconds", "spec.startingDeadlineSeconds", errs);
  if (old_spec == nullptr || Get(*old_spec, "timeZone") != Get(spec, "timeZone")) {
    TimeZone(spec, errs);
  }
  std::string policy = Str(spec, "concurrencyPolicy");
  if (policy.empty()) {
    errs.push_back(Required("spec.concurrencyPolicy"));
  } else if (policy != "Allow" && policy != "Forbid" && policy != "Replace") {
    errs.push_back(NotSupported("spec.concurrencyPolicy", policy, {"Allow", "Forbid", "Replace"}));
  }
  const json& job_spec = Get(Get(spec, "jobTemplate"), "spec");
  JobSpec(job_spec, "spec.jobTemplate.spec", errs);
  if (Has(job_spec, "selector")) {
    errs.push_back(InvalidRendered("spec.jobTemplate.spec.selector",
                                   GoLabelSelector(Get(job_spec, "selector")),
                                   "`selector` will be auto-generated"));
  }
  if (IsTrue(job_spec, "manualSelector")) {
    errs.push_back(NotSupported("spec.jobTemplate.spec.manualSelector", true, {"nil", "false"}));
  }
  NonNegative(spec, "successfulJobsHistoryLimit", "spec.successfulJobsHistoryLimit", errs);
  NonNegative(spec, "failedJobsHistoryLimit", "spec.failedJobsHistoryLimit", errs);
  return errs;
}

}  // namespace

FieldErrors ValidateJob(const json& object) { return JobCommon(object, true); }

FieldErrors ValidateJobUpdate(const json& object, const json& old) {
  FieldErrors errs;
  const json& spec = Get(object, "spec");
  const json& old_spec = Get(old, "spec");
  FullJobSpec(spec, errs);
  // Elastic indexed jobs may scale completions together with parallelism.
  if (Get(spec, "completions") != Get(old_spec, "completions")) {
    if (!IsIndexed(spec)) {
      Immutable(spec, old_spec, "completions", "spec.completions", errs);
    } else if (Has(spec, "completions") && Int(spec, "completions") != Int(spec, "parallelism")) {
      errs.push_back(Invalid("spec.completions", Get(spec, "completions"),
                             "can only be modified in tandem with spec.parallelism"));
    }
  }
  if (Get(spec, "selector") != Get(old_spec, "selector")) {
    const json& now = Get(spec, "selector");
    errs.push_back(InvalidRendered("spec.selector", now.is_null() ? "null" : GoLabelSelector(now),
                                   kImmutableMsg));
  }
  // Scheduling directives of a suspended job that never started may change.
  json tmpl = Get(spec, "template");
  json old_tmpl = Get(old_spec, "template");
  bool suspended_not_started = IsTrue(old_spec, "suspend") && !Has(Get(old, "status"), "startTime");
  if (suspended_not_started && tmpl.is_object() && old_tmpl.is_object()) {
    for (const char* field : {"nodeSelector", "tolerations", "schedulingGates"}) {
      if (Has(Get(tmpl, "spec"), field)) {
        old_tmpl["spec"][field] = tmpl["spec"][field];
      } else if (old_tmpl["spec"].is_object()) {
        old_tmpl["spec"].erase(field);
      }
    }
    json& affinity = old_tmpl["spec"]["affinity"];
    const json& new_affinity = Get(Get(tmpl, "spec"), "affinity");
    if (new_affinity.is_null()) {
      if (affinity.is_object()) affinity.erase("nodeAffinity");
      if (!affinity.is_object() || affinity.empty()) old_tmpl["spec"].erase("affinity");
    } else {
      if (!affinity.is_object()) affinity = json::object();
      if (Has(new_affinity, "nodeAffinity")) {
        affinity["nodeAffinity"] = new_affinity["nodeAffinity"];
      } else {
        affinity.erase("nodeAffinity");
      }
    }
    for (const char* field : {"labels", "annotations"}) {
      if (Has(Get(tmpl, "metadata"), field)) {
        old_tmpl["metadata"][field] = tmpl["metadata"][field];
      } else if (old_tmpl["metadata"].is_object()) {
        old_tmpl["metadata"].erase(field);
      }
    }
  }
  if (tmpl != old_tmpl) errs.push_back(Invalid("spec.template", tmpl, kImmutableMsg));
  Immutable(spec, old_spec, "completionMode", "spec.completionMode", errs);
  Immutable(spec, old_spec, "podFailurePolicy", "spec.podFailurePolicy", errs);
  Immutable(spec, old_spec, "backoffLimitPerIndex", "spec.backoffLimitPerIndex", errs);
  Immutable(spec, old_spec, "managedBy", "spec.managedBy", errs);
  Immutable(spec, old_spec, "successPolicy", "spec.successPolicy", errs);
  return errs;
}

FieldErrors ValidateCronJob(const json& object) {
  FieldErrors errs = CronJobSpec(Get(object, "spec"), nullptr);
  std::string name = Str(Get(object, "metadata"), "name");
  if (name.size() > 52) {
    errs.push_back(Invalid("metadata.name", name, "must be no more than 52 characters"));
  }
  return errs;
}

FieldErrors ValidateCronJobUpdate(const json& object, const json& old) {
  const json& old_spec = Get(old, "spec");
  return CronJobSpec(Get(object, "spec"), &old_spec);
}

}  // namespace k1s::api::batch_kinds
