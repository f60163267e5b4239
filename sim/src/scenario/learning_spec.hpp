// What a scenario says about learning that planners do not see (docs/scenario.md sections 2.7-2.9): the
// ground truth's parameters (learning curves, or the measured profile and its seed split) and how the planner
// knowledge is built from it (grid levels, data buckets, trajectories). The scenario loader fills it; the ground
// truths and the knowledge builder read it. Orchestrators see the knowledge built from it, never this.
#pragma once

#include <cstddef>
#include <string>
#include <vector>

namespace deplsim {

/// @brief Version-level parameters of the parametric learning curve (docs/model.md 1.2).
struct VersionLearning {
  double floor = 0.0;          ///< F_v at q_ref
  double rate = 0.0;           ///< lambda_v, per epoch
  double shape = 1.0;          ///< beta_v
  double spread = 0.0;         ///< sigma_v, spread of the floor between runs at q_ref
  double overfit_slope = 0.0;  ///< eta_v, loss per epoch after overfit_start at q_ref
  double overfit_start = 0.0;  ///< k*_v
};

/// @brief Behaviour of a declared switch v -> v' (docs/model.md 1.3): a jump, then relaxation toward the switch floor.
struct SwitchLearning {
  std::size_t from_index = 0;
  std::size_t to_index = 0;
  double jump = 0.0;   ///< J_{v->v'}
  double floor = 0.0;  ///< F_{v->v'} at q_ref
};

/// @brief The learning side of a scenario.
struct LearningSpec {
  std::string kind = "parametric";    ///< "parametric" (learning curves) or "traces" (a measured profile)
  std::string profile;                ///< traces: resolved path of the profile CSV
  int knowledge_seeds = 0;            ///< traces: how many of the profile's sorted seeds the planner learns from
  double initial_loss = 0.0;          ///< L_0
  double reference_samples = 0.0;     ///< q_ref
  double floor_data_exponent = 0.0;   ///< alpha
  double spread_data_exponent = 0.0;  ///< gamma
  double overfit_data_exponent = 0.0; ///< zeta
  double rate_spread = 0.0;           ///< sigma_rate
  double epoch_noise = 0.0;           ///< sigma_ep
  double eval_noise = 0.0;            ///< sigma_eval
  /// Parametric: the gradient noise scale B_noise of the batch-size law (docs/model.md 1.2; 0: progress per epoch
  /// does not depend on the batch), and the global batch B_ref the curves' rates were set for.
  double batch_noise_scale = 0.0;
  double reference_batch = 0.0;
  /// The batch-size law's factor on every version's rate for global batch `batch`: (1 + B_ref / B_noise) /
  /// (1 + batch / B_noise) — epochs to a given loss grow as 1 + B / B_noise (McCandlish et al. 2018); exactly 1
  /// without the law.
  [[nodiscard]] double batch_rate_factor(double batch) const {
    if (batch_noise_scale <= 0) return 1.0;
    return (1.0 + reference_batch / batch_noise_scale) / (1.0 + batch / batch_noise_scale);
  }
  int knowledge_trajectories = 8000;  ///< parametric: the runs the planners know (model.learning.knowledge_runs)
  double certification_share = 0.5;   ///< of the runs the planners know, the share kept to certify claims (0: none)
  double confidence = 0.95;           ///< confidence of certified claims
  int certification_candidates = 4;   ///< candidate plans a planner may certify (each at (1 - confidence) / this)
  int levels = 100;                   ///< B: loss levels of the planner's grid (a boundary at L*)
  std::vector<double> data_buckets{0.25, 0.5, 0.75, 1.0};  ///< fractions of all samples with knowledge
  std::vector<VersionLearning> versions;  ///< by version index (parametric only)
  std::vector<SwitchLearning> switches;   ///< one per declared switch (Scenario::model.switches), same order

  /// The runs the planners know: the measured profile's knowledge seeds, or the trajectories of the knowledge stream.
  /// The key the knowledge runs were given under (model.learning.knowledge_runs, or this kind's older name), for
  /// messages about them.
  std::string knowledge_runs_key = "model.learning.knowledge_runs";
  [[nodiscard]] int knowledge_runs() const { return kind == "traces" ? knowledge_seeds : knowledge_trajectories; }
  /// Of them, the runs kept to certify claims (never used to choose a plan) and the runs the kernels are counted from.
  [[nodiscard]] int certification_runs() const {
    return static_cast<int>(static_cast<double>(knowledge_runs()) * certification_share);
  }
  [[nodiscard]] int selection_runs() const { return knowledge_runs() - certification_runs(); }

  /// The learning of the declared switch from -> to, if declared.
  [[nodiscard]] const SwitchLearning* switch_of(std::size_t from, std::size_t to) const {
    for (const auto& s : switches)
      if (s.from_index == from && s.to_index == to) return &s;
    return nullptr;
  }
};

} // namespace deplsim
