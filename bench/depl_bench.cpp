// depl's planning time against the size of the instance (Google Benchmark), with the planner knowledge built
// beforehand (what the on-disk cache gives a repeated run): epochs K, loss levels B, model versions, clusters and
// data sources, each varied alone from a paper scenario. bench/run.sh fits the exponent of each (log-log slope).
// Usage: depl_bench SCENARIO [benchmark flags]
#include "deplsim/orchestrator.hpp"
#include "orchestrators/builtins.hpp"
#include "experiment/context.hpp"

#include <benchmark/benchmark.h>
#include <fmt/format.h>
#include <yaml-cpp/yaml.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <set>
#include <string>
#include <unistd.h>

using namespace deplsim;

namespace {

std::string g_scenario;

// A copy of the scenario keeping the first `versions` versions, `clusters` clusters and `sources` sources
// (switches among kept versions only), written to a temporary file; returns its path.
std::string variant(int versions, int clusters, int sources) {
  YAML::Node root = YAML::LoadFile(g_scenario);
  auto keep = [](YAML::Node list, int n) {
    YAML::Node out(YAML::NodeType::Sequence);
    for (int i = 0; i < n && i < static_cast<int>(list.size()); ++i) out.push_back(list[i]);
    return out;
  };
  root["model"]["versions"] = keep(root["model"]["versions"], versions);
  root["clusters"] = keep(root["clusters"], clusters);
  root["data_sources"] = keep(root["data_sources"], sources);
  std::set<std::string> names;
  for (const auto& v : root["model"]["versions"]) names.insert(v["name"].as<std::string>());
  YAML::Node switches(YAML::NodeType::Sequence);
  for (const auto& s : root["model"]["learning"]["switches"])
    if (names.contains(s["from"].as<std::string>()) && names.contains(s["to"].as<std::string>())) switches.push_back(s);
  root["model"]["learning"]["switches"] = switches;
  const auto dir = std::filesystem::path(g_scenario).parent_path();
  root["platform"] = std::filesystem::absolute(dir / root["platform"].as<std::string>()).lexically_normal().string();
  const auto path = std::filesystem::temp_directory_path() / fmt::format("deplsim-bench-{}-{}-{}-{}.yaml", versions, clusters, sources, ::getpid());
  std::ofstream(path) << root;
  return path.string();
}

void plan_time(benchmark::State& state, int epochs, int levels, int versions, int clusters, int sources) {
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  ContextOptions co;
  co.scenario = variant(versions, clusters, sources);
  co.overrides = {fmt::format("target.max_epochs={}", epochs), fmt::format("model.learning.levels={}", levels),
                  "model.learning.knowledge_trajectories=2000", "target.probability=0.9"};
  const auto ctx = build_context(co);
  std::filesystem::remove(co.scenario);
  OrchestratorRegistry registry;
  register_builtin_orchestrators(registry);
  auto depl = registry.make("depl");
  const Problem pb = ctx->problem();
  benchmark::DoNotOptimize(depl->plan(pb));  // builds every knowledge chain outside the timing
  for (auto _ : state) benchmark::DoNotOptimize(depl->plan(pb));
  state.counters["K"] = epochs;
  state.counters["B"] = levels;
  state.counters["versions"] = versions;
  state.counters["clusters"] = clusters;
  state.counters["sources"] = sources;
}

void BM_K(benchmark::State& s) { plan_time(s, static_cast<int>(s.range(0)), 100, 3, 4, 5); }
void BM_B(benchmark::State& s) { plan_time(s, 100, static_cast<int>(s.range(0)), 3, 4, 5); }
void BM_Versions(benchmark::State& s) { plan_time(s, 100, 100, static_cast<int>(s.range(0)), 4, 5); }
void BM_Clusters(benchmark::State& s) { plan_time(s, 100, 100, 3, static_cast<int>(s.range(0)), 5); }
void BM_Sources(benchmark::State& s) { plan_time(s, 100, 100, 3, 4, static_cast<int>(s.range(0))); }
BENCHMARK(BM_K)->Arg(25)->Arg(50)->Arg(100)->Arg(200)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_B)->Arg(25)->Arg(50)->Arg(100)->Arg(200)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Versions)->Arg(1)->Arg(2)->Arg(3)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Clusters)->Arg(1)->Arg(2)->Arg(4)->Unit(benchmark::kMillisecond)->Iterations(3);
BENCHMARK(BM_Sources)->Arg(1)->Arg(2)->Arg(3)->Arg(4)->Arg(5)->Unit(benchmark::kMillisecond)->Iterations(3);

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: depl_bench SCENARIO [benchmark flags]\n");
    return 2;
  }
  g_scenario = argv[1];
  for (int i = 1; i + 1 < argc; ++i) argv[i] = argv[i + 1];
  --argc;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  std::fflush(stdout);
  _exit(0);  // no SimGrid engine here, but skip static teardown all the same
}
