#pragma once
// absl::StrCat and absl::StrAppend that also take std::string_view. Debian's abseil has its own
// absl::string_view type, so passing a std::string_view to abseil needs a conversion; these
// wrappers do it for every argument.
#include <string>
#include <string_view>
#include <type_traits>

#include "absl/strings/str_cat.h"
#include "absl/strings/string_view.h"

namespace k1s::base {

namespace strings_internal {
template <typename T>
decltype(auto) ForAbseil(const T& value) {
  if constexpr (std::is_same_v<T, std::string_view>) {
    return absl::string_view(value.data(), value.size());
  } else {
    return (value);
  }
}
}  // namespace strings_internal

template <typename... Args>
std::string StrCat(const Args&... args) {
  return absl::StrCat(strings_internal::ForAbseil(args)...);
}

template <typename... Args>
void StrAppend(std::string* out, const Args&... args) {
  absl::StrAppend(out, strings_internal::ForAbseil(args)...);
}

inline absl::string_view ToAbseil(std::string_view text) { return {text.data(), text.size()}; }

}  // namespace k1s::base
