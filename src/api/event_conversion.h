#pragma once
// core/v1 Event <-> events.k8s.io/v1 Event. Upstream stores one kind of event and serves it
// through both APIs; k1s stores the core form and converts at the API edge. Field mapping:
// involvedObject <-> regarding, message <-> note, reportingComponent <-> reportingController,
// source <-> deprecatedSource, firstTimestamp/lastTimestamp/count <-> deprecated*; reason,
// type, action, related, eventTime, series, reportingInstance and metadata are shared.
#include <nlohmann/json_fwd.hpp>

namespace k1s::api {

nlohmann::json CoreEventToEventsV1(const nlohmann::json& core);
nlohmann::json EventsV1ToCoreEvent(const nlohmann::json& event);

}  // namespace k1s::api
