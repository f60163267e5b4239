// Plan -> JSON (docs/outputs.md, "plan"). Missing values are null.
#include "experiment/plan_json.hpp"

#include <cmath>

namespace deplsim {
namespace {
nlohmann::ordered_json opt(const std::optional<double>& v) { return v ? nlohmann::ordered_json(*v) : nlohmann::ordered_json(nullptr); }
} // namespace

nlohmann::ordered_json claim_to_json(const Claim& c) {
  nlohmann::ordered_json j;
  j["method"] = c.method;
  j["confidence"] = c.confidence;
  j["p_target_met"] = c.p_target_met;
  j["test_level"] = c.test_level;
  j["test_bound"] = c.test_bound;
  j["runs"] = c.runs;
  j["successes"] = c.successes;
  j["tested"] = c.tested;
  j["selection_estimate"] = c.selection_estimate;
  return j;
}

Claim claim_from_json(const nlohmann::json& j) {
  Claim c;
  c.method = j.at("method").get<std::string>();
  c.confidence = j.at("confidence").get<double>();
  c.p_target_met = j.at("p_target_met").get<double>();
  c.test_level = j.at("test_level").get<double>();
  c.test_bound = j.at("test_bound").get<double>();
  c.runs = j.at("runs").get<long long>();
  c.successes = j.at("successes").get<long long>();
  c.tested = j.at("tested").get<int>();
  c.selection_estimate = j.at("selection_estimate").get<double>();
  return c;
}

nlohmann::ordered_json plan_to_json(const Plan& plan) {
  nlohmann::ordered_json j;
  j["data_sources"] = plan.data_sources;
  auto segs = nlohmann::ordered_json::array();
  for (const auto& s : plan.segments) {
    nlohmann::ordered_json o;
    o["version"] = s.version;
    o["cluster"] = s.cluster;
    o["nodes"] = s.nodes;
    o["pstate"] = s.pstate;
    o["epochs"] = s.epochs;
    segs.push_back(o);
  }
  j["segments"] = segs;
  nlohmann::ordered_json p;
  p["p_target_met"] = opt(plan.predicted.p_target_met);
  p["expected_loss"] = opt(plan.predicted.expected_loss);
  p["energy_j"] = opt(plan.predicted.energy_j);
  p["time_s"] = opt(plan.predicted.time_s);
  p["margin"] = opt(plan.predicted.margin);
  j["predicted"] = p;
  if (plan.solver) {
    nlohmann::ordered_json s;
    s["status"] = plan.solver->status;
    s["objective"] = plan.status == PlanStatus::ok ? nlohmann::ordered_json(plan.solver->objective) : nlohmann::ordered_json(nullptr);
    s["bound"] = std::isfinite(plan.solver->bound) ? nlohmann::ordered_json(plan.solver->bound) : nlohmann::ordered_json(nullptr);
    s["gap"] = plan.status == PlanStatus::ok ? nlohmann::ordered_json(plan.solver->gap) : nlohmann::ordered_json(nullptr);
    s["nodes"] = plan.solver->nodes;
    s["milps"] = plan.solver->milps;
    if (!plan.solver->certified_plan.empty()) s["certified_plan"] = plan.solver->certified_plan;
    j["solver"] = s;
  }
  if (plan.claim) j["claim"] = claim_to_json(*plan.claim);
  return j;
}

} // namespace deplsim
