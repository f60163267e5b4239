/// @file schedule.hpp
/// @brief Schedules of model versions (which version is trained, epoch after epoch) and the loss trajectories a
/// schedule produces: the plain data that planners, the planner knowledge and the ground truth share.
#pragma once

#include <vector>

namespace deplsim {

/// @brief Which version is trained, epoch after epoch: consecutive parts with different versions are switches.
struct Schedule {
  struct Part {
    std::size_t version = 0;
    int epochs = 0;
  };
  std::vector<Part> parts;
  [[nodiscard]] int total_epochs() const {
    int k = 0;
    for (const auto& p : parts) k += p.epochs;
    return k;
  }
  /// The same training written canonically: empty parts dropped, consecutive parts of one version joined.
  [[nodiscard]] Schedule merged() const {
    Schedule out;
    for (const auto& p : parts) {
      if (p.epochs <= 0) continue;
      if (!out.parts.empty() && out.parts.back().version == p.version) out.parts.back().epochs += p.epochs;
      else out.parts.push_back(p);
    }
    return out;
  }
};

/// @brief Losses after each epoch k = 1..K (index k-1).
struct Trajectory {
  std::vector<double> clean;       ///< noise-free loss
  std::vector<double> validation;  ///< what adaptive orchestrators observe
  std::vector<double> test;        ///< what the target is judged on
};

} // namespace deplsim
