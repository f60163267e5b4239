// Certified claims (docs/model.md 3.7), shared by every planner that claims P(L_K <= L*) >= p*. Plans are chosen on
// the knowledge's selection runs; claims are counted on its certification runs, which chose nothing. A planner
// offers a few candidate plans (its own, and the single-version plans every planner can make); each candidate's
// stopping epoch is tested in a fixed sequence (from the epoch the selection runs rate likeliest down to its last
// segment's first), each test at (1 - confidence) / the number of candidates, so that the cheapest certified
// candidate's bound holds at the confidence for the plan returned, whatever the search examined. A single version on
// all the data is fixed in advance: its epochs are tested from max_epochs down on every knowledge run.
#pragma once

#include "deplsim/orchestrator.hpp"

#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

namespace deplsim {

/// @brief A plan offered for certification, and what it is (for explanations).
struct Candidate {
  std::string label;
  Plan plan;
  /// A single version on all the data: what it learns was fixed before any run was looked at, so its stopping epochs
  /// are tested from max_epochs down on every knowledge run (CertifyOn::all_runs), not only the held-out ones.
  bool prespecified = false;
};

/// What a plan trains, as (version, epochs) with consecutive segments of one version merged: a plan that splits a
/// version's epochs over two resource choices learns what the unsplit plan learns.
std::vector<std::pair<std::size_t, int>> version_runs(const Problem& problem, const Plan& plan);

/// The candidates a planner certifies: `own` (its choice) first, then the plan of the full version and that of the
/// most-pruned one on all the data (docs/model.md 5.1) — so that no certifying planner does worse than those anchors.
std::vector<Candidate> with_single_version_candidates(const Problem& problem, Plan own);

/// Certifies the candidates (status ok ones, the first certification_candidates() distinct ones) and returns the
/// cheapest certified, its last segment's epochs the smallest certified stopping epoch, its prediction the certified
/// bound (plan.claim says how). When the knowledge keeps no certification runs, the first candidate is returned as it
/// is (an uncertified claim). When no candidate is certified, the first one comes back infeasible with the reasons.
/// `planner` names the planner in explanations.
/// `retime`, when given, is asked for a candidate whose fewest certified epochs miss the deadline on its resources: a
/// plan with the same data and schedule at those epochs (what it learns, hence its claim) on resources within the
/// deadline, or nullopt. A plan it returns that learns anything else, or still misses the deadline, is not used.
using Retime = std::function<std::optional<Plan>(const Plan& lengthened)>;
Plan certify_best(const Problem& problem, std::vector<Candidate> candidates, const std::string& planner, const Retime& retime = {});

} // namespace deplsim
