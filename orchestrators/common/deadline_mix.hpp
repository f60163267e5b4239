// Under a deadline, a plan's epochs split between a cheap, slow resource choice and a fast one (docs/model.md 5.3):
// the cheapest fixed plan often trains most epochs on the frugal choice and only as many on the fast one as the
// deadline needs — a mix a single Lagrangian price on time cannot find (it yields all-slow or all-fast). Resources
// do not change what is learnt, so a plan's verified or certified claim holds for the mixed plan unchanged.
#pragma once

#include "deplsim/problem.hpp"

#include <string>

namespace deplsim {

/// `plan` with one or more segments split in two — k epochs on another resource choice, before or after the rest —
/// when that is cheaper by the scenario's objective and still within the deadline (the largest such k, found by
/// bisection on exact evaluations); `plan` itself without a deadline or when nothing is cheaper. When it changes the
/// plan, its predicted energy and time follow and its explanation says so.
Plan mix_for_deadline(const Problem& pb, const Plan& plan);

} // namespace deplsim
