// Certified claims (docs/model.md 3.7), shared by every planner that claims P(L_K <= L*) >= p*. Plans are chosen on
// the knowledge's selection runs; claims are counted on its certification runs, which chose nothing. A planner
// offers a few candidate plans (its own, and the single-version plans every planner can make); each candidate's
// stopping epoch is tested in a fixed sequence (from the epoch the selection runs rate likeliest down to its last
// segment's first), each test at (1 - confidence) / the number of candidates, so that the cheapest certified
// candidate's bound holds at the confidence for the plan returned, whatever the search examined. A single version on
// all the data is fixed in advance: its epochs are tested from max_epochs down on every knowledge run.
#pragma once

#include "deplsim/orchestrator.hpp"

#include <string>
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

/// The candidates a planner certifies: `own` (its choice) first, then the plan of the full version and that of the
/// most-pruned one on all the data (docs/model.md 5.1) — so that no certifying planner does worse than those anchors.
std::vector<Candidate> with_single_version_candidates(const Problem& problem, Plan own);

/// Certifies the candidates (status ok ones, the first certification_candidates() distinct ones) and returns the
/// cheapest certified, its last segment's epochs the smallest certified stopping epoch, its prediction the certified
/// bound (plan.claim says how). When the knowledge keeps no certification runs, the first candidate is returned as it
/// is (an uncertified claim). When no candidate is certified, the first one comes back infeasible with the reasons.
/// `planner` names the planner in explanations.
Plan certify_best(const Problem& problem, std::vector<Candidate> candidates, const std::string& planner);

} // namespace deplsim
