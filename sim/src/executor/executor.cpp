// Plans as SimGrid activities (see executor.hpp). One controller actor drives every replication: it starts the
// computations (Exec on the nodes, all cores) and communications (Comm::sendto_async between hosts) of each
// step and waits for all of them before the next step, as the cost model assumes.
#include "executor/executor.hpp"

#include "platform/platform_probe.hpp"

#include <simgrid/kernel/resource/Action.hpp>
#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <exception>
#include <map>
#include <set>
#include <stdexcept>

namespace sg4 = simgrid::s4u;

namespace deplsim {
namespace {

// Energy bookkeeping for one replication: each host and link is charged from its first use. Kept in order of
// first use (never keyed by pointer: addresses change between runs, and so would the summation order).
class EnergyMeter {
public:
  void use_host(sg4::Host* h) {
    if (seen_hosts_.insert(h).second) hosts_.emplace_back(h, sg_host_get_consumed_energy(h));
  }
  void use_link(sg4::Link* l) {
    if (seen_links_.insert(l).second) links_.emplace_back(l, sg_link_get_consumed_energy(l));
  }
  /// Brings every link's counter up to now. SimGrid's link energy plugin integrates a link's power as
  /// piecewise constant between updates, with the load found at the update; it updates on the start and end of
  /// communications crossing the link only. Reading at every instant where rates change (each flow's end of
  /// latency and each completion) makes that integration exact.
  void touch_links() const {
    for (const auto& [l, start] : links_) (void)sg_link_get_consumed_energy(l);
  }
  [[nodiscard]] double hosts() const {
    double e = 0;
    for (const auto& [h, start] : hosts_) e += sg_host_get_consumed_energy(h) - start;
    return e;
  }
  [[nodiscard]] double links() const {
    double e = 0;
    for (const auto& [l, start] : links_) e += sg_link_get_consumed_energy(l) - start;
    return e;
  }

private:
  std::set<sg4::Host*> seen_hosts_;
  std::set<sg4::Link*> seen_links_;
  std::vector<std::pair<sg4::Host*, double>> hosts_;
  std::vector<std::pair<sg4::Link*, double>> links_;
};

struct Resolved {
  std::vector<sg4::Host*> hosts;                    // by view index
  double latency_factor = 1.0;
  std::map<std::pair<std::size_t, std::size_t>, std::vector<sg4::Link*>> routes;  // links by (src, dst)
  std::map<std::pair<std::size_t, std::size_t>, double> latency_phase;            // route latency x latency factor

  // The route of a flow (looked up once; revised plans may need new ones).
  const std::vector<sg4::Link*>& route(const Flow& f) {
    auto it = routes.find({f.src, f.dst});
    if (it != routes.end()) return it->second;
    std::vector<sg4::Link*> links;
    double latency = 0;
    hosts[f.src]->route_to(hosts[f.dst], links, &latency);
    latency_phase[{f.src, f.dst}] = latency * latency_factor;
    return routes.emplace(std::make_pair(f.src, f.dst), links).first->second;
  }
};

long long run_step(const Step& step, Resolved& r, EnergyMeter& meter) {
  std::vector<sg4::ExecPtr> execs;
  for (const auto& t : step.compute) {
    auto e = sg4::Exec::init();
    e->set_flops_amount(t.flops_per_thread);
    e->set_host(r.hosts[t.host]);
    e->set_thread_count(t.threads);
    e->start();
    execs.push_back(e);
  }
  std::vector<sg4::CommPtr> comms;
  std::vector<double> activations;  // when each flow's latency phase ends and it starts loading its links
  const double start = sg4::Engine::get_clock();
  for (const auto& f : step.flows) {
    for (auto* l : r.route(f)) meter.use_link(l);
    comms.push_back(sg4::Comm::sendto_async(r.hosts[f.src], r.hosts[f.dst], f.bytes));
    activations.push_back(start + r.latency_phase.at({f.src, f.dst}));
  }
  std::sort(activations.begin(), activations.end());
  for (auto& e : execs) e->wait();
  // Wait for the communications, waking at every instant where link loads change, to update the link meters.
  std::size_t next_activation = 0;
  while (!comms.empty()) {
    const double now = sg4::Engine::get_clock();
    while (next_activation < activations.size() && activations[next_activation] <= now) ++next_activation;
    ssize_t done = -1;
    if (next_activation < activations.size())
      done = sg4::Comm::wait_any_for(comms, activations[next_activation] - now);
    else
      done = sg4::Comm::wait_any(comms);
    meter.touch_links();
    if (done >= 0) comms.erase(comms.begin() + done);
  }
  return static_cast<long long>(step.compute.size() + step.flows.size());
}

} // namespace

std::vector<CostTrace> simulate_plan(const Scenario& sc, const PlatformView& view, const CostModel& cost, const Plan& plan,
                                     int replications, const ExecutorOptions& options) {
  return simulate_plans(sc, view, cost, {plan}, replications, options).front();
}

std::vector<std::vector<CostTrace>> simulate_plans(const Scenario& sc, const PlatformView& view, const CostModel& cost,
                                                   const std::vector<Plan>& plans, int replications,
                                                   const ExecutorOptions& options) {
  std::vector<std::string> args = {"deplsim", "--log=root.thres:warning"};
  for (const auto& c : options.simgrid_cfg) args.push_back("--cfg=" + c);
  for (const auto& l : options.simgrid_log) args.push_back("--log=" + l);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  // Never destroyed: SimGrid 3.32 can crash tearing down an engine with SPLITDUPLEX links and the link energy
  // plugin; the process exits without running its destructor (see the CLI).
  auto* engine = new sg4::Engine(&argc, argv.data());
  sg_host_energy_plugin_init();
  sg_link_energy_plugin_init();
  // The link meters are also brought up to date whenever a communication changes state, inside SimGrid, while
  // a finishing flow still loads its links (its 5% cross-traffic on the reverse route included): by the time
  // the controller wakes up, it has left. The holder is never freed, like the engine.
  auto* current_meter = new EnergyMeter*(nullptr);
  sg4::Link::on_communication_state_change_cb(
      [current_meter](simgrid::kernel::resource::NetworkAction const&, simgrid::kernel::resource::Action::State) {
        if (*current_meter != nullptr) (*current_meter)->touch_links();
      });
  engine->load_platform(sc.platform);
  copy_splitduplex_properties(sc.platform);

  std::vector<std::vector<SegmentProgram>> programs;
  for (const auto& plan : plans) programs.push_back(cost.program(plan));
  Resolved r;
  for (const auto& h : view.hosts) r.hosts.push_back(sg4::Host::by_name(h.name));
  r.latency_factor = view.network.latency_factor;
  sg4::Host* controller = sg4::Host::by_name_or_null(sc.controller);
  if (controller == nullptr) throw std::runtime_error("controller host not found: " + sc.controller);

  std::vector<std::vector<CostTrace>> all(plans.size());
  // An exception must not leave an actor (SimGrid aborts the process): keep it and rethrow after the run.
  std::exception_ptr failure;
  sg4::Actor::create("controller", controller, [&] {
   try {
   for (std::size_t pi = 0; pi < programs.size(); ++pi) {
    const std::vector<SegmentProgram>& program = programs[pi];
    std::vector<CostTrace>& traces = all[pi];
    for (int rep = 0; rep < replications; ++rep) {
      CostTrace trace;
      EnergyMeter meter;
      *current_meter = &meter;
      const double t0 = sg4::Engine::get_clock();
      int epoch = 0;
      // The plan being executed; an adaptive orchestrator may replace what remains after any epoch.
      Plan plan = plans[pi];
      std::vector<SegmentProgram> prog = program;
      for (std::size_t s = 0; s < prog.size(); ++s) {
        // A copy: a revision below replaces `prog`, which must not leave a dangling reference.
        const SegmentProgram sp = prog[s];
        for (auto h : sp.hosts) {
          // Charge from first use; the power state is set after the reading so the idle time before it was
          // spent at whatever state the host had (it is not charged anyway).
          meter.use_host(r.hosts[h]);
          r.hosts[h]->set_pstate(static_cast<unsigned long>(sp.pstate));
        }
        if (!sp.entry.empty()) trace.activities += run_step(Step{{}, sp.entry}, r, meter);
        bool revised = false;
        for (int e = 0; !revised && e < sp.epochs; ++e) {
          for (const auto& st : sp.epoch) trace.activities += run_step(st, r, meter);
          ++epoch;
          const EpochMeasure m{epoch, s, sg4::Engine::get_clock() - t0, meter.hosts() + meter.links()};
          trace.epochs.push_back(m);
          if (!options.on_epoch_end) continue;
          // What has run so far: the segments before this one, and this one up to this epoch.
          Plan done = plan;
          done.segments.resize(s + 1);
          done.segments[s].epochs = e + 1;
          auto next = options.on_epoch_end(rep, done, m);
          if (!next) continue;
          const bool finished_segment = e + 1 == sp.epochs;
          if (next->empty() && finished_segment && s + 1 == prog.size()) continue;  // stopping where it ends anyway
          done.segments.insert(done.segments.end(), next->begin(), next->end());
          plan = done;
          prog = cost.program(plan);
          revised = true;  // continue with segment s + 1 of the new program
        }
      }
      trace.executed = plan.segments;
      trace.time_s = sg4::Engine::get_clock() - t0;
      trace.host_energy_j = meter.hosts();
      trace.link_energy_j = meter.links();
      trace.energy_j = trace.host_energy_j + trace.link_energy_j;
      *current_meter = nullptr;
      traces.push_back(std::move(trace));
      if (options.progress) options.progress(rep + 1, replications);
    }
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
