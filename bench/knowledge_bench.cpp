// Planner-knowledge benchmarks (Google Benchmark): exact propagation of a plan through the kernels for
// K = 200 epochs and B = 200 loss levels (target: under 5 ms), with and without a switch, and the build of
// one kernel chain from N training trajectories. Usage: knowledge_bench SCENARIO [benchmark flags]
#include "deplsim/knowledge.hpp"
#include "scenario/scenario_loader.hpp"
#include "learning/knowledge/kernel_knowledge.hpp"
#include "learning/truth/parametric.hpp"

#include <benchmark/benchmark.h>

#include <cstdlib>
#include <memory>
#include <string>

using namespace deplsim;

namespace {

std::string g_scenario;

LoadedScenario load(int epochs, int levels, int trajectories) {
  return load_scenario(g_scenario, {"target.max_epochs=" + std::to_string(epochs), "model.learning.levels=" + std::to_string(levels),
                                    "model.learning.knowledge_trajectories=" + std::to_string(trajectories)});
}

void BM_Propagation(benchmark::State& state) {
  const int k = static_cast<int>(state.range(0));
  const int b = static_cast<int>(state.range(1));
  const bool with_switch = state.range(2) != 0;
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  const LoadedScenario ls = load(k, b, 2000);
  const Scenario& sc = ls.scenario;
  const ParametricLearning truth(sc, ls.learning);
  KernelKnowledge knowledge(sc, ls.learning, truth, 1);
  knowledge.remember_propagations(false);  // each iteration propagates (planners ask the same schedule once)
  const double q = knowledge.buckets().back();
  Schedule s{{{0, k}}};
  if (with_switch) {
    const auto& sw = sc.model.switches.front();
    const int at = sc.model.switch_epochs.front();
    s = Schedule{{{sw.from_index, at}, {sw.to_index, k - at}}};
  }
  benchmark::DoNotOptimize(knowledge.predict(q, s));  // builds the chains outside the timing
  for (auto _ : state) benchmark::DoNotOptimize(knowledge.predict(q, s));
  state.counters["nonzeros_per_kernel"] = static_cast<double>(knowledge.single(0, knowledge.buckets().size() - 1).kernels[0].nonzeros());
}
BENCHMARK(BM_Propagation)->Args({200, 200, 0})->Args({200, 200, 1})->Args({100, 100, 0})->Unit(benchmark::kMillisecond);

void BM_ChainBuild(benchmark::State& state) {
  const int n = static_cast<int>(state.range(0));
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  const LoadedScenario ls = load(100, 100, n);
  const ParametricLearning truth(ls.scenario, ls.learning);
  for (auto _ : state) {
    const KernelKnowledge knowledge(ls.scenario, ls.learning, truth, 1);
    benchmark::DoNotOptimize(knowledge.single(0, knowledge.buckets().size() - 1));
  }
  state.counters["trajectories"] = n;
}
BENCHMARK(BM_ChainBuild)->Arg(2000)->Arg(8000)->Unit(benchmark::kMillisecond)->Iterations(2);

} // namespace

int main(int argc, char** argv) {
  if (argc < 2 || argv[1][0] == '-') {
    std::fprintf(stderr, "usage: knowledge_bench SCENARIO [benchmark flags]\n");
    return 2;
  }
  g_scenario = argv[1];
  for (int i = 1; i + 1 < argc; ++i) argv[i] = argv[i + 1];
  --argc;
  benchmark::Initialize(&argc, argv);
  benchmark::RunSpecifiedBenchmarks();
  return 0;
}
