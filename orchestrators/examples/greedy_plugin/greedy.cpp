// greedy: an example plug-in orchestrator, built out of tree against the installed SDK (see README.md).
// For each model version alone, on all data: the fewest epochs whose predicted P(L_K <= L*) reaches p*, then the
// cheapest (cluster, nodes, power state) within the deadline by the scenario's objective; the cheapest of those
// (version, resources) pairs wins. It sees only what every orchestrator sees: the planner knowledge and the cost
// model, never the ground truth.
#include <deplsim/plugin.hpp>

#include <iomanip>
#include <limits>
#include <memory>
#include <optional>
#include <sstream>

namespace {

using namespace deplsim;

class Greedy final : public Orchestrator {
public:
  [[nodiscard]] std::string name() const override { return "greedy"; }

  Plan plan(const Problem& pb) override {
    const Scenario& sc = pb.scenario;
    Plan plan;
    plan.data_sources = pb.all_sources();
    const double samples = pb.samples(plan.data_sources);
    std::ostringstream why;
    why << std::setprecision(6) << "greedy (example plug-in): each version alone on all " << plan.data_sources.size()
        << " data sources (" << samples << " samples per epoch), fewest epochs with predicted P >= "
        << sc.target.probability << ", cheapest resources by " << to_string(sc.objective) << "\n"
        << "  knowledge: " << pb.knowledge.describe() << "\n";

    struct Best {
      Segment segment;
      PlanCost cost;
      double objective = std::numeric_limits<double>::infinity();
    };
    std::optional<Best> best;
    for (std::size_t v = 0; v < sc.model.versions.size(); ++v) {
      const std::string& version = sc.model.versions[v].name;
      // Fewest epochs meeting p*, from the knowledge's prediction after every epoch.
      const auto per_epoch = pb.knowledge.predict_each_epoch(samples, v, sc.target.max_epochs);
      int epochs = 0;
      for (std::size_t k = 0; k < per_epoch.size(); ++k)
        if (reaches(per_epoch[k].p_target_met, sc.target.probability)) {
          epochs = static_cast<int>(k + 1);
          break;
        }
      if (epochs == 0) {
        why << "  " << version << ": no epoch count up to " << sc.target.max_epochs << " reaches p*\n";
        continue;
      }
      // Cheapest resources for that many epochs, within the deadline.
      std::optional<Best> mine;
      for (const Resources& r : pb.cost.resource_choices(v)) {  // where the version fits in memory
        Plan trial = plan;
        trial.segments = {Segment{version, sc.clusters[r.cluster].name, r.nodes, r.pstate, epochs}};
        const PlanCost c = pb.cost.evaluate(trial);
        if (sc.target.deadline_s && c.time_s > *sc.target.deadline_s) continue;
        const double objective = pb.cost.objective(c);
        if (!mine || objective < mine->objective) mine = Best{trial.segments.front(), c, objective};
      }
      if (!mine) {
        why << "  " << version << ": " << epochs << " epochs, but no resources finish them within the deadline\n";
        continue;
      }
      why << "  " << version << ": " << epochs << " epochs on " << mine->segment.cluster << " x" << mine->segment.nodes
          << " pstate " << mine->segment.pstate << ": " << mine->cost.energy_j << " J, " << mine->cost.time_s << " s\n";
      if (!best || mine->objective < best->objective) best = mine;
    }

    if (!best) {
      plan.status = PlanStatus::infeasible;
      plan.reason = "no single version reaches p* within max_epochs and the deadline";
      plan.explanation = why.str() + "  infeasible: " + plan.reason + "\n";
      return plan;
    }
    plan.segments = {best->segment};
    // The prediction of the plan itself, from the knowledge (the same schedule the executor will run).
    const LossPrediction predicted = pb.knowledge.predict(samples, pb.schedule(plan));
    plan.predicted.p_target_met = predicted.p_target_met;
    plan.predicted.expected_loss = predicted.expected_loss;
    plan.predicted.energy_j = best->cost.energy_j;
    plan.predicted.time_s = best->cost.time_s;
    why << "  chosen: " << best->segment.version << " for " << best->segment.epochs << " epochs (P = "
        << predicted.p_target_met << ", E[L] = " << predicted.expected_loss << ")\n";
    plan.explanation = why.str();
    return plan;
  }
};

void register_greedy(PluginHost& host) {
  host.add("greedy", "each version alone, fewest epochs meeting p*, the cheapest (version, resources)",
           [] { return std::make_unique<Greedy>(); });
}

} // namespace

DEPLSIM_PLUGIN("greedy", register_greedy)
