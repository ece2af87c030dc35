// The tasks the native trainers and scorers know (task.hpp): one include and one entry per task.
// The first is the default of callers that need one (the training benchmark).
#include "task.hpp"
#include "xor_task.hpp"

namespace mimic {

const std::vector<TaskEntry>& task_registry() {
  static const std::vector<TaskEntry> tasks = {
      xor_task(),
  };
  return tasks;
}

}  // namespace mimic
