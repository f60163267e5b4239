// deplsim's synchronisation collective (training.sync: ring all-reduce or parameter server) of BYTES bytes among the
// first N training hosts of a scenario's cluster, timed by the cost model's replay of SimGrid's network model (which
// the executor matches: the cost_vs_simulation tests). For each N and BYTES prints "N BYTES SECONDS HOST..." (the
// hosts in ring order), for tests/cli/smpi_allreduce_test.sh to hold against SMPI's MPI_Allreduce on the same hosts.
//   collective_time SCENARIO CLUSTER N1,N2,... BYTES1,BYTES2,... [--set KEY=VALUE]...
#include "tool_context.hpp"

#include <fmt/format.h>

#include <sstream>

using namespace deplsim;

namespace {
std::vector<double> numbers(const std::string& list) {
  std::vector<double> out;
  std::stringstream ss(list);
  for (std::string item; std::getline(ss, item, ',');) out.push_back(std::stod(item));
  return out;
}
} // namespace

int main(int argc, char** argv) {
  if (argc < 5) {
    fmt::print(stderr, "usage: collective_time SCENARIO CLUSTER N1,N2,... BYTES1,BYTES2,... [--set KEY=VALUE]...\n");
    return 2;
  }
  ContextOptions co;
  co.scenario = argv[1];
  for (int i = 5; i + 1 < argc; ++i)
    if (std::string(argv[i]) == "--set") co.overrides.emplace_back(argv[++i]);
  const auto ctx = testtools::load_context(co);
  if (!ctx) return 2;
  const CostModel& cm = *ctx->cost;
  const auto cluster = testtools::cluster_named(*ctx, argv[2]);
  if (!cluster) return 2;
  for (double n : numbers(argv[3]))
    for (double bytes : numbers(argv[4])) {
      const auto hosts = cm.segment_hosts(*cluster, static_cast<int>(n));
      double t = 0;
      for (const auto& step : cm.collective_steps(bytes, hosts)) t += simulate_flows(ctx->platform(), step).makespan;
      std::string names;
      for (auto h : hosts) names += " " + ctx->platform().hosts[h].name;
      fmt::print("{} {} {:.9g}{}\n", n, bytes, t, names);
    }
  return 0;
}
