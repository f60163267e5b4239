// The state an interrupted `deplsim run` keeps in DIR.partial/run-state.json (see run_state.hpp).
#include "experiment/run_state.hpp"

#include "experiment/external.hpp"
#include "experiment/plan_json.hpp"

#include <cmath>
#include <limits>

namespace deplsim {

nlohmann::ordered_json checkpoint_to_json(const RunCheckpoint& c, const nlohmann::ordered_json& fingerprint) {
  nlohmann::ordered_json j;
  j["format"] = "deplsim run-state 1";
  j["fingerprint"] = fingerprint;
  // The plan as an external orchestrator's plan message (read back by the same strict parser), and the solver's
  // report beside it (exact: an unbounded solve's bound is null).
  nlohmann::ordered_json body = plan_to_json(c.plan);
  body.erase("solver");
  body.erase("claim");
  j["plan"] = {{"type", "plan"}, {"status", to_string(c.plan.status)}, {"reason", c.plan.reason},
               {"explanation", c.plan.explanation}, {"plan", body}};
  if (c.plan.solver) {
    j["solver"] = {{"status", c.plan.solver->status}, {"objective", c.plan.solver->objective},
                   {"bound", std::isfinite(c.plan.solver->bound) ? nlohmann::ordered_json(c.plan.solver->bound) : nlohmann::ordered_json(nullptr)},
                   {"gap", c.plan.solver->gap}, {"nodes", c.plan.solver->nodes}, {"milps", c.plan.solver->milps}};
    if (!c.plan.solver->certified_plan.empty()) j["solver"]["certified_plan"] = c.plan.solver->certified_plan;
  }
  if (c.plan.claim) j["claim"] = claim_to_json(*c.plan.claim);
  j["adaptive"] = c.adaptive;
  j["planner_wall_s"] = c.planner_wall_s;
  return j;
}

RunCheckpoint checkpoint_from_json(const nlohmann::json& j) {
  RunCheckpoint c;
  c.plan = plan_from_json(j.at("plan"), "run-state.json");
  if (auto s = j.find("solver"); s != j.end()) {
    SolverReport r;
    r.status = s->at("status").get<std::string>();
    r.objective = s->at("objective").get<double>();
    r.bound = s->at("bound").is_null() ? std::numeric_limits<double>::infinity() : s->at("bound").get<double>();
    r.gap = s->at("gap").get<double>();
    r.nodes = s->at("nodes").get<long long>();
    r.milps = s->at("milps").get<int>();
    r.certified_plan = s->value("certified_plan", std::string());
    c.plan.solver = r;
  }
  if (auto cl = j.find("claim"); cl != j.end()) c.plan.claim = claim_from_json(*cl);
  c.adaptive = j.at("adaptive").get<bool>();
  c.planner_wall_s = j.at("planner_wall_s").get<double>();
  return c;
}

} // namespace deplsim
