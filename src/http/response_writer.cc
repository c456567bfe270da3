#include "http/response_writer.h"

#include <nlohmann/json.hpp>

namespace k1s::http {

std::string KubernetesStatusJson(int code, std::string_view reason, std::string_view message) {
  // Keys in the order the Kubernetes apiserver writes them.
  nlohmann::ordered_json status;
  status["kind"] = "Status";
  status["apiVersion"] = "v1";
  status["metadata"] = nlohmann::ordered_json::object();
  status["status"] = "Failure";
  status["message"] = std::string(message);
  status["reason"] = std::string(reason);
  status["code"] = code;
  // Replace invalid UTF-8 rather than throw: messages may quote client input.
  return status.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

bool RespondStatus(ResponseWriter& writer, int code, std::string_view reason,
                   std::string_view message) {
  return writer.Respond(code, Headers{{"Content-Type", "application/json"}},
                        KubernetesStatusJson(code, reason, message));
}

}  // namespace k1s::http
