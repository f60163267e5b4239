// The overlap model's shape (docs/model.md 4.14): one iteration's time against the gradient bucket size, for the
// scenario's full version on N nodes of a cluster, from the cost model (which equals the simulation: the
// cost_vs_simulation_iterations tests). Prints a CSV (bucket bytes, buckets, iteration s, compute s, exposed
// communication s) and checks the shape Li et al. (VLDB 2020) measured for PyTorch DDP: iterations are slowest with
// one bucket for the whole model (no overlap: the collective waits for the whole backward pass) and with tiny
// buckets (each pays the collective's latency steps), fastest in between.
//   iteration_shape SCENARIO CLUSTER NODES [--set KEY=VALUE]...
#include "tool_context.hpp"

#include <fmt/format.h>

#include <cstring>

using namespace deplsim;

int main(int argc, char** argv) {
  if (argc < 4) {
    fmt::print(stderr, "usage: iteration_shape SCENARIO CLUSTER NODES [--set KEY=VALUE]...\n");
    return 2;
  }
  std::vector<std::string> overrides;
  for (int i = 4; i + 1 < argc; ++i)
    if (std::strcmp(argv[i], "--set") == 0) overrides.emplace_back(argv[++i]);
  const std::vector<double> buckets = {2.5e5, 1e6, 4e6, 1.6e7, 26214400, 6.4e7, 1e12};  // 1e12: one bucket
  std::vector<double> times;
  fmt::print("bucket_bytes,buckets,iteration_s,compute_s,exposed_communication_s\n");
  for (double b : buckets) {
    ContextOptions co;
    co.scenario = argv[1];
    co.overrides = overrides;
    co.overrides.push_back("training.mode=iterations");
    co.overrides.push_back(fmt::format("training.bucket_bytes={}", b));
    const auto ctx = testtools::load_context(co);
    if (!ctx) return 2;
    const Scenario& sc = ctx->scenario();
    const CostModel& cm = *ctx->cost;
    const auto cluster = testtools::cluster_named(*ctx, argv[2]);
    if (!cluster) return 2;
    double samples = 0;
    for (const auto& d : sc.data_sources) samples += static_cast<double>(d.samples);
    const auto hosts = cm.segment_hosts(*cluster, std::stoi(argv[3]));
    const auto blocks = cm.epoch_iterations(0, hosts, 0, samples);
    const IterationWork& w = *blocks.front().runs.front().work;  // a full, synchronising iteration
    const IterationCost c = cm.iteration_cost(w);
    double compute = 0;
    for (std::size_t j = 0; j < w.nodes.size(); ++j) compute = std::max(compute, w.nodes[j].overhead_s + c.busy_s[j]);
    times.push_back(c.time_s);
    fmt::print("{},{},{:.6g},{:.6g},{:.6g}\n", b, w.buckets.size(), c.time_s, compute, c.time_s - compute);
  }
  const double dflt = times[4];
  const bool shape = times.front() > dflt && times.back() > dflt;
  fmt::print(stderr, "overlap: one bucket {:.4g} s, 25 MiB buckets {:.4g} s (x{:.3f}); 250 kB buckets {:.4g} s: {}\n", times.back(),
             dflt, times.back() / dflt, times.front(), shape ? "ok" : "FAIL: not slowest at both ends");
  return shape ? 0 : 1;
}
