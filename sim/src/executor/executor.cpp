// Plans as SimGrid activities (see executor.hpp). The engine is started once per process with the energy plugins; one
// controller actor then runs every replication of every plan in order (replication.cpp), each step of which starts
// its computations and communications together and waits for all of them (activities.cpp), as the cost model
// assumes; faults are injected per replication (fault_injection.cpp).
#include "executor/executor.hpp"

#include "executor/replication.hpp"
#include "platform/platform_probe.hpp"
#include "platform/simgrid_args.hpp"
#include "support/interrupt.hpp"

#include <simgrid/kernel/resource/Action.hpp>
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <csignal>
#include <exception>
#include <stdexcept>

namespace deplsim {
namespace {

namespace sg4 = simgrid::s4u;
using execution::EnergyMeter;
using execution::ReplicationRunner;
using execution::Simulation;

// The engine, with only the --cfg/--log settings passed through, and the host and link energy plugins. Never
// destroyed: SimGrid 3.32 can crash tearing down an engine with SPLITDUPLEX links and the link energy plugin; the
// process exits without running its destructor (see the CLI).
sg4::Engine* start_engine(const ExecutorOptions& options) {
  std::vector<std::string> args = {"deplsim", "--log=root.thres:warning"};
  for (const auto& c : simgrid_base_args()) args.push_back(c);
  for (const auto& c : options.simgrid_cfg) args.push_back("--cfg=" + c);
  for (const auto& l : options.simgrid_log) args.push_back("--log=" + l);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  // SimGrid installs its own SIGINT handler (print the actors, exit 1); a caller that handles interruption itself
  // (options.interrupted) keeps its handlers.
  struct sigaction caller_int {}, caller_term {};
  sigaction(SIGINT, nullptr, &caller_int);
  sigaction(SIGTERM, nullptr, &caller_term);
  auto* engine = new sg4::Engine(&argc, argv.data());
  if (options.interrupted != nullptr) {
    sigaction(SIGINT, &caller_int, nullptr);
    sigaction(SIGTERM, &caller_term, nullptr);
  }
  sg_host_energy_plugin_init();
  sg_link_energy_plugin_init();
  return engine;
}

// What every replication shares: the hosts and routes as SimGrid objects, the controller, the hosts that may fail,
// and the meter SimGrid's state-change callback keeps up to date.
Simulation prepare(const Scenario& sc, const PlatformView& view, const CostModel& cost, const ExecutorOptions& options,
                   EnergyMeter** current_meter) {
  Simulation sim{sc, view, cost, options, {}, nullptr, 0, has_faults(sc, options.faults), {}, current_meter, {}, {}, 0, {}};
  for (const auto& h : view.hosts) {
    sim.r.hosts.push_back(sg4::Host::by_name(h.name));
    sim.r.transmit_w.push_back(h.transmit_w);
  }
  sim.r.latency_factor = view.network.latency_factor;
  sim.controller = sg4::Host::by_name_or_null(sc.controller);
  if (sim.controller == nullptr) throw std::runtime_error("controller host not found: " + sc.controller);
  sim.controller_index = *view.host_index(sc.controller);
  for (std::size_t c = 0; c < view.cluster_hosts.size(); ++c)
    for (auto h : view.cluster_hosts[c]) sim.cluster_of.emplace(sim.r.hosts[h], c);
  sim.link_class_count = view.link_classes().size();
  const std::vector<std::size_t> link_class = view.link_class_indices();
  for (std::size_t l = 0; l < view.links.size(); ++l)
    if (const auto* link = sg4::Link::by_name_or_null(view.links[l].name)) sim.class_of.emplace(link, link_class[l]);
  for (std::size_t c = 0; c < view.cluster_hosts.size() && c < sc.clusters.size(); ++c)
    for (auto h : view.cluster_hosts[c]) sim.fallible.emplace_back(h, c);
  return sim;
}

} // namespace

std::vector<CostTrace> simulate_plan(const Scenario& sc, const PlatformView& view, const CostModel& cost, const Plan& plan,
                                     int replications, const ExecutorOptions& options) {
  return simulate_plans(sc, view, cost, {plan}, replications, options).front();
}

std::vector<std::vector<CostTrace>> simulate_plans(const Scenario& sc, const PlatformView& view, const CostModel& cost,
                                                   const std::vector<Plan>& plans, int replications,
                                                   const ExecutorOptions& options) {
  sg4::Engine* engine = start_engine(options);
  // The link meters are also brought up to date whenever a communication changes state, inside SimGrid, while a
  // finishing flow still loads its links (its 5% cross-traffic on the reverse route included): by the time the
  // controller wakes up, it has left. The holder is never freed, like the engine.
  auto* current_meter = new EnergyMeter*(nullptr);
  sg4::Link::on_communication_state_change_cb(
      [current_meter](simgrid::kernel::resource::NetworkAction const&, simgrid::kernel::resource::Action::State) {
        if (*current_meter != nullptr) (*current_meter)->touch_links();
      });
  engine->load_platform(sc.platform);
  copy_splitduplex_properties(sc.platform);
  apply_wifi_cells(sc.platform);

  std::vector<std::vector<SegmentProgram>> programs;
  for (const auto& plan : plans) programs.push_back(cost.program(plan));
  Simulation sim = prepare(sc, view, cost, options, current_meter);
  std::vector<std::vector<CostTrace>> all(plans.size());
  // An exception must not leave an actor (SimGrid aborts the process): keep it and rethrow after the run.
  std::exception_ptr failure;
  sg4::Actor::create("controller", sim.controller, [&] {
    try {
      for (std::size_t pi = 0; pi < programs.size(); ++pi)
        for (int rep = 0; rep < replications; ++rep) {
          if (options.interrupted != nullptr && options.interrupted->load() != 0) throw Interrupted(options.interrupted->load());
          all[pi].push_back(ReplicationRunner(sim, plans[pi], programs[pi], rep).run());
          if (options.progress) options.progress(rep + 1, replications);
        }
    } catch (...) {
      failure = std::current_exception();
    }
  });
  engine->run();
  if (failure) std::rethrow_exception(failure);
  return all;
}

} // namespace deplsim
