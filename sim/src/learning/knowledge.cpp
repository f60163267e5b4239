// Planner knowledge, first form: empirical estimates over training trajectories of the knowledge stream.
#include "deplsim/knowledge.hpp"

#include <fmt/format.h>

namespace deplsim {

TrajectoryKnowledge::TrajectoryKnowledge(const Scenario& scenario, std::uint64_t seed)
    : scenario_(scenario), seed_(seed), generator_(scenario) {}

LossPrediction TrajectoryKnowledge::predict(double samples, const Schedule& schedule) const {
  std::string key = fmt::format("{}", samples);
  for (const auto& p : schedule.parts) key += fmt::format("|{}x{}", p.version, p.epochs);
  {
    std::lock_guard lock(mutex_);
    auto it = cache_.find(key);
    if (it != cache_.end()) return it->second;
  }
  const int n = scenario_.model.learning.knowledge_trajectories;
  const double target = scenario_.target.loss;
  int met = 0;
  double sum = 0;
  for (int r = 0; r < n; ++r) {
    const double l = generator_.final_test_loss(seed_, Purpose::knowledge, static_cast<std::uint32_t>(r), samples, schedule);
    met += l <= target ? 1 : 0;
    sum += l;
  }
  LossPrediction p{static_cast<double>(met) / n, sum / n, n};
  std::lock_guard lock(mutex_);
  cache_.emplace(key, p);
  return p;
}

std::vector<LossPrediction> TrajectoryKnowledge::predict_each_epoch(double samples, std::size_t version, int epochs) const {
  const int n = scenario_.model.learning.knowledge_trajectories;
  const double target = scenario_.target.loss;
  std::vector<int> met(static_cast<std::size_t>(epochs), 0);
  std::vector<double> sum(static_cast<std::size_t>(epochs), 0.0);
  Schedule s;
  s.parts.push_back({version, epochs});
  for (int r = 0; r < n; ++r) {
    const Trajectory t = generator_.trajectory(seed_, Purpose::knowledge, static_cast<std::uint32_t>(r), samples, s);
    for (std::size_t k = 0; k < t.test.size(); ++k) {
      met[k] += t.test[k] <= target ? 1 : 0;
      sum[k] += t.test[k];
    }
  }
  std::vector<LossPrediction> out;
  for (std::size_t k = 0; k < met.size(); ++k) out.push_back({static_cast<double>(met[k]) / n, sum[k] / n, n});
  return out;
}

std::string TrajectoryKnowledge::describe() const {
  return fmt::format("empirical over {} training trajectories of the knowledge stream (seed {})",
                     scenario_.model.learning.knowledge_trajectories, seed_);
}

} // namespace deplsim
