// The global batch chosen per plan (docs/model.md 1.2, `model.batch_sizes`): the orchestrator plans once for each
// batch listed, on a context of that batch (its ground truth, knowledge and cost model), and the plan of least
// predicted objective (the cost model's, the same for every orchestrator) is kept with its context. Certified claims
// stay true after this choice: each batch is planned at confidence 1 - (1 - c) / (batches listed), so all the
// batches' claims hold together at c (a union bound), whichever plan is kept.
#pragma once

#include "commands/options.hpp"
#include "experiment/run_unit.hpp"

#include <memory>
#include <optional>
#include <string>

namespace deplsim::commands {

struct BatchChoice {
  std::unique_ptr<Context> ctx;  ///< the chosen batch's context: plan, simulate and report on it
  RunCheckpoint planned;         ///< the plan made on it (batch_size set), whether it is adaptive, planning time (all batches)
};

/// Plans with `choice` for every batch of base's `model.batch_sizes` and keeps the cheapest plan (ties: the batch
/// listed first); when no batch gives a plan, the first batch's context with a plan whose reason lists each batch's.
/// Its explanation starts with what each batch gave. nullopt when the scenario lists no batches. Throws InputError
/// for an orchestrator's invalid plan.
std::optional<BatchChoice> choose_batch(const Context& base, const ContextOptions& options, const OrchestratorChoice& choice);

/// When `model.batch_sizes` lists several batches but the learning has no batch-size law: a note for people (the
/// batches then learn alike per epoch, and the choice weighs only what each batch costs). nullopt otherwise.
std::optional<std::string> batch_law_note(const Context& ctx);

} // namespace deplsim::commands
