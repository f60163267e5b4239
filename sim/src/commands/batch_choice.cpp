// The global batch chosen per plan (see batch_choice.hpp).
#include "commands/batch_choice.hpp"

#include "deplsim/error.hpp"
#include "deplsim/problem.hpp"
#include "support/interrupt.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace deplsim::commands {
namespace {

struct Tried {
  int batch = 0;
  std::unique_ptr<Context> ctx;
  Plan plan;
  bool adaptive = false;
  double objective = 0.0;
};

} // namespace

std::optional<std::string> batch_law_note(const Context& ctx) {
  const Model& m = ctx.scenario().model;
  // A measured profile measures each batch's learning (its batch column): no law needed.
  if (m.batch_sizes.size() < 2 || ctx.loaded.learning.batch_noise_scale > 0 || ctx.loaded.learning.kind == "traces") return std::nullopt;
  return fmt::format("model.batch_sizes lists {} global batches but model.learning has no batch-size law "
                     "(batch_noise_scale, reference_batch): every batch then learns alike per epoch, so the choice weighs "
                     "only what each batch costs (iterations per epoch, memory): in the iterations mode, usually the largest batch "
                     "that fits",
                     m.batch_sizes.size());
}

std::optional<BatchChoice> choose_batch(const Context& base, const ContextOptions& options, const OrchestratorChoice& choice) {
  const Model& m = base.scenario().model;
  if (m.batch_sizes.empty()) return std::nullopt;
  if (const auto note = batch_law_note(base)) fmt::print(stderr, "note: {}\n", *note);
  const double confidence = base.loaded.learning.confidence;
  std::vector<Tried> tried;
  double wall = 0;
  std::optional<std::size_t> best;
  for (const int batch : m.batch_sizes) {
    Tried t;
    t.batch = batch;
    t.ctx = build_batch_context(base, options, batch);
    std::optional<TempDir> knowledge;  // outlives the orchestrator (declared first)
    auto orchestrator = make_orchestrator(choice, *t.ctx, knowledge);
    const Problem problem = t.ctx->problem();
    const auto t0 = std::chrono::steady_clock::now();
    try {
      t.plan = orchestrator->plan(problem);
      if (interrupt_signal() != 0) throw Interrupted(interrupt_signal());  // under the caller's InterruptGuard
    } catch (const Interrupted&) {
      try {
        orchestrator->finish();  // an external orchestrator: stopped already, this reaps what is left
      } catch (const InputError&) {
      }
      throw;
    }
    wall += std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    const auto problems = validate_plan(problem, t.plan, choice.name);
    if (!problems.empty()) {
      std::vector<InputIssue> issues;  // a plug-in's invalid plan is bad input (exit 2), named by orchestrator and field
      for (const auto& p : problems) issues.push_back(InputIssue{"", 0, 0, "", fmt::format("global batch {}: {}", batch, p)});
      throw InputError(issues);
    }
    if (t.plan.status == PlanStatus::ok) {
      t.plan.batch_size = batch;
      // Per-replication policies: the unit plans again to build them (an orchestrator in another process always does).
      t.adaptive = !orchestrator->stateful() && orchestrator->start_replication(problem, t.plan) != nullptr;
      t.objective = t.ctx->cost->objective(t.ctx->cost->evaluate(t.plan));
      if (!best || t.objective < tried[*best].objective) best = tried.size();
    }
    orchestrator->finish();
    tried.push_back(std::move(t));
  }
  // What each batch gave, for people: the explanation's first lines.
  std::string lines = fmt::format("global batch (model.batch_sizes): planned once per batch, claims at confidence {:.6g} each "
                                  "({:.6g} for all together); predicted objective per batch:\n",
                                  per_batch_confidence(base), confidence);
  for (const auto& t : tried)
    lines += t.plan.status == PlanStatus::ok
                 ? fmt::format("  batch {}: {:.6g}{}\n", t.batch, t.objective, best && tried[*best].batch == t.batch ? "  <- chosen" : "")
                 : fmt::format("  batch {}: {} ({})\n", t.batch, to_string(t.plan.status), t.plan.reason);
  BatchChoice out;
  if (!best) {  // no batch gives a plan: the first batch's answer, with every batch's reason
    Tried& first = tried.front();
    std::string reason = "no global batch of model.batch_sizes gives a plan:";
    for (const auto& t : tried) reason += fmt::format(" batch {}: {};", t.batch, t.plan.reason);
    reason.pop_back();
    first.plan.reason = reason;
    first.plan.batch_size = first.batch;  // whose answer this is (a resumed run continues on that batch's context)
    first.plan.explanation = lines + first.plan.explanation;
    out.ctx = std::move(first.ctx);
    out.planned = RunCheckpoint{first.plan, false, wall};
    return out;
  }
  Tried& chosen = tried[*best];
  if (chosen.plan.claim) {  // the batch's claim, at its level; every batch's together (union bound) at m times its risk
    const double c_batch = per_batch_confidence(base);
    const double c_own = chosen.plan.claim->confidence;  // a plug-in may certify at a level of its own
    chosen.plan.claim->confidence = std::abs(c_own - c_batch) < 1e-12
                                        ? confidence
                                        : std::max(0.0, 1.0 - static_cast<double>(m.batch_sizes.size()) * (1.0 - c_own));
    chosen.plan.claim->method += fmt::format("; the cheapest of {} global batches, each certified at confidence {:.6g}",
                                             m.batch_sizes.size(), per_batch_confidence(base));
  }
  chosen.plan.explanation = lines + chosen.plan.explanation;
  out.ctx = std::move(chosen.ctx);
  out.planned = RunCheckpoint{chosen.plan, chosen.adaptive, wall};
  return out;
}

} // namespace deplsim::commands
