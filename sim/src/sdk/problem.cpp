// Problem helpers and plan validation: every field of a plan checked against the scenario and platform.
#include "deplsim/problem.hpp"

#include <fmt/format.h>

#include <set>

namespace deplsim {

double Problem::samples(const std::vector<std::string>& sources) const {
  double q = 0;
  for (const auto& s : sources)
    if (auto i = scenario.source_index(s)) q += static_cast<double>(scenario.data_sources[*i].samples);
  return q;
}

std::vector<std::string> Problem::all_sources() const {
  std::vector<std::string> out;
  for (const auto& d : scenario.data_sources) out.push_back(d.name);
  return out;
}

Schedule Problem::schedule(const Plan& plan) const {
  Schedule s;
  for (const auto& seg : plan.segments) s.parts.push_back({*scenario.version_index(seg.version), seg.epochs});
  return s;
}

std::vector<std::string> validate_plan(const Problem& problem, const Plan& plan, const std::string& who) {
  std::vector<std::string> errors;
  auto err = [&](const std::string& field, const std::string& msg) {
    errors.push_back(fmt::format("orchestrator '{}': plan.{}: {}", who, field, msg));
  };
  const Scenario& sc = problem.scenario;
  if (plan.status != PlanStatus::ok) return errors;
  if (plan.data_sources.empty()) err("data_sources", "no data source selected");
  if (plan.batch_size != 0 && plan.batch_size != sc.model.batch_size)
    err("batch_size", fmt::format("the problem's global batch is {} (a plan trains with the batch it was planned for), got {}",
                                  sc.model.batch_size, plan.batch_size));
  std::set<std::string> seen;
  for (std::size_t i = 0; i < plan.data_sources.size(); ++i) {
    const auto& d = plan.data_sources[i];
    if (!sc.source_index(d)) err(fmt::format("data_sources[{}]", i), fmt::format("unknown data source '{}'", d));
    if (!seen.insert(d).second) err(fmt::format("data_sources[{}]", i), fmt::format("data source '{}' listed twice", d));
  }
  if (plan.segments.empty()) err("segments", "no segment");
  int epoch = 0;
  int switches = 0;
  std::optional<std::size_t> previous;
  for (std::size_t i = 0; i < plan.segments.size(); ++i) {
    const Segment& s = plan.segments[i];
    const std::string f = fmt::format("segments[{}]", i);
    const auto v = sc.version_index(s.version);
    const auto c = sc.cluster_index(s.cluster);
    if (!v) err(f + ".version", fmt::format("unknown version '{}'", s.version));
    if (!c) err(f + ".cluster", fmt::format("unknown cluster '{}'", s.cluster));
    if (s.epochs < 1) err(f + ".epochs", fmt::format("must be >= 1, got {}", s.epochs));
    if (c) {
      const auto size = static_cast<int>(problem.platform.cluster_hosts.at(*c).size());
      if (s.nodes < 1 || s.nodes > size)
        err(f + ".nodes", fmt::format("cluster '{}' has {} training hosts, got {}", s.cluster, size, s.nodes));
      else {
        const auto ps = static_cast<int>(problem.cost.platform().common_pstates(problem.cost.segment_hosts(*c, s.nodes)));
        if (s.pstate < 0 || s.pstate >= ps)
          err(f + ".pstate", fmt::format("the {} nodes have power states 0..{}, got {}", s.nodes, ps - 1, s.pstate));
        else if (std::string why; v && !problem.cost.fits(*v, Resources{*c, s.nodes, s.pstate}, &why))
          err(f, fmt::format("does not fit in memory on {} node{} of cluster '{}': {}", s.nodes, s.nodes == 1 ? "" : "s",
                             s.cluster, why));
      }
    }
    if (v && previous && *v != *previous) {
      ++switches;
      bool declared = false;
      for (int e : sc.model.switch_epochs) declared |= e == epoch;
      if (!declared) err(f + ".version", fmt::format("switch after epoch {} is not at a declared switch epoch", epoch));
      if (!sc.switch_declared(*previous, *v))
        err(f + ".version", fmt::format("switch {} -> {} is not declared in model.learning.switches",
                                        sc.model.versions[*previous].name, s.version));
    }
    if (v) previous = v;
    epoch += std::max(0, s.epochs);
  }
  if (switches > sc.model.max_switches)
    err("segments", fmt::format("{} model switches, at most {} allowed", switches, sc.model.max_switches));
  if (epoch > sc.target.max_epochs) err("segments", fmt::format("{} epochs in total, at most {} allowed", epoch, sc.target.max_epochs));
  return errors;
}

const char* to_string(PlanStatus s) {
  switch (s) {
  case PlanStatus::ok: return "ok";
  case PlanStatus::infeasible: return "infeasible";
  case PlanStatus::insufficient_data: return "insufficient_data";
  case PlanStatus::limit_reached: return "limit_reached";
  }
  return "?";
}

} // namespace deplsim
