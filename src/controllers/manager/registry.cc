#include "controllers/manager/registry.h"

namespace k1s::controllers {

const std::vector<ControllerEntry>& Controllers() {
  static const std::vector<ControllerEntry> entries = {};
  return entries;
}

}  // namespace k1s::controllers
