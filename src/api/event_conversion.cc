#include "api/event_conversion.h"

#include <array>
#include <nlohmann/json.hpp>
#include <utility>

namespace k1s::api {
namespace {

using nlohmann::json;

// core field name, events.k8s.io field name.
constexpr std::array<std::pair<const char*, const char*>, 14> kFieldMap = {{
    {"metadata", "metadata"},
    {"involvedObject", "regarding"},
    {"message", "note"},
    {"reportingComponent", "reportingController"},
    {"source", "deprecatedSource"},
    {"firstTimestamp", "deprecatedFirstTimestamp"},
    {"lastTimestamp", "deprecatedLastTimestamp"},
    {"count", "deprecatedCount"},
    {"reason", "reason"},
    {"type", "type"},
    {"action", "action"},
    {"related", "related"},
    {"eventTime", "eventTime"},
    {"series", "series"},
}};

json Convert(const json& in, bool to_events_v1) {
  json out = json::object();
  for (const auto& [core, events] : kFieldMap) {
    const char* from = to_events_v1 ? core : events;
    const char* to = to_events_v1 ? events : core;
    auto it = in.find(from);
    if (it != in.end() && !it->is_null()) out[to] = *it;
  }
  if (auto it = in.find("reportingInstance"); it != in.end()) out["reportingInstance"] = *it;
  out["apiVersion"] = to_events_v1 ? "events.k8s.io/v1" : "v1";
  out["kind"] = "Event";
  return out;
}

}  // namespace

json CoreEventToEventsV1(const json& core) { return Convert(core, true); }

json EventsV1ToCoreEvent(const json& event) { return Convert(event, false); }

}  // namespace k1s::api
