// The parametric ground truth (docs/model.md 1.2): per replication, run effects z (floor) and w (rate); per version
//   L_k = F_z + (A - F_z) exp(-(lambda_v e^{sigma_rate w} j)^beta_v) (1 + eps_k) + O_v(j) + eval noise
// where j counts epochs since the segment started relaxing (k for the first version), A is L_0 for the first
// version and, after a switch v -> v', the noise-free loss reached plus the jump J_{v->v'}; F_z is the version's
// floor F_v (q/q_ref)^-alpha e^{sigma_v (q/q_ref)^-gamma z} (after a switch: the switch floor F_{v->v'} scaled
// the same way with v'’s spread); O_v(j) = eta_v (q/q_ref)^-zeta max(0, j - k*_v) is the overfitting term.
// Losses are clamped at 0 (a cross-entropy cannot be negative).
#include "learning/truth/parametric.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

namespace deplsim {

ParametricLearning::ParametricLearning(const Scenario& scenario, const LearningSpec& learning)
    : scenario_(scenario), learning_(learning),
      batch_factor_(learning.batch_rate_factor(static_cast<double>(scenario.model.batch_size))) {}

namespace {
// Part of the planner-knowledge cache key: bump whenever the trajectories this file generates change.
constexpr int kParametricVersion = 1;
} // namespace

std::string ParametricLearning::identity() const { return "parametric-v" + std::to_string(kParametricVersion); }

std::vector<double> ParametricLearning::clean_curve(double z, double w, double samples, const Schedule& schedule_in) const {
  const Schedule schedule = schedule_in.merged();
  const LearningSpec& lm = learning_;
  const double ratio = samples / lm.reference_samples;
  std::vector<double> out;
  out.reserve(static_cast<std::size_t>(schedule.total_epochs()));
  double start = lm.initial_loss;
  std::size_t previous = 0;
  bool first = true;
  for (const auto& part : schedule.parts) {
    const ModelVersion& v = scenario_.model.versions.at(part.version);
    const VersionLearning& p = learning_.versions.at(part.version);
    double floor = p.floor;
    if (!first && part.version != previous) {
      const SwitchLearning* s = learning_.switch_of(previous, part.version);
      if (s == nullptr) throw std::invalid_argument("undeclared switch " + scenario_.model.versions[previous].name + " -> " + v.name);
      floor = s->floor;
      start = out.back() + s->jump;
    }
    const double spread = p.spread * std::pow(ratio, -lm.spread_data_exponent);
    const double rate = p.rate * std::exp(lm.rate_spread * w) * batch_factor_;
    const double overfit = p.overfit_slope * std::pow(ratio, -lm.overfit_data_exponent);
    const double f = floor * std::pow(ratio, -lm.floor_data_exponent) * std::exp(spread * z);
    for (int j = 1; j <= part.epochs; ++j) {
      const double decay = std::exp(-std::pow(rate * j, p.shape));
      const double o = overfit * std::max(0.0, j - p.overfit_start);
      out.push_back(f + (start - f) * decay + o);
    }
    previous = part.version;
    first = false;
  }
  return out;
}


namespace {
// The memo's bound, per ground-truth object: 4 M doubles (32 MiB), e.g. 2,000 certification runs of 1,000 epochs. It
// keeps one seed's draws: a request for another seed (a coverage study's next knowledge draw) empties it, and so does
// a request that would pass the bound; one that alone passes it is drawn afresh.
constexpr std::size_t kNoiseMemoDoubles = std::size_t{4} << 20;
} // namespace

const ParametricLearning::RunNoise* ParametricLearning::memo_noise(std::uint64_t seed, Purpose purpose, std::uint32_t r,
                                                                   std::size_t epochs, bool validation) const {
  constexpr std::size_t per_run = (sizeof(RunNoise) + sizeof(double) - 1) / sizeof(double);
  const std::size_t run = r;  // (in size_t: r + 1 must not wrap)
  if (!noise_.empty() && noise_.begin()->first.first != seed) {
    noise_.clear();
    noise_doubles_ = 0;
  }
  // What this request adds to the memo, in doubles.
  auto needed = [&] {
    const auto it = noise_.find({seed, purpose});
    const std::size_t have = it == noise_.end() ? 0 : it->second.size();
    if (run >= have) return per_run * (run + 1 - have) + (validation ? 3 : 2) * epochs;
    const RunNoise& n = it->second[run];
    auto more = [&](const std::vector<double>& v) { return v.size() >= epochs ? std::size_t{0} : epochs - v.size(); };
    return more(n.eps) + more(n.et) + (validation ? more(n.ev) : 0);
  };
  if (noise_doubles_ + needed() > kNoiseMemoDoubles) {
    noise_.clear();
    noise_doubles_ = 0;
    if (needed() > kNoiseMemoDoubles) return nullptr;
  }
  noise_doubles_ += needed();
  auto& runs = noise_[{seed, purpose}];
  if (run >= runs.size()) {
    const std::size_t from = runs.size();
    runs.resize(run + 1);
    for (std::size_t i = from; i <= run; ++i) {
      const auto ri = static_cast<std::uint32_t>(i);
      runs[i].z = standard_normal({seed, purpose, StreamKind::run_effect_floor, ri, 0, 0, 0});
      runs[i].w = standard_normal({seed, purpose, StreamKind::run_effect_rate, ri, 0, 0, 0});
    }
  }
  RunNoise& n = runs[run];
  auto extend = [&](std::vector<double>& v, StreamKind kind) {
    if (v.size() >= epochs) return;
    v.reserve(epochs);  // exactly: the bound counts what is held
    for (auto k = v.size(); k < epochs; ++k)
      v.push_back(standard_normal({seed, purpose, kind, r, static_cast<std::uint32_t>(k + 1), 0, 0}));
  };
  extend(n.eps, StreamKind::epoch_noise);
  extend(n.et, StreamKind::eval_test);
  if (validation) extend(n.ev, StreamKind::eval_validation);
  return &n;
}

Trajectory ParametricLearning::memoised(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                        const Schedule& schedule, bool validation) const {
  if (purpose == Purpose::evaluation) return compute(seed, purpose, r, samples, schedule, nullptr, validation);
  std::lock_guard lock(noise_mutex_);
  std::size_t epochs = 0;
  for (const auto& part : schedule.parts) epochs += static_cast<std::size_t>(std::max(0, part.epochs));
  return compute(seed, purpose, r, samples, schedule, memo_noise(seed, purpose, r, epochs, validation), validation);
}

Trajectory ParametricLearning::trajectory(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                          const Schedule& schedule) const {
  return memoised(seed, purpose, r, samples, schedule, true);
}

std::vector<double> ParametricLearning::test_losses(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                                    const Schedule& schedule) const {
  return memoised(seed, purpose, r, samples, schedule, false).test;
}

Trajectory ParametricLearning::compute(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                       const Schedule& schedule_in, const RunNoise* noise, bool validation) const {
  const Schedule schedule = schedule_in.merged();
  const LearningSpec& lm = learning_;
  const double z = noise != nullptr ? noise->z : standard_normal({seed, purpose, StreamKind::run_effect_floor, r, 0, 0, 0});
  const double w = noise != nullptr ? noise->w : standard_normal({seed, purpose, StreamKind::run_effect_rate, r, 0, 0, 0});
  Trajectory t;
  t.clean = clean_curve(z, w, samples, schedule);
  if (validation) t.validation.reserve(t.clean.size());
  t.test.reserve(t.clean.size());
  // The epoch noise multiplies the decaying part only: recompute it per epoch from the clean curve's parts.
  const double ratio = samples / lm.reference_samples;
  std::size_t k = 0;
  std::size_t previous = 0;
  for (std::size_t pi = 0; pi < schedule.parts.size(); ++pi) {
    const auto& part = schedule.parts[pi];
    const VersionLearning& p = learning_.versions[part.version];
    double floor = p.floor;
    if (pi > 0) {
      const SwitchLearning* s = learning_.switch_of(previous, part.version);
      floor = s->floor;
    }
    const double spread = p.spread * std::pow(ratio, -lm.spread_data_exponent);
    const double f = floor * std::pow(ratio, -lm.floor_data_exponent) * std::exp(spread * z);
    const double overfit = p.overfit_slope * std::pow(ratio, -lm.overfit_data_exponent);
    for (int j = 1; j <= part.epochs; ++j, ++k) {
      const auto epoch = static_cast<std::uint32_t>(k + 1);
      const double eps = lm.epoch_noise * (noise != nullptr ? noise->eps[k] : standard_normal({seed, purpose, StreamKind::epoch_noise, r, epoch, 0, 0}));
      const double o = overfit * std::max(0.0, j - p.overfit_start);
      const double noisy = f + (t.clean[k] - o - f) * (1.0 + eps) + o;
      if (validation) {
        const double ev = lm.eval_noise * (noise != nullptr ? noise->ev[k] : standard_normal({seed, purpose, StreamKind::eval_validation, r, epoch, 0, 0}));
        t.validation.push_back(std::max(0.0, noisy + ev));
      }
      const double et = lm.eval_noise * (noise != nullptr ? noise->et[k] : standard_normal({seed, purpose, StreamKind::eval_test, r, epoch, 0, 0}));
      t.test.push_back(std::max(0.0, noisy + et));
    }
    previous = part.version;
  }
  return t;
}

double ParametricLearning::final_test_loss(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                           const Schedule& schedule_in) const {
  const Schedule schedule = schedule_in.merged();
  const LearningSpec& lm = learning_;
  const double z = standard_normal({seed, purpose, StreamKind::run_effect_floor, r, 0, 0, 0});
  const double w = standard_normal({seed, purpose, StreamKind::run_effect_rate, r, 0, 0, 0});
  const std::vector<double> clean = clean_curve(z, w, samples, schedule);
  const auto& last = schedule.parts.back();
  const VersionLearning& p = learning_.versions[last.version];
  const double ratio = samples / lm.reference_samples;
  double floor = p.floor;
  if (schedule.parts.size() > 1)
    floor = learning_.switch_of(schedule.parts[schedule.parts.size() - 2].version, last.version)->floor;
  const double spread = p.spread * std::pow(ratio, -lm.spread_data_exponent);
  const double f = floor * std::pow(ratio, -lm.floor_data_exponent) * std::exp(spread * z);
  const double o = p.overfit_slope * std::pow(ratio, -lm.overfit_data_exponent) * std::max(0.0, last.epochs - p.overfit_start);
  const auto epoch = static_cast<std::uint32_t>(clean.size());
  const double eps = lm.epoch_noise * standard_normal({seed, purpose, StreamKind::epoch_noise, r, epoch, 0, 0});
  const double noisy = f + (clean.back() - o - f) * (1.0 + eps) + o;
  const double et = lm.eval_noise * standard_normal({seed, purpose, StreamKind::eval_test, r, epoch, 0, 0});
  return std::max(0.0, noisy + et);
}

} // namespace deplsim
