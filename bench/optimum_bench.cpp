// The optimum's solve time against the instance size (issue 7): seeded random small instances
// (tests/support/random_instance.hpp) of growing size — hosts per cluster, edge clusters, K_max — planned by
// (hosts per cluster drawn in [1, hosts]) `optimum` and by `depl` on the same problem (the knowledge built beforehand, so that both times are planning
// only). Prints one row per instance and a JSON line per instance on stdout when --json is given.
//   optimum_bench [--quick] [--json]
#include "../tests/support/random_instance.hpp"
#include "deplsim/orchestrator.hpp"
#include "orchestrators/builtins.hpp"
#include "experiment/context.hpp"

#include <fmt/format.h>

#include <chrono>
#include <cstdlib>
#include <filesystem>
#include <string>
#include <unistd.h>

using namespace deplsim;

int main(int argc, char** argv) {
  bool quick = false;
  bool json = false;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") quick = true;
    else if (a == "--json") json = true;
    else {
      fmt::print(stderr, "usage: optimum_bench [--quick] [--json]\n");
      return 2;
    }
  }
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  OrchestratorRegistry registry;
  register_builtin_orchestrators(registry);
  const auto dir = std::filesystem::temp_directory_path() / fmt::format("deplsim-optimum-bench-{}", ::getpid());
  std::filesystem::create_directories(dir);
  struct Size {
    int hosts, edges, epochs;
  };
  std::vector<Size> sizes = {{1, 2, 10}, {2, 2, 10}, {2, 3, 20}, {3, 3, 20}, {3, 3, 40}, {4, 3, 40}, {6, 3, 80}};
  if (quick) sizes = {{1, 2, 10}, {2, 3, 20}, {3, 3, 40}};
  const int seeds = quick ? 2 : 4;
  if (!json)
    fmt::print("{:>5} {:>5} {:>5} {:>4} {:>9} {:>7} {:>12} {:>10} {:>10} {:>9}\n", "hosts", "edges", "K", "seed", "resources",
               "status", "optimum_s", "depl_s", "nodes", "depl_gap");
  for (const auto& sz : sizes)
    for (int s = 0; s < seeds; ++s) {
      testing::InstanceSize is;
      is.max_hosts = sz.hosts;
      is.edge_clusters = sz.edges;
      is.max_epochs_lo = is.max_epochs_hi = sz.epochs;
      is.deadlines = false;
      const std::uint32_t seed = static_cast<std::uint32_t>(1000 * sz.hosts + 100 * sz.edges + sz.epochs + 7919 * s);
      const auto in = testing::write_random_instance(seed, dir.string(), is);
      ContextOptions co;
      co.scenario = in.scenario;
      const auto ctx = build_context(co);
      const Problem pb = ctx->problem();
      (void)registry.make("full-only")->plan(pb);  // builds part of the knowledge
      auto timed = [&](const char* name) {
        const auto t0 = std::chrono::steady_clock::now();
        Plan p = registry.make(name)->plan(pb);
        return std::make_pair(p, std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count());
      };
      (void)timed("depl");  // warms the remaining knowledge chains
      const auto [depl, depl_s] = timed("depl");
      const auto [opt, opt_s] = timed("optimum");
      const std::size_t resources = pb.cost.resource_choices().size();
      double gap = -1;
      if (opt.status == PlanStatus::ok && depl.status == PlanStatus::ok)
        gap = pb.cost.objective(pb.cost.evaluate(depl)) / pb.cost.objective(pb.cost.evaluate(opt)) - 1;
      const std::string status = opt.solver ? opt.solver->status : to_string(opt.status);
      const long long nodes = opt.solver ? opt.solver->nodes : 0;
      if (json)
        fmt::print("{{\"hosts\": {}, \"edge_clusters\": {}, \"max_epochs\": {}, \"seed\": {}, \"resources\": {}, \"status\": \"{}\", "
                   "\"optimum_s\": {:.4f}, \"depl_s\": {:.4f}, \"nodes\": {}, \"depl_gap\": {}}}\n",
                   sz.hosts, sz.edges, sz.epochs, seed, resources, status, opt_s, depl_s, nodes, gap < 0 ? "null" : fmt::format("{:.6f}", gap));
      else
        fmt::print("{:>5} {:>5} {:>5} {:>4} {:>9} {:>7} {:>12.3f} {:>10.3f} {:>10} {:>9}\n", sz.hosts, sz.edges, sz.epochs, seed, resources,
                   status, opt_s, depl_s, nodes, gap < 0 ? "-" : fmt::format("{:.2f}%", 100 * gap));
      std::fflush(stdout);
    }
  std::filesystem::remove_all(dir);
  return 0;
}
