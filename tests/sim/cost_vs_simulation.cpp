// The analytical cost model against the SimGrid executor (docs/model.md 0.4: the simulation is the measurement; section 4.9).
//   cost_vs_simulation SCENARIO [TOLERANCE] [--one-host | --unused-hosts] [--simulate-every-iteration] [--set KEY=VALUE]...
//                      [--dump FILE]
// Simulates, in one SimGrid run, a two-epoch plan for every (version, cluster, nodes, power state) of the
// scenario's platform, plus plans with a migration, a change of node set and a version switch, and compares
// with the cost model: epoch time, plan time and plan energy must agree within TOLERANCE (default 2%).
// With `--one-host`, also checks that an epoch on a one-host platform costs exactly watts x seconds; with
// `--unused-hosts`, that a one-node plan charges that node only (not the cluster's other hosts). `--set` overrides
// a scenario key as the CLI's does (the iterations mode's variants share one scenario file). `--dump` writes every
// plan's measured time and energies, per epoch too, at full precision: composition_test.sh compares two runs, with
// and without `--simulate-every-iteration`.
#include "executor/executor.hpp"
#include "tool_context.hpp"

#include <fmt/format.h>
#include <unistd.h>

#include <cmath>
#include <cstring>

using namespace deplsim;

int main(int argc, char** argv) {
  if (argc < 2) {
    fmt::print(stderr, "usage: cost_vs_simulation SCENARIO [TOLERANCE] [--one-host]\n");
    return 2;
  }
  const double tolerance = argc > 2 && argv[2][0] != '-' ? std::stod(argv[2]) : 0.02;
  bool one_host = false;
  bool unused_hosts = false;
  bool every_iteration = false;
  std::string dump;
  ContextOptions co;
  co.scenario = argv[1];
  for (int i = 2; i < argc; ++i) {
    one_host = one_host || std::strcmp(argv[i], "--one-host") == 0;
    unused_hosts = unused_hosts || std::strcmp(argv[i], "--unused-hosts") == 0;
    every_iteration = every_iteration || std::strcmp(argv[i], "--simulate-every-iteration") == 0;
    if (std::strcmp(argv[i], "--set") == 0 && i + 1 < argc) co.overrides.emplace_back(argv[++i]);
    if (std::strcmp(argv[i], "--dump") == 0 && i + 1 < argc) dump = argv[++i];
  }
  const auto ctx = testtools::load_context(co);
  if (!ctx) return 2;
  const Scenario& sc = ctx->scenario();
  const CostModel& cm = *ctx->cost;
  std::vector<std::string> sources;
  for (const auto& d : sc.data_sources) sources.push_back(d.name);

  std::vector<Plan> plans;
  std::vector<std::string> names;
  for (std::size_t v = 0; v < sc.model.versions.size(); ++v)
    for (const Resources& r : cm.resource_choices()) {
      Plan p;
      p.data_sources = sources;
      p.segments = {Segment{sc.model.versions[v].name, sc.clusters[r.cluster].name, r.nodes, r.pstate, 2}};
      plans.push_back(p);
      names.push_back(fmt::format("{} on {} x{} ps{}", sc.model.versions[v].name, sc.clusters[r.cluster].name, r.nodes, r.pstate));
    }
  // Multi-segment plans: migration, node-set change, switch (where the scenario allows them).
  const auto& last = sc.clusters.back().name;
  const auto& first = sc.clusters.front().name;
  const int n_first = static_cast<int>(ctx->platform().cluster_hosts.front().size());
  if (sc.clusters.size() > 1) {
    plans.push_back(Plan{sources, {Segment{sc.model.versions[0].name, first, 1, 0, 2}, Segment{sc.model.versions[0].name, last, 1, 0, 2}}, {}, {}, {}, {}});
    names.push_back("migration " + first + " -> " + last);
  }
  if (n_first > 1) {
    plans.push_back(Plan{sources, {Segment{sc.model.versions[0].name, first, 1, 0, 2}, Segment{sc.model.versions[0].name, first, n_first, 0, 2}}, {}, {}, {}, {}});
    names.push_back("node set 1 -> " + std::to_string(n_first) + " in " + first);
  }
  if (!sc.model.switches.empty() && !sc.model.switch_epochs.empty()) {
    const auto& s = sc.model.switches.front();
    const int k = sc.model.switch_epochs.front();
    plans.push_back(Plan{sources, {Segment{s.from, first, 1, 0, k}, Segment{s.to, first, 1, 0, 2}}, {}, {}, {}, {}});
    names.push_back("switch " + s.from + " -> " + s.to);
  }

  ExecutorOptions eo;
  eo.simgrid_cfg = sc.simgrid_cfg;
  eo.compose_iterations = !every_iteration;
  const auto traces = simulate_plans(sc, ctx->platform(), cm, plans, 1, eo);

  if (!dump.empty()) {
    std::string out;
    for (std::size_t i = 0; i < plans.size(); ++i) {
      const CostTrace& t = traces[i].front();
      out += fmt::format("{}|activities {}|time {:.17g}|energy {:.17g}|hosts {:.17g}|links {:.17g}|transmit {:.17g}", names[i],
                         t.activities, t.time_s, t.energy_j, t.host_energy_j, t.link_energy_j, t.transmit_energy_j);
      for (const auto& m : t.epochs) out += fmt::format("|epoch {} {:.17g} {:.17g}", m.epoch, m.time_s, m.energy_j);
      out += "\n";
    }
    std::FILE* f = std::fopen(dump.c_str(), "w");
    if (f == nullptr || std::fputs(out.c_str(), f) < 0 || std::fclose(f) != 0) {
      fmt::print(stderr, "cannot write {}\n", dump);
      return 2;
    }
  }
  int failures = 0;
  int checks = 0;
  double worst_time = 0, worst_energy = 0, worst_epoch = 0;
  auto check = [&](const std::string& what, double simulated, double predicted, double tol, double& worst) {
    ++checks;
    const double rel = std::fabs(predicted - simulated) / std::max(1e-12, std::fabs(simulated));
    worst = std::max(worst, rel);
    if (rel > tol) {
      ++failures;
      fmt::print("FAIL {}: simulated {:.9g}, predicted {:.9g}, rel. error {:.2e}\n", what, simulated, predicted, rel);
    }
  };
  const double q = [&] {
    double s = 0;
    for (const auto& d : sc.data_sources) s += static_cast<double>(d.samples);
    return s;
  }();
  for (std::size_t i = 0; i < plans.size(); ++i) {
    const CostTrace& t = traces[i].front();
    const PlanCost pc = cm.evaluate(plans[i]);
    check(names[i] + ": plan time", t.time_s, pc.time_s, tolerance, worst_time);
    check(names[i] + ": plan energy", t.energy_j, pc.energy_j, tolerance, worst_energy);
    // The last epoch of the plan against the epoch model.
    const Segment& seg = plans[i].segments.back();
    const EpochCost e = cm.epoch(*sc.version_index(seg.version), Resources{*sc.cluster_index(seg.cluster), seg.nodes, seg.pstate}, q);
    const double measured = t.epochs.back().time_s - t.epochs[t.epochs.size() - 2].time_s;
    check(names[i] + ": epoch time", measured, e.time_s, tolerance, worst_epoch);
  }
  if (one_host) {
    // One host, one core, 150 W busy: an epoch's energy is 150 W x its duration plus the idle watts of the
    // links in use (no synchronisation with one node). Relative error below 1e-6.
    const CostTrace& t = traces.front().front();
    const double epoch_s = t.epochs[1].time_s - t.epochs[0].time_s;
    const double epoch_j = t.epochs[1].energy_j - t.epochs[0].energy_j;
    double link_idle_w = 0;
    for (auto l : cm.evaluate(plans.front()).links_used) link_idle_w += ctx->platform().links[l].idle_w;
    const auto& host = ctx->platform().hosts[ctx->platform().cluster_hosts.front().front()];
    double dummy = 0;
    check("one host: epoch energy = watts x seconds", epoch_j, (host.pstates[0].all_cores_w + link_idle_w) * epoch_s, 1e-6, dummy);
    check("one host: epoch time = flops / speed", epoch_s,
          q * sc.model.versions[0].flops_per_sample / host.total_speed(0), 1e-6, dummy);
  }
  if (unused_hosts) {
    // The first plan trains on one node of a cluster of several: only that host is charged (idle from its first
    // use, all-cores watts while computing), not its idle neighbours, the data source or the controller.
    const Segment& seg = plans.front().segments.front();
    const auto c = *sc.cluster_index(seg.cluster);
    if (ctx->platform().cluster_hosts[c].size() < 2 || seg.nodes != 1) {
      fmt::print("FAIL --unused-hosts needs a first plan on 1 node of a cluster of several\n");
      ++failures;
    } else {
      const CostTrace& t = traces.front().front();
      const auto& host = ctx->platform().hosts[ctx->platform().cluster_hosts[c].front()];
      const EpochCost e = cm.epoch(0, Resources{c, 1, seg.pstate}, q);
      const auto& ps = host.pstates[static_cast<std::size_t>(seg.pstate)];
      const double expected = ps.idle_w * (t.time_s - seg.epochs * e.compute_s) + ps.all_cores_w * seg.epochs * e.compute_s;
      double dummy = 0;
      check("unused hosts: host energy is the one training host's", t.host_energy_j, expected, 1e-6, dummy);
    }
  }
  fmt::print("{} plans; worst relative error: plan time {:.2e}, plan energy {:.2e}, epoch time {:.2e} (tolerance {})\n",
             plans.size(), worst_time, worst_energy, worst_epoch, tolerance);
  fmt::print("{} passed, {} failed\n", checks - failures, failures);
  std::fflush(stdout);
  _exit(failures == 0 ? 0 : 1);
}
