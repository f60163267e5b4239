// Loss grid, distributions and sparse transition kernels (see loss_distribution.hpp).
#include "deplsim/loss_distribution.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <stdexcept>
#include <tuple>
#include <vector>

namespace deplsim {

LossGrid::LossGrid(double lo, double target, double hi, int levels) {
  if (!(levels >= 2) || !(lo < target && target < hi) || !std::isfinite(lo) || !std::isfinite(hi))
    throw std::invalid_argument("loss grid needs lo < target < hi and at least 2 levels");
  const int min_side = std::max(1, levels / 3);
  int below = static_cast<int>(std::lround(levels * (target - lo) / (hi - lo)));
  below = std::clamp(below, min_side, levels - min_side);
  target_levels_ = below;
  const int above = levels - below;
  for (int j = 0; j < below; ++j) bounds_.push_back(lo + (target - lo) * j / below);
  bounds_.push_back(target);  // exactly L*
  for (int j = 1; j <= above; ++j) bounds_.push_back(j == above ? hi : target + (hi - target) * j / above);
}

int LossGrid::level_of(double loss) const {
  // First bound >= loss: levels are (b_j, b_{j+1}], so loss == L* lands at or below the target.
  const auto it = std::lower_bound(bounds_.begin() + 1, bounds_.end(), loss);
  if (it == bounds_.end()) return levels() - 1;
  return static_cast<int>(it - bounds_.begin()) - 1;
}

LossDistribution::LossDistribution(std::shared_ptr<const LossGrid> grid, std::vector<double> p)
    : grid_(std::move(grid)), p_(std::move(p)) {
  if (static_cast<int>(p_.size()) != grid_->levels()) throw std::invalid_argument("distribution size differs from the grid");
}

double LossDistribution::p_estimate() const {
  double s = 0;
  for (int j = 0; j < grid_->target_levels(); ++j) s += p_[static_cast<std::size_t>(j)];
  return std::min(1.0, s);
}

double LossDistribution::p_target() const {
  const double p = p_estimate();
  if (runs_ == 0) return p;
  // Runs that met L*: the estimate is a fraction of n runs (exactly, for one version or one switch counted from
  // the same runs); rounding down keeps the claim on the safe side of a sum's last bits.
  const auto m = static_cast<std::size_t>(std::floor(p * static_cast<double>(runs_) + 1e-6));
  return clopper_pearson_lower(std::min(m, runs_), runs_, 0.05);
}

double clopper_pearson_lower(std::size_t m, std::size_t n, double alpha) {
  if (m == 0 || n == 0) return 0.0;
  // Planners ask for the same (m, n, alpha) many times (every stopping epoch of every candidate): remembered per
  // thread, the same bits as computing it afresh.
  thread_local std::map<std::tuple<std::size_t, std::size_t, double>, double> memo;
  const auto key = std::make_tuple(m, n, alpha);
  if (const auto it = memo.find(key); it != memo.end()) return it->second;
  // P(Binomial(n, p) >= m) grows with p: bisect for the p where it equals alpha.
  // The binomial coefficients' logs do not depend on p: computed once.
  std::vector<double> log_choose;
  if (m <= n) log_choose.reserve(n - m + 1);  // (m > n: no term, the tail is 0)
  for (std::size_t i = m; i <= n; ++i)
    log_choose.push_back(std::lgamma(static_cast<double>(n) + 1) - std::lgamma(static_cast<double>(i) + 1) -
                         std::lgamma(static_cast<double>(n - i) + 1));
  auto upper_tail = [&](double p) {
    // sum_{i=m}^{n} C(n,i) p^i (1-p)^(n-i), in logs for stability.
    const double lp = std::log(p);
    const double lq = std::log1p(-p);
    double s = 0;
    for (std::size_t i = m; i <= n; ++i) {
      const double li = static_cast<double>(i) * lp + static_cast<double>(n - i) * lq;
      s += std::exp(log_choose[i - m] + li);
    }
    return s;
  };
  double lo = 0.0, hi = 1.0;
  for (int it = 0; it < 200 && hi - lo > 1e-15; ++it) {
    const double mid = 0.5 * (lo + hi);
    if (mid <= 0 || mid >= 1) break;
    if (upper_tail(mid) < alpha) lo = mid;
    else hi = mid;
  }
  if (memo.size() > 100000) memo.clear();  // bounded: a long study asks for many distinct (m, n)
  memo.emplace(key, lo);
  return lo;
}

double LossDistribution::cdf(double x) const {
  double s = 0;
  for (int j = 0; j < grid_->levels(); ++j) {
    const double lo = grid_->lower(j);
    const double hi = grid_->upper(j);
    const double pj = p_[static_cast<std::size_t>(j)];
    if (x >= hi) s += pj;
    else {
      if (x > lo) s += pj * (x - lo) / (hi - lo);
      break;
    }
  }
  return std::min(1.0, s);
}

double LossDistribution::mean() const {
  double m = 0;
  for (int j = 0; j < grid_->levels(); ++j) m += p_[static_cast<std::size_t>(j)] * grid_->value(j);
  return m;
}

double LossDistribution::quantile(double q) const {
  double s = 0;
  for (int j = 0; j < grid_->levels(); ++j) {
    const double pj = p_[static_cast<std::size_t>(j)];
    if (pj > 0 && s + pj >= q) return grid_->lower(j) + (grid_->upper(j) - grid_->lower(j)) * std::clamp((q - s) / pj, 0.0, 1.0);
    s += pj;
  }
  return grid_->bounds().back();
}

void TransitionKernel::apply(const std::vector<double>& in, std::vector<double>& out) const {
  const std::size_t n = start_.size() - 1;
  out.assign(n, 0.0);
  for (std::size_t i = 0; i < n; ++i) {
    const double pi = in[i];
    if (pi == 0) continue;
    for (std::size_t e = start_[i]; e < start_[i + 1]; ++e) out[entries_[e].first] += pi * entries_[e].second;
  }
}

void TransitionKernel::set_row(int i, const Row& row) {
  const auto r = static_cast<std::size_t>(i);
  const std::size_t b = start_[r], e = start_[r + 1];
  entries_.erase(entries_.begin() + static_cast<std::ptrdiff_t>(b), entries_.begin() + static_cast<std::ptrdiff_t>(e));
  entries_.insert(entries_.begin() + static_cast<std::ptrdiff_t>(b), row.begin(), row.end());
  for (std::size_t k = r + 1; k < start_.size(); ++k) start_[k] = start_[k] - (e - b) + row.size();
}

TransitionKernel TransitionKernel::appending(int levels, std::size_t expected_entries) {
  TransitionKernel k(levels);
  k.entries_.reserve(expected_entries);
  return k;
}

void TransitionKernel::append_row(std::span<const Entry> row) {
  if (appended_ + 1 >= start_.size()) throw std::logic_error("TransitionKernel::append_row: every row is already given");
  entries_.insert(entries_.end(), row.begin(), row.end());
  start_[++appended_] = entries_.size();
}

TransitionKernel TransitionKernel::from_counts(const std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>>& counts) {
  const int n = static_cast<int>(counts.size());
  std::vector<Row> rows(static_cast<std::size_t>(n));
  std::vector<int> visited;
  for (int i = 0; i < n; ++i) {
    std::uint64_t total = 0;
    for (const auto& [j, c] : counts[static_cast<std::size_t>(i)]) total += c;
    if (total == 0) continue;
    visited.push_back(i);
    Row& row = rows[static_cast<std::size_t>(i)];
    for (const auto& [j, c] : counts[static_cast<std::size_t>(i)]) row.emplace_back(j, static_cast<double>(c) / static_cast<double>(total));
    std::sort(row.begin(), row.end());
  }
  TransitionKernel k = appending(n);
  for (int i = 0; i < n; ++i) {
    if (visited.empty()) {  // nothing known: stay
      const Entry stay{static_cast<std::uint32_t>(i), 1.0};
      k.append_row({&stay, 1});
      continue;
    }
    if (!rows[static_cast<std::size_t>(i)].empty()) {
      k.append_row(rows[static_cast<std::size_t>(i)]);
      continue;
    }
    // Nearest visited row; on a tie, the higher-loss one.
    auto it = std::lower_bound(visited.begin(), visited.end(), i);
    int best = it == visited.end() ? visited.back() : *it;
    if (it != visited.begin()) {
      const int below = *(it - 1);
      if (it == visited.end() || i - below < best - i) best = below;
    }
    k.append_row(rows[static_cast<std::size_t>(best)]);
  }
  return k;
}

} // namespace deplsim
