#pragma once
// The list of controllers the manager can run, in start order, each with how to make it.
#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "controllers/common/controller.h"
#include "controllers/manager/controller_manager.h"

namespace k1s::controllers {

struct ControllerEntry {
  std::string name;
  std::function<std::unique_ptr<Controller>(ControllerContext& context,
                                            const ControllerManagerOptions& options)>
      make;
};

const std::vector<ControllerEntry>& Controllers();

}  // namespace k1s::controllers
