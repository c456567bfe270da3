#pragma once
// File and directory modes for PKI material.

#include <sys/types.h>

namespace k1s::pki {

inline constexpr mode_t kPrivateFileMode = 0600;
inline constexpr mode_t kPublicFileMode = 0644;
inline constexpr mode_t kPrivateDirectoryMode = 0700;

}  // namespace k1s::pki
