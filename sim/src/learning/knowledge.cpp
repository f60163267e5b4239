// Planner knowledge as kernels over a loss grid (MODEL.md 4.2), counted from trajectories of the knowledge
// stream. Per-epoch kernels reproduce the training trajectories' marginal at every epoch exactly (law of total
// probability); what remains is estimation noise, the grid's midpoints for E[L] (refined with per-level means)
// and, after a second switch, the use of single-switch kernels.
#include "deplsim/knowledge.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <tuple>

namespace deplsim {

namespace {

using Counts = std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>>;

void count(Counts& c, int from, int to) {
  auto& row = c[static_cast<std::size_t>(from)];
  for (auto& [j, n] : row)
    if (j == static_cast<std::uint32_t>(to)) {
      ++n;
      return;
    }
  row.emplace_back(static_cast<std::uint32_t>(to), 1U);
}

Schedule merged(const Schedule& s) {
  Schedule out;
  for (const auto& p : s.parts) {
    if (p.epochs <= 0) continue;
    if (!out.parts.empty() && out.parts.back().version == p.version) out.parts.back().epochs += p.epochs;
    else out.parts.push_back(p);
  }
  return out;
}

} // namespace

struct KernelKnowledge::Impl {
  Impl(const Scenario& sc, const GroundTruth& t, std::uint64_t s) : scenario(sc), truth(t), seed(s) {}
  const Scenario& scenario;
  const GroundTruth& truth;
  std::uint64_t seed;
  mutable std::mutex mutex;
  mutable std::map<std::pair<std::size_t, std::size_t>, Chain> singles;
  mutable std::map<std::tuple<std::size_t, std::size_t, std::size_t, int>, Chain> switches;

  // Counts a chain from trajectories of `schedule`, starting at epoch `first` (1-based): the initial
  // distribution at `first` (if `first` == 1) or the transition into `first` from `first` - 1, then kernels.
  Chain build(const LossGrid& grid, double samples, const Schedule& schedule, int first) const {
    const int n = scenario.model.learning.knowledge_trajectories;
    const int total = schedule.total_epochs();
    const int len = total - first + 1;  // epochs in the chain
    const int b = grid.levels();
    Chain c;
    c.trajectories = n;
    std::vector<double> initial(static_cast<std::size_t>(b), 0.0);
    Counts across(static_cast<std::size_t>(b));
    std::vector<Counts> kernels(static_cast<std::size_t>(std::max(0, len - 1)), Counts(static_cast<std::size_t>(b)));
    std::vector<std::vector<double>> sum(static_cast<std::size_t>(len), std::vector<double>(static_cast<std::size_t>(b), 0.0));
    std::vector<std::vector<int>> hits(static_cast<std::size_t>(len), std::vector<int>(static_cast<std::size_t>(b), 0));
    std::vector<int> level(static_cast<std::size_t>(total));
    for (int r = 0; r < n; ++r) {
      const Trajectory t = truth.trajectory(seed, Purpose::knowledge, static_cast<std::uint32_t>(r), samples, schedule);
      for (int k = 0; k < total; ++k) level[static_cast<std::size_t>(k)] = grid.level_of(t.test[static_cast<std::size_t>(k)]);
      if (first == 1) initial[static_cast<std::size_t>(level[0])] += 1.0;
      else count(across, level[static_cast<std::size_t>(first - 2)], level[static_cast<std::size_t>(first - 1)]);
      for (int i = 0; i < len; ++i) {
        const int k = first - 1 + i;  // 0-based epoch index
        const auto lv = static_cast<std::size_t>(level[static_cast<std::size_t>(k)]);
        sum[static_cast<std::size_t>(i)][lv] += t.test[static_cast<std::size_t>(k)];
        hits[static_cast<std::size_t>(i)][lv] += 1;
        if (i + 1 < len) count(kernels[static_cast<std::size_t>(i)], level[static_cast<std::size_t>(k)], level[static_cast<std::size_t>(k + 1)]);
      }
    }
    if (first == 1) {
      for (auto& p : initial) p /= n;
      c.initial = std::move(initial);
    } else {
      c.across = TransitionKernel::from_counts(across);
    }
    for (auto& k : kernels) c.kernels.push_back(TransitionKernel::from_counts(k));
    for (int i = 0; i < len; ++i) {
      std::vector<double> m(static_cast<std::size_t>(b));
      for (int j = 0; j < b; ++j) {
        const int h = hits[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
        m[static_cast<std::size_t>(j)] = h > 0 ? sum[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] / h : grid.value(j);
      }
      c.level_mean.push_back(std::move(m));
    }
    return c;
  }
};

KernelKnowledge::KernelKnowledge(const Scenario& scenario, const GroundTruth& truth, std::uint64_t seed)
    : impl_(std::make_unique<Impl>(scenario, truth, seed)) {
  const LearningModel& lm = scenario.model.learning;
  double total = 0;
  for (const auto& d : scenario.data_sources) total += static_cast<double>(d.samples);
  for (double f : lm.data_buckets) buckets_.push_back(f * total);
  std::sort(buckets_.begin(), buckets_.end());
  const double hi = std::max(1.5 * lm.initial_loss, 1.5 * scenario.target.loss);
  grid_ = std::make_shared<LossGrid>(0.0, scenario.target.loss, hi, lm.levels);
}

KernelKnowledge::~KernelKnowledge() = default;

std::size_t KernelKnowledge::bucket_of(double samples) const {
  std::size_t found = buckets_.size();
  for (std::size_t b = 0; b < buckets_.size(); ++b)
    if (buckets_[b] <= samples * (1 + 1e-12)) found = b;
  if (found == buckets_.size())
    throw std::out_of_range(fmt::format("no knowledge for {} samples per epoch (smallest data bucket: {})", samples,
                                        buckets_.empty() ? 0.0 : buckets_.front()));
  return found;
}

const KernelKnowledge::Chain& KernelKnowledge::single(std::size_t version, std::size_t bucket) const {
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->singles.find({version, bucket});
  if (it != impl_->singles.end()) return it->second;
  const Schedule s{{{version, impl_->scenario.target.max_epochs}}};
  return impl_->singles.emplace(std::make_pair(version, bucket), impl_->build(*grid_, buckets_[bucket], s, 1)).first->second;
}

const KernelKnowledge::Chain& KernelKnowledge::switched(std::size_t from, std::size_t to, std::size_t bucket, int at) const {
  if (impl_->scenario.switch_learning(from, to) == nullptr)
    throw std::invalid_argument(fmt::format("switch {} -> {} is not declared", impl_->scenario.model.versions[from].name,
                                            impl_->scenario.model.versions[to].name));
  std::lock_guard lock(impl_->mutex);
  const auto key = std::make_tuple(from, to, bucket, at);
  auto it = impl_->switches.find(key);
  if (it != impl_->switches.end()) return it->second;
  const int k_max = impl_->scenario.target.max_epochs;
  const Schedule s{{{from, at}, {to, k_max - at}}};
  return impl_->switches.emplace(key, impl_->build(*grid_, buckets_[bucket], s, at + 1)).first->second;
}

std::vector<std::pair<LossDistribution, double>> KernelKnowledge::each_epoch(double samples, const Schedule& schedule_in) const {
  const Schedule schedule = merged(schedule_in);
  if (schedule.parts.empty()) throw std::invalid_argument("empty schedule");
  if (schedule.total_epochs() > impl_->scenario.target.max_epochs)
    throw std::invalid_argument("schedule longer than target.max_epochs");
  const std::size_t b = bucket_of(samples);
  std::vector<std::pair<LossDistribution, double>> out;
  std::vector<double> pi;
  std::vector<double> next;
  auto record = [&](const std::vector<double>& means) {
    double e = 0;
    for (std::size_t j = 0; j < pi.size(); ++j) e += pi[j] * means[j];
    out.emplace_back(LossDistribution(grid_, pi), e);
  };
  int epoch = 0;
  for (std::size_t p = 0; p < schedule.parts.size(); ++p) {
    const auto& part = schedule.parts[p];
    const Chain& c = p == 0 ? single(part.version, b) : switched(schedule.parts[p - 1].version, part.version, b, epoch);
    if (p == 0) pi = c.initial;
    else {
      c.across.apply(pi, next);
      pi.swap(next);
    }
    record(c.level_mean[0]);
    for (int j = 1; j < part.epochs; ++j) {
      c.kernels[static_cast<std::size_t>(j - 1)].apply(pi, next);
      pi.swap(next);
      record(c.level_mean[static_cast<std::size_t>(j)]);
    }
    epoch += part.epochs;
  }
  return out;
}

LossDistribution KernelKnowledge::distribution(double samples, const Schedule& schedule) const {
  return each_epoch(samples, schedule).back().first;
}

LossPrediction KernelKnowledge::predict(double samples, const Schedule& schedule) const {
  const auto all = each_epoch(samples, schedule);
  return LossPrediction{all.back().first.p_target(), all.back().second, impl_->scenario.model.learning.knowledge_trajectories};
}

std::vector<LossPrediction> KernelKnowledge::predict_each_epoch(double samples, std::size_t version, int epochs) const {
  std::vector<LossPrediction> out;
  for (const auto& [d, e] : each_epoch(samples, Schedule{{{version, epochs}}}))
    out.push_back({d.p_target(), e, impl_->scenario.model.learning.knowledge_trajectories});
  return out;
}

std::string KernelKnowledge::describe() const {
  std::string buckets;
  for (double b : buckets_) buckets += (buckets.empty() ? "" : ", ") + fmt::format("{}", b);
  return fmt::format("kernels over {} loss levels (boundary at L* = {}), {} training trajectories per chain from the "
                     "knowledge stream (seed {}), data buckets [{}] samples",
                     grid_->levels(), grid_->target(), impl_->scenario.model.learning.knowledge_trajectories, impl_->seed, buckets);
}

} // namespace deplsim
