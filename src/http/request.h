#pragma once
// What a handler receives: one parsed HTTP request with its connection facts (verified client
// identity, remote address). Plain values: copyable, movable, no I/O, thread-compatible.

#include <cstdint>
#include <initializer_list>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace k1s::http {

// An ordered list of header fields with case-insensitive name lookup. Names keep the spelling
// they were added with; repeated names are kept as separate entries.
class Headers {
 public:
  Headers() = default;
  Headers(std::initializer_list<std::pair<std::string, std::string>> fields);

  void Add(std::string name, std::string value);
  // Removes every field named `name`, then adds one.
  void Set(std::string name, std::string value);
  void Remove(std::string_view name);

  // The first value of `name`, or nullopt.
  std::optional<std::string> Get(std::string_view name) const;
  // Every value of `name`, in order.
  std::vector<std::string> GetAll(std::string_view name) const;
  bool Has(std::string_view name) const;

  const std::vector<std::pair<std::string, std::string>>& fields() const { return fields_; }
  size_t size() const { return fields_.size(); }
  bool empty() const { return fields_.empty(); }

 private:
  std::vector<std::pair<std::string, std::string>> fields_;
};

// ASCII case-insensitive equality (header names, tokens).
bool EqualsIgnoreCase(std::string_view a, std::string_view b);

// The subject of a client certificate that verified against the client CA: Kubernetes reads
// the common name as the user and the organizations as the groups.
struct ClientIdentity {
  std::string common_name;
  std::vector<std::string> organizations;
};

struct Request {
  std::string method;     // "GET", "POST", ... as sent
  std::string target;     // request-target as sent: path plus "?" and the raw query
  std::string path;       // percent-decoded path ("/api/v1/namespaces/default/pods")
  std::string raw_query;  // the part after '?', still encoded ("" when absent)
  int version = 11;       // 10 for HTTP/1.0, 11 for HTTP/1.1
  Headers headers;
  std::string body;
  // Set only when the client presented a certificate that verified against the client CA.
  std::optional<ClientIdentity> identity;
  std::string remote_address;  // "10.0.0.7:51234" or "[::1]:51234"
  bool tls = false;            // arrived over TLS

  // Decoded query parameters in order ("a=1&b=x%20y" -> {a,1},{b,x y}; "+" means space).
  std::vector<std::pair<std::string, std::string>> QueryParams() const;
  // The first decoded value of query parameter `key`, or nullopt.
  std::optional<std::string> Query(std::string_view key) const;
};

// Decodes %XX escapes (and '+' as space when `plus_is_space`); nullopt on a malformed escape.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Splits "a=1&b=2" into decoded pairs; malformed escapes are kept verbatim.
std::vector<std::pair<std::string, std::string>> ParseQuery(std::string_view raw_query);

}  // namespace k1s::http
