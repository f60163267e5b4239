// Plan -> JSON (docs/outputs.md, "plan"). Missing values are null.
#include "experiment/plan_json.hpp"

#include "deplsim/error.hpp"
#include "support/json_input.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
#include <limits>

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

Claim claim_from_json(const nlohmann::json& j, const std::string& file, const std::string& where) {
  auto bad = [&](const std::string& key, const std::string& why) {
    throw InputError(InputIssue{file, 0, 0, where + "." + key, why});
  };
  if (!j.is_object()) throw InputError(InputIssue{file, 0, 0, where, "expected an object"});
  auto at = [&](const char* key) -> const nlohmann::json& {
    auto it = j.find(key);
    if (it == j.end()) bad(key, "missing");
    return *it;
  };
  auto probability = [&](const char* key) {
    const auto& v = at(key);
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < 0 || v.get<double>() > 1)
      bad(key, fmt::format("expected a probability in [0, 1], got {}", json_excerpt(v)));
    return v.get<double>();
  };
  auto count = [&](const char* key, long long max) {
    const auto& v = at(key);
    if (!v.is_number_integer() || (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)
                                                          : (v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > max)))
      bad(key, fmt::format("expected an integer in [0, {}], got {}", max, json_excerpt(v)));
    return static_cast<long long>(v.get<std::int64_t>());
  };
  Claim c;
  const auto& method = at("method");
  if (!method.is_string()) bad("method", fmt::format("expected a string, got {}", json_excerpt(method)));
  c.method = printable(method.get<std::string>(), 1000);
  c.confidence = probability("confidence");
  c.p_target_met = probability("p_target_met");
  c.test_level = probability("test_level");
  c.test_bound = probability("test_bound");
  c.runs = count("runs", std::numeric_limits<std::int64_t>::max());
  c.successes = count("successes", c.runs);
  c.tested = static_cast<int>(count("tested", std::numeric_limits<int>::max()));
  c.selection_estimate = probability("selection_estimate");
  return c;
}

nlohmann::ordered_json plan_to_json(const Plan& plan) {
  nlohmann::ordered_json j;
  j["data_sources"] = plan.data_sources;
  if (plan.batch_size > 0) j["batch_size"] = plan.batch_size;  // only where the scenario lets plans choose it
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
