// What every planner knowledge offers on top of its kernels (see deplsim/knowledge.hpp).
#include "deplsim/knowledge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>

namespace deplsim {

const char* to_string(KnowledgeKind kind) { return kind == KnowledgeKind::measured ? "measured" : "generated"; }

long long minimum_runs(double p, double confidence) {
  if (!(p > 0 && p < 1) || !(confidence > 0 && confidence < 1)) return 1;
  // log1p: exact for p near 1 (p = 1 - 1e-16 needs about 3e16 runs, beyond any int).
  const double n = std::ceil(std::log(1.0 - confidence) / std::log1p(-(1.0 - p)) - 1e-9);
  return n >= 9.0e18 ? std::numeric_limits<long long>::max() : static_cast<long long>(n);
}

std::size_t PlannerKnowledge::bucket_of(double samples) const {
  const std::vector<double>& b = buckets();
  std::size_t found = b.size();
  for (std::size_t i = 0; i < b.size(); ++i)
    if (b[i] <= samples * (1 + 1e-12)) found = i;
  if (found == b.size())
    throw std::out_of_range(fmt::format("no knowledge for {} samples per epoch (smallest data bucket: {})", samples,
                                        b.empty() ? 0.0 : b.front()));
  return found;
}

std::optional<std::string> PlannerKnowledge::insufficient_for(double p) const {
  if (const std::size_t c = certification_runs(); c > 0) {
    // Each candidate is tested at 1 - (1 - confidence) / certification_candidates() (docs/model.md 3.7); the plans
    // fixed in advance (a single version on all the data) on every knowledge run, the others on the held-out ones.
    const long long need = minimum_runs(p, 1.0 - (1.0 - confidence()) / std::max(1, certification_candidates()));
    const std::size_t all = c + independent_runs();
    if (static_cast<long long>(all) >= need) return std::nullopt;
    return fmt::format("insufficient data: {} knowledge runs cannot certify P(L <= L*) >= {} at {:g}% confidence (each of up "
                       "to {} candidates at {:.4g}%), even if every one met L*: it takes at least {} "
                       "(model.learning.knowledge_runs)",
                       all, p, 100 * confidence(), certification_candidates(),
                       100 * (1.0 - (1.0 - confidence()) / std::max(1, certification_candidates())), need);
  }
  const std::size_t n = independent_runs();
  const long long need = minimum_runs(p);
  if (static_cast<long long>(n) >= need) return std::nullopt;
  return fmt::format("insufficient data: the knowledge rests on {} independent training runs; a claim P(L <= L*) >= {} "
                     "needs at least {} (distribution-free, 95% confidence)", n, p, need);
}

LossDistribution PlannerKnowledge::distribution(double samples, const Schedule& schedule) const {
  return each_epoch(samples, schedule).back().first;
}

LossPrediction PlannerKnowledge::predict(double samples, const Schedule& schedule) const {
  const auto all = each_epoch(samples, schedule);
  return LossPrediction{all.back().first.p_target(), all.back().second, trajectories_per_chain()};
}

std::vector<LossPrediction> PlannerKnowledge::predict_each_epoch(double samples, std::size_t version, int epochs) const {
  std::vector<LossPrediction> out;
  for (const auto& [d, e] : each_epoch(samples, Schedule{{{version, epochs}}}))
    out.push_back({d.p_target(), e, trajectories_per_chain()});
  return out;
}

} // namespace deplsim
