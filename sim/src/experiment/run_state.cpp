// The state an interrupted `deplsim run` keeps in DIR.partial/run-state.json (see run_state.hpp).
#include "experiment/run_state.hpp"

#include "deplsim/error.hpp"
#include "experiment/external.hpp"
#include "experiment/plan_json.hpp"
#include "support/json_input.hpp"

#include <fmt/format.h>

#include <cmath>
#include <cstdint>
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

RunCheckpoint checkpoint_from_json(const nlohmann::json& j, const std::string& file) {
  auto bad = [&](const std::string& key, const std::string& why) { throw InputError(InputIssue{file, 0, 0, key, why}); };
  if (!j.is_object()) bad("", "expected an object");
  auto at = [&](const nlohmann::json& o, const std::string& where, const char* key) -> const nlohmann::json& {
    auto it = o.find(key);
    if (it == o.end()) bad(where.empty() ? key : where + "." + key, "missing");
    return *it;
  };
  // A number, finite (null for NaN, as written), or null for infinity where `null_is_inf`; within [lo, hi].
  auto number = [&](const nlohmann::json& v, const std::string& key, double lo, double hi, double null_value) {
    if (v.is_null()) return null_value;
    if (!v.is_number() || !std::isfinite(v.get<double>()) || v.get<double>() < lo || v.get<double>() > hi)
      bad(key, fmt::format("expected a number in [{:g}, {:g}], got {}", lo, hi, json_excerpt(v)));
    return v.get<double>();
  };
  auto integer = [&](const nlohmann::json& v, const std::string& key, std::int64_t max) {
    if (!v.is_number_integer() || (v.is_number_unsigned() ? v.get<std::uint64_t>() > static_cast<std::uint64_t>(max)
                                                          : (v.get<std::int64_t>() < 0 || v.get<std::int64_t>() > max)))
      bad(key, fmt::format("expected an integer in [0, {}], got {}", max, json_excerpt(v)));
    return v.get<std::int64_t>();
  };
  auto text = [&](const nlohmann::json& v, const std::string& key) {
    if (!v.is_string()) bad(key, fmt::format("expected a string, got {}", json_excerpt(v)));
    return printable(v.get<std::string>(), 1000);
  };
  constexpr double inf = std::numeric_limits<double>::infinity();
  constexpr double nan = std::numeric_limits<double>::quiet_NaN();
  RunCheckpoint c;
  c.plan = plan_from_json(at(j, "", "plan"), file);
  if (auto s = j.find("solver"); s != j.end()) {
    if (!s->is_object()) bad("solver", fmt::format("expected an object, got {}", json_excerpt(*s)));
    SolverReport r;
    r.status = text(at(*s, "solver", "status"), "solver.status");
    r.objective = number(at(*s, "solver", "objective"), "solver.objective", -inf, inf, nan);
    r.bound = number(at(*s, "solver", "bound"), "solver.bound", -inf, inf, inf);
    r.gap = number(at(*s, "solver", "gap"), "solver.gap", -inf, inf, nan);
    r.nodes = integer(at(*s, "solver", "nodes"), "solver.nodes", std::numeric_limits<std::int64_t>::max());
    r.milps = static_cast<int>(integer(at(*s, "solver", "milps"), "solver.milps", std::numeric_limits<int>::max()));
    if (auto cp = s->find("certified_plan"); cp != s->end()) r.certified_plan = text(*cp, "solver.certified_plan");
    c.plan.solver = r;
  }
  if (auto cl = j.find("claim"); cl != j.end()) c.plan.claim = claim_from_json(*cl, file, "claim");
  const auto& adaptive = at(j, "", "adaptive");
  if (!adaptive.is_boolean()) bad("adaptive", fmt::format("expected true or false, got {}", json_excerpt(adaptive)));
  c.adaptive = adaptive.get<bool>();
  c.planner_wall_s = number(at(j, "", "planner_wall_s"), "planner_wall_s", 0, inf, 0);
  return c;
}

} // namespace deplsim
