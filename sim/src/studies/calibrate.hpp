// `deplsim calibrate` (docs/model.md 3.5's check, docs/knowledge.md): the planner knowledge's predicted test-loss
// distribution against the ground truth's evaluation stream, epoch by epoch, for every version alone and every
// declared switch at every declared switch epoch; and the knowledge itself exported in a tool-neutral format
// (JSON + CSV) that external orchestrators read.
#pragma once

#include "experiment/context.hpp"

#include <nlohmann/json.hpp>

#include <filesystem>
#include <string>
#include <vector>

namespace deplsim {

/// The acceptance tolerance on the final-epoch |predicted - empirical| P(L_K <= L*).
inline constexpr double kCalibrationTolerance = 0.03;

struct CalibrateOptions {
  int replications = 20000;  ///< evaluation-stream trajectories per schedule (replications 0..N-1)
  bool progress = false;     ///< progress on stderr (only when it is a terminal)
};

/// Predicted against empirical statistics of the test loss after one epoch of one schedule.
struct CalibrationRow {
  int epoch = 0;
  double predicted_mean = 0, empirical_mean = 0;
  double predicted_q05 = 0, empirical_q05 = 0;
  double predicted_q50 = 0, empirical_q50 = 0;
  double predicted_q95 = 0, empirical_q95 = 0;
  double ks = 0;  ///< sup |F_pred - F_emp|
  double predicted_p_target = 0, empirical_p_target = 0;
  [[nodiscard]] double p_error() const { return predicted_p_target - empirical_p_target; }
};

/// One calibrated schedule: a version alone for K_max epochs, or a declared switch at a declared epoch.
struct CalibratedSchedule {
  std::string name;  ///< "full", or "full>p50@5" (the naming of profiles' `run` column)
  Schedule schedule;
  std::vector<CalibrationRow> rows;  ///< one per epoch, 1..K
  [[nodiscard]] const CalibrationRow& final_row() const { return rows.back(); }
  [[nodiscard]] double worst_abs_p_error() const;
  [[nodiscard]] int worst_abs_p_error_epoch() const;
  [[nodiscard]] double worst_ks() const;
  [[nodiscard]] int worst_ks_epoch() const;
};

struct CalibrationResult {
  double samples = 0;         ///< all data sources together
  double bucket_samples = 0;  ///< the knowledge's data bucket used for them (at or below)
  std::size_t bucket = 0;
  std::vector<CalibratedSchedule> schedules;
  [[nodiscard]] double worst_final_abs_p_error() const;
  /// Worst |P error| over every schedule and epoch: each epoch k of a schedule is the plan that stops after k
  /// epochs, so this covers every single-version plan and every plan with one switch at a declared epoch.
  [[nodiscard]] double worst_abs_p_error() const;
  [[nodiscard]] bool ok() const { return worst_abs_p_error() <= kCalibrationTolerance; }
};

/// The schedules calibrate checks: each version alone for target.max_epochs epochs, then each declared switch at
/// each declared switch epoch s < K_max: [from x s, to x (K_max - s)].
std::vector<CalibratedSchedule> calibration_schedules(const Scenario& scenario);

/// Runs the check. Throws InputError for bad options (replications < 1, no knowledge for the data).
CalibrationResult calibrate(const Context& ctx, const CalibrateOptions& options);

/// summary.json's object (deterministic).
nlohmann::ordered_json calibration_summary(const Context& ctx, const ContextOptions& inputs, const CalibrateOptions& options,
                                           const CalibrationResult& result);

/// The table printed on stdout.
std::string calibration_table(const Context& ctx, const CalibrateOptions& options, const CalibrationResult& result);

/// Writes calibration.csv, summary.json and knowledge/ into dir.partial/, then renames it to dir (replacing it
/// when `force`; throws InputError when it exists and not `force`).
void write_calibration(const std::filesystem::path& dir, bool force, const Context& ctx, const ContextOptions& inputs,
                       const CalibrateOptions& options, const CalibrationResult& result);


} // namespace deplsim
