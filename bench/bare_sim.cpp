// The floor for sim_overhead_vs_bare (bench/run.sh): a bare SimGrid program running the same executions and
// communications as deplsim's executor for a plan — the plan's program (CostModel::program: data shipping, every
// epoch's computations on all cores and its synchronisation steps), each step's activities started together and
// waited for — with no energy meters, no fault handling and no loss sampling. In iterations mode (docs/model.md 4.14)
// each iteration's activities in stages: every node's forward pass, then per bucket every node's part of the backward
// pass and the bucket's collective step by step (no overlap: the same activities, fewer events to wait for). It prints
// the wall time of the simulation, the activities and the iterations it ran, as JSON. --set and --platform as for
// deplsim.
//   bare_sim SCENARIO PLAN.json REPLICATIONS [--platform FILE] [--set KEY=VALUE]...
//   (PLAN.json: the `plan` object of a deplsim summary.json)
#include "deplsim/cost_model.hpp"
#include "experiment/context.hpp"

#include <fmt/format.h>
#include <nlohmann/json.hpp>
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <chrono>
#include <cstdio>
#include <fstream>

namespace sg4 = simgrid::s4u;
using namespace deplsim;

int main(int argc, char** argv) {
  if (argc < 4) {
    fmt::print(stderr, "usage: bare_sim SCENARIO PLAN.json REPLICATIONS [--platform FILE] [--set KEY=VALUE]...\n");
    return 2;
  }
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  ContextOptions co;
  co.scenario = argv[1];
  for (int a = 4; a < argc; a += 2) {
    const std::string flag = argv[a];
    if (a + 1 == argc) {
      fmt::print(stderr, "bare_sim: {} needs a value\n", flag);
      return 2;
    }
    if (flag == "--platform") co.platform = argv[a + 1];
    else if (flag == "--set") co.overrides.emplace_back(argv[a + 1]);
    else {
      fmt::print(stderr, "bare_sim: unknown option {}\n", flag);
      return 2;
    }
  }
  const auto ctx = build_context(co);
  std::ifstream in(argv[2]);
  const auto j = nlohmann::json::parse(in);
  Plan plan;
  plan.data_sources = j["data_sources"].get<std::vector<std::string>>();
  for (const auto& s : j["segments"])
    plan.segments.push_back(Segment{s["version"], s["cluster"], s["nodes"], s["pstate"], s["epochs"]});
  const int reps = std::atoi(argv[3]);
  const auto program = ctx->cost->program(plan);
  int sg_argc = 2;
  std::string a0 = "bare", a1 = "--log=root.thres:warning";
  char* sg_argv[] = {a0.data(), a1.data(), nullptr};
  auto* engine = new sg4::Engine(&sg_argc, sg_argv);
  // The same plugins as deplsim, so that the floor pays for SimGrid's own energy accounting too.
  sg_host_energy_plugin_init();
  sg_link_energy_plugin_init();
  engine->load_platform(ctx->scenario().platform);
  std::vector<sg4::Host*> hosts;
  for (const auto& h : ctx->platform().hosts) hosts.push_back(sg4::Host::by_name(h.name));
  long long activities = 0, iterations = 0;
  sg4::Actor::create("bare", sg4::Host::by_name(ctx->scenario().controller), [&] {
    auto run = [&](const Step& st) {
      std::vector<sg4::ActivityPtr> acts;
      for (const auto& t : st.compute) {
        auto e = sg4::Exec::init();
        e->set_flops_amount(t.flops_per_thread);
        e->set_host(hosts[t.host]);
        e->set_thread_count(t.threads);
        e->start();
        acts.push_back(e);
      }
      for (const auto& f : st.flows) acts.push_back(sg4::Comm::sendto_async(hosts[f.src], hosts[f.dst], f.bytes));
      activities += static_cast<long long>(acts.size());
      for (auto& a : acts) a->wait();
    };
    auto iteration = [&](const IterationWork& w) {
      auto compute = [&](auto flops_of) {
        Step st;
        for (const auto& nd : w.nodes) st.compute.push_back({nd.host, flops_of(nd), nd.threads});
        run(st);
      };
      compute([](const IterationWork::Node& nd) { return nd.forward_flops_per_thread; });
      if (w.buckets.empty()) compute([](const IterationWork::Node& nd) { return nd.backward_flops_per_thread; });
      for (const auto& b : w.buckets) {
        compute([&b](const IterationWork::Node& nd) { return nd.backward_flops_per_thread * b.share; });
        for (const auto& flows : b.steps) run(Step{{}, flows});
      }
      ++iterations;
    };
    for (int r = 0; r < reps; ++r)
      for (const auto& sp : program) {
        for (auto h : sp.hosts) hosts[h]->set_pstate(static_cast<unsigned long>(sp.pstate));
        if (!sp.entry.empty()) run(Step{{}, sp.entry});
        for (int e = 0; e < sp.epochs; ++e) {
          for (const auto& st : sp.epoch) run(st);
          for (const auto& block : sp.iterations)
            for (long long k = 0; k < block.repeat; ++k)
              for (const auto& it : block.runs)
                for (long long i = 0; i < it.count; ++i) iteration(*it.work);
        }
      }
  });
  const auto t0 = std::chrono::steady_clock::now();
  engine->run();
  const double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  fmt::print("{{\"wall_s\": {}, \"activities\": {}, \"iterations\": {}, \"replications\": {}}}\n", s, activities, iterations, reps);
  std::fflush(stdout);
  _exit(0);  // like deplsim: SimGrid 3.32 can crash tearing down an engine with SPLITDUPLEX links and link energy
}
