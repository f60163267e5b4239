/// @file trace_profile.hpp
/// @brief Measured learning profiles (docs/model.md 0.8 and 1.4) as a ground truth (docs/model.md 1.4): a CSV of loss
/// trajectories really measured over seeds, data fractions and run schedules (`full`, `p75`, `full>p75@5`), and
/// TraceLearning, which answers a replication with one whole measured seed, drawn by a counter-based stream so
/// that runs sharing a seed stay together across schedules, and with the profile's seeds split between the
/// planner's knowledge and the evaluation (docs/model.md 0.6 and 1.4) so that the two never overlap.
#pragma once

#include "learning/truth/ground_truth.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <string>
#include <vector>

namespace deplsim {

/// @brief Largest profile file accepted (bytes).
inline constexpr std::uintmax_t kMaxProfileBytes = 512ull * 1024 * 1024;

/// @brief The losses of one seed of one measured run, after epochs 1..K (index k-1).
struct MeasuredTrajectory {
  std::vector<double> validation;
  std::vector<double> test;
};

/// @brief One run schedule measured at one data fraction, over several seeds of the same length.
struct MeasuredRun {
  std::string name;               ///< canonical run name, e.g. `full>p75@5`
  std::vector<std::size_t> versions; ///< versions trained in turn (indices into TraceProfile::version_names)
  std::vector<int> switch_after;  ///< epochs after which the version changes (size versions.size() - 1, increasing)
  double data_fraction = 0.0;     ///< in (0, 1]
  int epochs = 0;                 ///< K: measured length, the same for every seed
  int line = 0;                   ///< first line of the run in the file (for messages)
  std::map<std::uint32_t, MeasuredTrajectory> by_seed;

  /// The run as a Schedule of `k` epochs (k <= epochs): the last version runs to epoch k.
  [[nodiscard]] Schedule schedule(int k) const;
  /// The run as a Schedule of its whole measured length.
  [[nodiscard]] Schedule schedule() const { return schedule(epochs); }
};

/// @brief A loaded and validated profile.
struct TraceProfile {
  std::string path;                       ///< as given to the loader (for messages)
  std::vector<std::string> version_names; ///< scenario version names, in scenario order
  std::vector<MeasuredRun> runs;          ///< sorted by (data_fraction, name)
  std::vector<int> batches;               ///< global batches of the file's `batch` column, increasing (empty: no column)
  int batch = 0;                          ///< the batch whose rows were kept (0: no batch column)

  /// Distinct measured data fractions, increasing.
  [[nodiscard]] std::vector<double> data_fractions() const;
  /// Distinct seeds over the whole profile, increasing.
  [[nodiscard]] std::vector<std::uint32_t> seeds() const;
  /// The run with this canonical name at exactly this data fraction, or nullptr.
  [[nodiscard]] const MeasuredRun* find(const std::string& name, double data_fraction) const;
};

/// @brief Load and validate a profile CSV with header `version,data_fraction,seed,epoch,val_loss,test_loss,run`
/// (any column order). Throws InputError (`FILE:LINE:COL: COLUMN: message`) for every kind of bad input: missing,
/// empty or oversized file, missing/duplicated/unknown columns, wrong field count, quotes, bad numbers, unknown
/// versions, unparsable runs, a version disagreeing with its run, holes or duplicates in epochs, seeds of
/// different lengths, a switch run without its base run, fewer than 2 seeds for a (run, data fraction).
/// An optional `batch` column holds the global batch each row was measured at: only the rows at `batch` are kept
/// (and checked as a profile); a `batch` the file does not measure, or none (0), is an InputError naming the file's.
TraceProfile load_trace_profile(const std::string& path, const std::vector<std::string>& version_names,
                                std::uintmax_t max_bytes = kMaxProfileBytes, int batch = 0);

/// @brief Parse a run name (`full`, `full>p75@5`, `full>p50@5>p75@10`) into versions and switch epochs.
/// Throws std::invalid_argument with a message naming what is wrong.
void parse_run_name(const std::string& run, const std::vector<std::string>& version_names,
                    std::vector<std::size_t>& versions, std::vector<int>& switch_after);

/// @brief The ground truth from a measured profile (docs/model.md 1.4).
class TraceLearning final : public GroundTruth {
public:
  /// @param total_samples q_total, the scenario's total samples: data fraction f means f * q_total samples.
  /// @param knowledge_seeds how many of the profile's sorted seeds go to Purpose::knowledge; the rest are for
  ///        Purpose::evaluation. Must be in [1, number of seeds - 1] (std::invalid_argument otherwise).
  /// Throws InputError (file, key `seed`) if some (run, data fraction) lacks a seed that others have.
  /// @param shuffle when given, the seeds are split in an order drawn from it (a coverage study's repetitions draw
  ///        other knowledge seeds: docs/model.md 3.8), else in increasing order.
  TraceLearning(TraceProfile profile, double total_samples, std::size_t knowledge_seeds,
                std::optional<std::uint64_t> shuffle = std::nullopt);

  /// Replication `r` of `purpose`: one seed of the purpose's seed set, uniform, drawn from
  /// (seed, purpose, StreamKind::trace_resample, r) — independent of the schedule. `samples` maps to the
  /// measured data fraction at or below it (std::out_of_range below the smallest); the schedule must be a
  /// measured run at that fraction no longer than measured (std::invalid_argument otherwise).
  /// `clean` equals `test` (measurements have no noise-free value).
  [[nodiscard]] Trajectory trajectory(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                      const Schedule& schedule) const override;
  [[nodiscard]] double final_test_loss(std::uint64_t seed, Purpose purpose, std::uint32_t r, double samples,
                                       const Schedule& schedule) const override;

  /// The profile seed replication `r` of `purpose` uses (the same for every schedule and data quantity).
  [[nodiscard]] std::uint32_t profile_seed(std::uint64_t seed, Purpose purpose, std::uint32_t r) const;
  /// The profile's seeds given to a purpose, increasing (knowledge and evaluation are disjoint).
  [[nodiscard]] std::optional<std::size_t> independent_runs(Purpose purpose) const override { return seeds(purpose).size(); }
  [[nodiscard]] std::optional<std::uint64_t> run_of(std::uint64_t seed, Purpose purpose, std::uint32_t r) const override {
    return profile_seed(seed, purpose, r);
  }
  /// The measured run of the purpose's index-th seed (each seed once: what the planner knowledge counts).
  [[nodiscard]] Trajectory indexed_trajectory(Purpose purpose, std::size_t index, double samples, const Schedule& schedule) const override;
  [[nodiscard]] const std::vector<std::uint32_t>& seeds(Purpose purpose) const;
  /// Every seed of the profile, increasing: the population a coverage study judges claims on.
  [[nodiscard]] std::vector<std::uint32_t> all_seeds() const { return profile_.seeds(); }
  /// The measured run of one profile seed (any purpose).
  [[nodiscard]] Trajectory seed_trajectory(std::uint32_t seed, double samples, const Schedule& schedule) const;
  /// The measured data fraction used for `samples` samples: the largest f with f * q_total <= samples.
  [[nodiscard]] double data_fraction_for(double samples) const;
  /// The measured run answering `schedule` at the data fraction of `samples` (checks as trajectory()).
  [[nodiscard]] const MeasuredRun& run_for(double samples, const Schedule& schedule) const;
  /// Every measured run (for the planner's knowledge and calibration).
  [[nodiscard]] const std::vector<MeasuredRun>& runs() const { return profile_.runs; }
  [[nodiscard]] const TraceProfile& profile() const { return profile_; }
  [[nodiscard]] double total_samples() const { return total_samples_; }
  /// For the planner-knowledge cache: a hash of the profile's content (not its layout), q_total and the split.
  [[nodiscard]] std::string identity() const override { return identity_; }

private:
  TraceProfile profile_;
  double total_samples_;
  std::vector<double> fractions_;
  std::vector<std::uint32_t> knowledge_seeds_;
  std::vector<std::uint32_t> evaluation_seeds_;
  std::string identity_;
};

} // namespace deplsim
