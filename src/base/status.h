#pragma once
// Error helpers on top of absl::Status: add context at each layer, return early on failure.
//
// Note: Debian's abseil is built with its own absl::string_view, distinct from
// std::string_view; convert explicitly (std::string(status.message())) where they meet.

#include <utility>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace k1s::base {

// Returns `status` with "context: " prepended to its message; OK stays OK.
inline absl::Status WithContext(const absl::Status& status, absl::string_view context) {
  if (status.ok()) return status;
  return absl::Status(status.code(), absl::StrCat(context, ": ", status.message()));
}

// Builds an error from errno for a failed system call, e.g. ErrnoStatus("open /x").
absl::Status ErrnoStatus(absl::string_view what, int error_number);

}  // namespace k1s::base

#define K1S_STATUS_CONCAT_INNER(a, b) a##b
#define K1S_STATUS_CONCAT(a, b) K1S_STATUS_CONCAT_INNER(a, b)

// Returns from the enclosing function when `expr` (an absl::Status) is not OK.
#define K1S_RETURN_IF_ERROR(expr)                  \
  do {                                             \
    ::absl::Status k1s_status_ = (expr);           \
    if (!k1s_status_.ok()) return k1s_status_;     \
  } while (0)

// `lhs` = value of `expr` (an absl::StatusOr<T>), or returns its error.
#define K1S_ASSIGN_OR_RETURN(lhs, expr) \
  K1S_ASSIGN_OR_RETURN_IMPL(K1S_STATUS_CONCAT(k1s_statusor_, __LINE__), lhs, expr)
#define K1S_ASSIGN_OR_RETURN_IMPL(tmp, lhs, expr) \
  auto tmp = (expr);                              \
  if (!tmp.ok()) return tmp.status();             \
  lhs = std::move(tmp).value()
