/// @file loss_distribution.hpp
/// @brief The loss grid and distributions over it (docs/model.md 3.1): B levels with a boundary exactly at the target
/// loss L*, so that P(L <= L*) is a sum of whole levels; transition kernels between the levels of consecutive
/// epochs, stored as sparse rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <utility>
#include <vector>

namespace deplsim {

/// @brief B loss levels (b_j, b_{j+1}], j = 0..B-1, over [lo, hi], with b_T = L* for T = target_levels().
/// Losses at or below b_0 fall in level 0, above b_B in level B-1.
class LossGrid {
public:
  /// `levels` >= 2; lo < target < hi. Levels below the target share [lo, L*] evenly, the others [L*, hi];
  /// at least a third of the levels (and one) lie on each side.
  LossGrid(double lo, double target, double hi, int levels);

  [[nodiscard]] int levels() const { return static_cast<int>(bounds_.size()) - 1; }
  /// Number of levels whose losses are all <= L*.
  [[nodiscard]] int target_levels() const { return target_levels_; }
  [[nodiscard]] int level_of(double loss) const;
  [[nodiscard]] double lower(int level) const { return bounds_[static_cast<std::size_t>(level)]; }
  [[nodiscard]] double upper(int level) const { return bounds_[static_cast<std::size_t>(level) + 1]; }
  /// Representative loss of a level (its midpoint).
  [[nodiscard]] double value(int level) const { return 0.5 * (lower(level) + upper(level)); }
  [[nodiscard]] const std::vector<double>& bounds() const { return bounds_; }
  [[nodiscard]] double target() const { return bounds_[static_cast<std::size_t>(target_levels_)]; }

private:
  std::vector<double> bounds_;
  int target_levels_ = 0;
};

/// @brief A probability distribution over the levels of a grid.
class LossDistribution {
public:
  LossDistribution(std::shared_ptr<const LossGrid> grid, std::vector<double> p);
  [[nodiscard]] const std::vector<double>& probabilities() const { return p_; }
  [[nodiscard]] const LossGrid& grid() const { return *grid_; }
  /// P(L <= L*) as a planner may claim it. With knowledge from n independent runs (a measured profile,
  /// runs() > 0) the distribution-free claim of docs/model.md 0.6: the one-sided 95% Clopper-Pearson lower bound on
  /// P from the m = n x p_estimate() runs that met L* — at least p* exactly when the ceil-index order statistic
  /// of the n runs' losses that bounds the p*-quantile at 95% confidence is <= L*. Otherwise p_estimate().
  [[nodiscard]] double p_target() const;
  /// P(L <= L*) as estimated: a sum of whole levels.
  [[nodiscard]] double p_estimate() const;
  /// Independent runs behind the distribution (0: unlimited, a generator's knowledge).
  [[nodiscard]] std::size_t runs() const { return runs_; }
  void set_runs(std::size_t n) { runs_ = n; }
  /// P(L <= x), linear within a level.
  [[nodiscard]] double cdf(double x) const;
  /// E[L] with each level at its midpoint.
  [[nodiscard]] double mean() const;
  /// Smallest loss with cdf >= q, linear within a level.
  [[nodiscard]] double quantile(double q) const;

private:
  std::shared_ptr<const LossGrid> grid_;
  std::vector<double> p_;
  std::size_t runs_ = 0;
};

/// One-sided lower confidence bound (Clopper-Pearson) on a probability from m successes in n trials:
/// the p with P(Binomial(n, p) >= m) = alpha (0 when m = 0).
double clopper_pearson_lower(std::size_t m, std::size_t n, double alpha);

/// @brief A row-stochastic matrix over the levels, rows stored sparsely: row i lists (j, P(i -> j)). The rows lie
/// one after another in one array (compressed sparse rows): a chain of a hundred kernels is a few allocations, not
/// one per row.
class TransitionKernel {
public:
  using Entry = std::pair<std::uint32_t, double>;
  using Row = std::vector<Entry>;
  explicit TransitionKernel(int levels = 0) : start_(static_cast<std::size_t>(levels) + 1, 0) {}
  [[nodiscard]] int levels() const { return static_cast<int>(start_.size()) - 1; }
  /// Row i: its entries in increasing j (as built or set).
  [[nodiscard]] std::span<const Entry> row(int i) const {
    const auto b = start_[static_cast<std::size_t>(i)], e = start_[static_cast<std::size_t>(i) + 1];
    return {entries_.data() + b, e - b};
  }
  /// Replaces row i (the rows after it move: meant for building small kernels, not for a loop over a large one).
  void set_row(int i, const Row& row);
  /// Appends the next row (0, 1, ... in order) to a kernel made with `TransitionKernel::appending(levels)`; the kernel
  /// is ready once all `levels` rows are given (one more is std::logic_error).
  void append_row(std::span<const Entry> row);
  /// An empty kernel of `levels` levels whose rows are given in order with `append_row`.
  static TransitionKernel appending(int levels, std::size_t expected_entries = 0);
  /// out = in x P (out is resized and overwritten).
  void apply(const std::vector<double>& in, std::vector<double>& out) const;
  /// Kernel from transition counts: each visited row normalised (no additive smoothing); an unvisited row
  /// borrows the nearest visited row (ties: the higher loss, the pessimistic side). counts[i] lists (j, n).
  static TransitionKernel from_counts(const std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>>& counts);
  [[nodiscard]] std::size_t nonzeros() const { return entries_.size(); }

private:
  std::vector<std::size_t> start_;  ///< row i is entries_[start_[i], start_[i + 1])
  std::vector<Entry> entries_;
  std::size_t appended_ = 0;        ///< rows given so far to append_row
};

} // namespace deplsim
