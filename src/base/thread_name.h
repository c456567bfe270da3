#pragma once
// Names the calling thread (shown by top -H, gdb and /proc/<pid>/task/*/comm). Linux keeps at
// most 15 bytes, so longer names are cut.
#include <string_view>

namespace k1s::base {

void SetCurrentThreadName(std::string_view name);

}  // namespace k1s::base
