#include "controllers/manager/registry.h"

#include "controllers/namespace/namespace_controller.h"

namespace k1s::controllers {

const std::vector<ControllerEntry>& Controllers() {
  // Each entry's name is the controller's name as upstream spells it, for --disable-controller.
  static const std::vector<ControllerEntry> entries = {
      {"namespace",
       [](ControllerContext& context, const ControllerManagerOptions&) {
         return std::make_unique<NamespaceController>(context);
       }},
  };
  return entries;
}

}  // namespace k1s::controllers
