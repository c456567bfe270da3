#pragma once
// Server-assigned identifiers: object UIDs and generateName suffixes. Thread-safe.
#include <string>
#include <string_view>

namespace k1s::api {

// A random (version 4) UUID in its 36-character text form.
std::string NewUid();

// `prefix` plus five random characters from the alphabet upstream uses for generateName
// (consonants and digits that cannot spell words), shortened so the name stays within
// `max_length` like upstream does.
std::string GenerateName(std::string_view prefix, size_t max_length = 253);

}  // namespace k1s::api
