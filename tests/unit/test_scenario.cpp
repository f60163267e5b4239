// The scenario loader: a valid file reads into the structs; every kind of mistake is reported with its file,
// line, column and key; --set overrides by dotted path, by list name and by index.
#include "experiment/context.hpp"
#include "orchestrators/builtins.hpp"
#include "scenario/scenario_loader.hpp"

#include <catch2/catch.hpp>

#include <string>

using namespace deplsim;

namespace {

const std::string kPath = std::string(DEPLSIM_SOURCE_DIR) + "/tests/data/unit-scenario.yaml";

std::string valid_text() {
  return R"(name: unit
platform: ../../platforms/tiny.xml
controller: controller
target:
  loss: 0.6
  probability: 0.9
  max_epochs: 40
clusters:
  - {name: t1, zone: tiny}
  - {name: t2, zone: tiny2, price_per_node_s: 0.01}
data_sources:
  - {name: s1, host: src1, samples: 1000, sample_bytes: 3072}
  - {name: s2, host: src1, samples: 3000, sample_bytes: 3072}
model:
  name: mlp
  batch_size: 64
  versions:
    - name: full
      flops_per_sample: 1.0e6
      param_bytes: 4.0e5
      learning: {floor: 0.4, rate: 0.1, shape: 1.0, spread: 0.05}
    - name: p50
      flops_per_sample: 5.0e5
      param_bytes: 2.0e5
      pruning: 0.5
      learning: {floor: 0.42, rate: 0.1}
  switch_epochs: [5, 10]
  max_switches: 1
  learning:
    kind: parametric
    initial_loss: 2.302585
    reference_samples: 4000
    switches:
      - {from: full, to: p50, jump: 0.02, floor: 0.38}
training:
  sync: parameter-server
  rounds_per_epoch: 4
)";
}

std::string replace(std::string text, const std::string& from, const std::string& to) {
  const auto pos = text.find(from);
  REQUIRE(pos != std::string::npos);
  return text.replace(pos, from.size(), to);
}

// Loads and returns the first issue's text (or "" if it loads): the loader's, then the orchestrators' settings
// checks (every built-in orchestrator reads the `planners` section, as when a command builds its context).
std::string first_error(const std::string& text, const std::vector<std::string>& overrides = {}) {
  try {
    const auto loaded = load_scenario_text(text, kPath, overrides);
    OrchestratorRegistry registry;
    register_builtin_orchestrators(registry);
    check_planner_settings(registry, loaded.planners);
  } catch (const InputError& e) {
    return e.issues().front().str();
  }
  return "";
}

// Every issue, one per line.
std::string all_errors(const std::string& text) {
  try {
    load_scenario_text(text, kPath, {});
  } catch (const InputError& e) {
    return e.what();
  }
  return "";
}

} // namespace

TEST_CASE("a valid scenario reads into the structs", "[scenario]") {
  const auto loaded = load_scenario_text(valid_text(), kPath);
  const Scenario& sc = loaded.scenario;
  CHECK(sc.name == "unit");
  CHECK(sc.platform.find("platforms/tiny.xml") != std::string::npos);
  CHECK(sc.target.loss == 0.6);
  CHECK_FALSE(sc.target.deadline_s.has_value());
  CHECK(sc.clusters.size() == 2);
  CHECK(sc.clusters[1].price_per_node_s == 0.01);
  CHECK(sc.data_sources[1].samples == 3000);
  CHECK(sc.model.versions[1].pruning == 0.5);
  CHECK(loaded.learning.versions[1].shape == 1.0);  // default
  CHECK(sc.model.switch_epochs == std::vector<int>{5, 10});
  CHECK(sc.model.switches.at(0).to_index == 1);
  CHECK(sc.training.sync == SyncKind::parameter_server);
  CHECK(sc.training.rounds_per_epoch == 4);
  CHECK(sc.most_pruned_version() == 1);
}

TEST_CASE("errors name the file, line, column and key", "[scenario]") {
  CHECK(first_error(replace(valid_text(), "probability: 0.9", "probability: 1.5")) ==
        kPath + ":6:16: target.probability: must be in (0, 1), got 1.5");
  CHECK_THAT(first_error(replace(valid_text(), "  loss: 0.6\n", "")), Catch::Contains("target.loss: missing (required)"));
  CHECK_THAT(all_errors(replace(valid_text(), "probability: 0.9", "probabilty: 0.9")),
             Catch::Contains(":6:3: target.probabilty: unknown key") && Catch::Contains("known keys here"));
  CHECK_THAT(first_error(replace(valid_text(), "loss: 0.6", "loss: .nan")), Catch::Contains("target.loss: expected a finite number"));
  CHECK_THAT(first_error(replace(valid_text(), "loss: 0.6", "loss: .inf")), Catch::Contains("target.loss: expected a finite number"));
  CHECK_THAT(first_error(replace(valid_text(), "loss: 0.6", "loss: low")), Catch::Contains("expected a finite number, got 'low'"));
  CHECK_THAT(first_error(replace(valid_text(), "samples: 1000", "samples: 0")), Catch::Contains("data_sources.s1.samples: must be in"));
  CHECK_THAT(first_error(replace(valid_text(), "flops_per_sample: 1.0e6", "flops_per_sample: -1")),
             Catch::Contains("model.versions.full.flops_per_sample: must be > 0"));
  CHECK_THAT(first_error(replace(valid_text(), "name: unit\n", "name: unit\nname: again\n")),
             Catch::Contains(":2:1: name: duplicated key"));
  CHECK_THAT(first_error(replace(valid_text(), "{name: t2, zone: tiny2", "{name: t1, zone: tiny2")),
             Catch::Contains("duplicated name 't1'"));
  CHECK_THAT(first_error(replace(valid_text(), "[5, 10]", "[10, 5]")), Catch::Contains("strictly increasing"));
  CHECK_THAT(first_error(replace(valid_text(), "to: p50", "to: p90")), Catch::Contains("no version named 'p90'"));
  CHECK_THAT(first_error(replace(valid_text(), "sync: parameter-server", "sync: gossip")),
             Catch::Contains("training.sync: expected one of ring-allreduce, parameter-server, hierarchical, got 'gossip'"));
  CHECK_THAT(first_error(replace(valid_text(), "    initial_loss: 2.302585", "    initial_loss: 2.302585\n    batch_noise_scale: 512")),
             Catch::Contains("model.learning.batch_noise_scale: the batch-size law needs both"));
  CHECK_THAT(first_error(replace(valid_text(), "sync: parameter-server", "sync: parameter-server\n  mode: iterations")),
             Catch::Contains("training.rounds_per_epoch: applies to mode: rounds only"));
  CHECK_THAT(first_error(replace(valid_text(), "sync: parameter-server", "sync: parameter-server\n  bucket_bytes: 1000")),
             Catch::Contains("training.bucket_bytes: applies to mode: iterations only"));
  CHECK_THAT(first_error(replace(valid_text(), "  rounds_per_epoch: 4", "  mode: iterations\n  backward_share: 1.5")),
             Catch::Contains("training.backward_share: expected a number in (0, 1)"));
  CHECK_THAT(first_error(replace(valid_text(), "platform: ../../platforms/tiny.xml", "platform: nowhere.xml")),
             Catch::Contains("platform: platform file") && Catch::Contains("does not exist"));
  CHECK_THAT(first_error(replace(valid_text(), "floor: 0.4,", "floor: 2.5,")), Catch::Contains("must be below model.learning.initial_loss"));
}

TEST_CASE("malformed YAML is reported with its position", "[scenario]") {
  CHECK_THAT(first_error("name: [unclosed\n"), Catch::Contains(kPath + ":"));
  CHECK_THAT(first_error("- a\n- b\n"), Catch::Contains("(top level): expected a mapping, got a list"));
  std::string deep(5000, '[');
  CHECK_THAT(first_error("name: " + deep), Catch::Contains("nesting too deep"));
  // An alias bomb is read without being expanded: its use where a list of mappings is expected fails at once.
  std::string bomb = "a: &a [x,x,x,x,x,x,x,x,x]\n";
  std::string prev = "a";
  for (char c = 'b'; c <= 'j'; ++c) {
    bomb += std::string(1, c) + ": &" + c + " [*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev + ",*" + prev +
            ",*" + prev + ",*" + prev + ",*" + prev + "]\n";
    prev = std::string(1, c);
  }
  const std::string with_bomb = replace(valid_text(), "clusters:\n  - {name: t1, zone: tiny}\n  - {name: t2, zone: tiny2, price_per_node_s: 0.01}\n",
                                        bomb + "clusters: *j\n");
  CHECK_FALSE(first_error(with_bomb).empty());
}

TEST_CASE("overrides (--set) by dotted path, list name and index", "[scenario]") {
  const auto a = load_scenario_text(valid_text(), kPath, {"target.probability=0.95", "data_sources.s2.samples=5000",
                                                          "clusters.0.zone=tiny2", "model.switch_epochs=[5]",
                                                          "target.deadline_s=3600"});
  CHECK(a.scenario.target.probability == 0.95);
  CHECK(a.scenario.data_sources[1].samples == 5000);
  CHECK(a.scenario.clusters[0].zone == "tiny2");
  CHECK(a.scenario.model.switch_epochs == std::vector<int>{5});
  CHECK(a.scenario.target.deadline_s == 3600);
  CHECK(first_error(valid_text(), {"target.probability=2"}) == "--set target.probability: must be in (0, 1), got 2");
  // Optional sections can be created; other missing mappings cannot.
  CHECK(load_scenario_text(valid_text(), kPath, {"planners.safety_delta=0.2"}).planners.number("safety_delta", 0.1, {0, 1}) == 0.2);
  CHECK(first_error(valid_text(), {"planners.optimum.gap=0.5"}).empty());  // an orchestrator's block is created too
  CHECK(first_error(valid_text(), {"planners.safety_delta=1.5"}) == "--set planners.safety_delta: must be in [0, 1), got 1.5");
  CHECK_THAT(first_error(valid_text(), {"planners.nope=1"}), Catch::Contains("planners.nope: unknown key"));
  CHECK_THAT(first_error(valid_text(), {"nope.x=1"}), Catch::Contains("--set nope.x: 'nope' does not exist"));
  CHECK_THAT(first_error(valid_text(), {"data_sources.9.samples=1"}), Catch::Contains("no list item named or numbered '9'"));
  CHECK_THAT(first_error(valid_text(), {"target"}), Catch::Contains("expected KEY=VALUE"));
  CHECK_THAT(first_error(valid_text(), {"data_sources.s1.samples=0"}), Catch::Contains("--set data_sources.s1.samples: must be in"));
  CHECK_THAT(first_error(valid_text(), {"target.lossy=1"}), Catch::Contains("target.lossy: unknown key"));
  // A rounds scenario switched to iterations: its rounds_per_epoch set to null counts as absent (not without it).
  const auto it = load_scenario_text(valid_text(), kPath, {"training.mode=iterations", "training.rounds_per_epoch=null"});
  CHECK(it.scenario.training.mode == TrainingMode::iterations);
  CHECK_THAT(first_error(valid_text(), {"training.mode=iterations"}),
             Catch::Contains("training.rounds_per_epoch: applies to mode: rounds only") && Catch::Contains("or set it to null"));
}
