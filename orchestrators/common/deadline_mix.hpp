// Under a deadline, a plan's epochs split between a cheap, slow resource choice and a fast one (docs/model.md 5.3):
// the cheapest fixed plan often trains most epochs on the frugal choice and only as many on the fast one as the
// deadline needs — a mix a single Lagrangian price on time cannot find (it yields all-slow or all-fast). Resources
// do not change what is learnt, so a plan's verified or certified claim holds for the mixed plan unchanged.
#pragma once

#include "deplsim/problem.hpp"

#include <optional>
#include <string>

namespace deplsim {

/// `plan` with one or more segments split in two — k epochs on another resource choice, before or after the rest —
/// when that is cheaper by the scenario's objective and still within the deadline (the largest such k, found by
/// bisection on exact evaluations); `plan` itself without a deadline or when nothing is cheaper. When it changes the
/// plan, its predicted energy and time follow and its explanation says so.
Plan mix_for_deadline(const Problem& pb, const Plan& plan);

/// A plan whose epochs miss the deadline on its resources, on resources that meet it: each version's epochs (consecutive
/// segments of one version merged) on the one resource choice, where every version fits, of least objective within
/// the deadline, then mixed (mix_for_deadline). The same data and schedule: what the plan learns, hence its claim.
/// nullopt without a deadline or when no single choice meets it. (certify_best's Retime for heuristic planners.)
std::optional<Plan> retime_for_deadline(const Problem& pb, const Plan& plan);

} // namespace deplsim
