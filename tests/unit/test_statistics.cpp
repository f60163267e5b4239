// The guarantee rule's companions (report/statistics): how many runs would decide an `unknown` verdict, and the note
// that says so — more replications for a parametric truth, more measured runs for a profile.
#include "report/statistics.hpp"

#include <catch2/catch.hpp>

#include <cmath>
#include <string>

using namespace deplsim;

namespace {
std::string verdict_at(double p, long long n, double p_star) { return guarantee_verdict(std::llround(p * static_cast<double>(n)), n, p_star); }
} // namespace

TEST_CASE("runs_to_decide: the smallest count at which the same P is met or violated", "[statistics]") {
  // Met side: P = 0.829 against p* = 0.83 (p* - 0.01 = 0.82) is unknown at 1000 runs.
  REQUIRE(verdict_at(0.829, 1000, 0.83) == "unknown");
  const auto met = runs_to_decide(0.829, 1000, 0.83);
  REQUIRE(met);
  CHECK(*met > 1000);
  CHECK(*met <= 20000);
  CHECK(verdict_at(0.829, *met, 0.83) == "met");
  CHECK(verdict_at(0.829, *met - 1, 0.83) == "unknown");
  // Violated side: P = 0.815 < p* - 0.01.
  REQUIRE(verdict_at(0.815, 1000, 0.83) == "unknown");
  const auto violated = runs_to_decide(0.815, 1000, 0.83);
  REQUIRE(violated);
  CHECK(verdict_at(0.815, *violated, 0.83) == "violated");
  CHECK(verdict_at(0.815, *violated - 1, 0.83) == "unknown");
  // Decided verdicts, and no runs: nothing to say.
  CHECK_FALSE(runs_to_decide(0.95, 1000, 0.83));
  CHECK_FALSE(runs_to_decide(0.70, 1000, 0.83));
  CHECK_FALSE(runs_to_decide(0.5, 0, 0.83));
}

TEST_CASE("undecided_note: replications for a parametric truth, measured runs for a profile", "[statistics]") {
  nlohmann::ordered_json s;
  s["status"] = "ok";
  s["guarantee"] = "unknown";
  s["target"]["probability"] = 0.83;
  s["quality"]["p_target_met"] = 0.829;
  s["quality"]["independent_runs"] = 1000;
  const std::string more_replications = undecided_note(s, 1000);
  CHECK(more_replications.find("replications would decide it (--replications ") != std::string::npos);
  const std::string more_runs = undecided_note(s, 20000);  // 20,000 replications resampling 1000 measured runs
  CHECK(more_runs.find("measured runs would decide it (more replications would not)") != std::string::npos);
  s["guarantee"] = "met";
  CHECK(undecided_note(s, 1000).empty());
}
