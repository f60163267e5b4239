// Plans as SimGrid activities (see executor.hpp). One controller actor drives every replication: it starts the
// computations (Exec on the nodes, all cores) and communications (Comm::sendto_async between hosts) of each
// step and waits for all of them before the next step, as the cost model assumes.
#include "platform/simgrid_args.hpp"
#include <csignal>
#include "executor/executor.hpp"

#include "platform/platform_probe.hpp"
#include "random/rng.hpp"
#include "support/interrupt.hpp"

#include <fmt/format.h>

#include <simgrid/kernel/resource/Action.hpp>
#include <simgrid/plugins/energy.h>
#include <simgrid/Exception.hpp>
#include <simgrid/s4u.hpp>

#include <algorithm>
#include <cmath>
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
  void touch_links() {
    // Several events at one instant: the later touches would integrate empty intervals; skip them.
    const double now = sg4::Engine::get_clock();
    if (now == last_touch_) return;
    last_touch_ = now;
    for (auto* l : active_) (void)sg_link_get_consumed_energy(l);
  }
  /// The links whose load can change during the current step: its flows' routes and reverse routes (the 5%
  /// cross-traffic). Every other link keeps its load (zero) through the step, so its piecewise-constant
  /// integration is exact without updates; touching only these keeps the meters exact and cheap.
  void set_active(std::vector<sg4::Link*> links) {
    std::sort(links.begin(), links.end());
    links.erase(std::unique(links.begin(), links.end()), links.end());
    active_ = std::move(links);
    // Bring the step's links up to its start (whatever touched others at this instant).
    for (auto* l : active_) (void)sg_link_get_consumed_energy(l);
    last_touch_ = sg4::Engine::get_clock();
  }
  void clear_active() { active_.clear(); }
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
  std::vector<sg4::Link*> active_;
  double last_touch_ = -1;
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

// Runs one step: its computations and communications start together; returns when all are done, or as soon as
// one fails because a host went off (then the others are cancelled and it returns false). `slow[h]` > 1 makes
// host h compute that much slower (a straggler or a user's speed event).
bool run_step(const Step& step, Resolved& r, EnergyMeter& meter, long long& activities,
              const std::map<std::size_t, double>* slow = nullptr) {
  std::vector<sg4::ExecPtr> execs;
  std::vector<sg4::CommPtr> comms;
  auto running = [](const sg4::Activity& a) {
    const auto st = a.get_state();
    return st == sg4::Activity::State::STARTED || st == sg4::Activity::State::STARTING || st == sg4::Activity::State::INITED;
  };
  auto cancel_all = [&] {
    for (auto& e : execs)
      if (running(*e)) e->cancel();
    for (auto& c : comms)
      if (running(*c)) c->cancel();
  };
  try {
    for (const auto& t : step.compute) {
      if (!r.hosts[t.host]->is_on()) {
        cancel_all();
        return false;
      }
      double factor = 1.0;
      if (slow != nullptr)
        if (auto it = slow->find(t.host); it != slow->end()) factor = it->second;
      auto e = sg4::Exec::init();
      e->set_flops_amount(t.flops_per_thread * factor);
      e->set_host(r.hosts[t.host]);
      e->set_thread_count(t.threads);
      e->start();
      execs.push_back(e);
    }
    std::vector<double> activations;  // when each flow's latency phase ends and it starts loading its links
    const double start = sg4::Engine::get_clock();
    std::vector<sg4::Link*> active;
    for (const auto& f : step.flows) {
      if (!r.hosts[f.src]->is_on() || !r.hosts[f.dst]->is_on()) {
        cancel_all();
        return false;
      }
      for (auto* l : r.route(f)) {
        meter.use_link(l);
        active.push_back(l);
      }
      for (auto* l : r.route(Flow{f.dst, f.src, 0})) active.push_back(l);
      comms.push_back(sg4::Comm::sendto_async(r.hosts[f.src], r.hosts[f.dst], f.bytes));
      activations.push_back(start + r.latency_phase.at({f.src, f.dst}));
    }
    meter.set_active(std::move(active));
    activities += static_cast<long long>(step.compute.size() + step.flows.size());
    std::sort(activations.begin(), activations.end());
    // Any order, so that a node that goes off fails the step at once (not after the others finish).
    std::vector<sg4::ExecPtr> computing = execs;
    while (!computing.empty()) {
      const ssize_t done = sg4::Exec::wait_any(computing);
      if (done >= 0) computing.erase(computing.begin() + done);
    }
    // Wait for the communications, waking at every instant where link loads change, to update the link meters:
    // each flow's end of latency (the controller wakes then), and each completion (SimGrid's state-change
    // callback touches the meters then). The activations are waited for first, in order (distinct instants
    // only: a ring's flows all start loading at once), then the communications one by one.
    std::size_t next_activation = 0;
    std::vector<sg4::CommPtr> pending = comms;
    while (next_activation < activations.size() && !pending.empty()) {
      const double now = sg4::Engine::get_clock();
      while (next_activation < activations.size() && activations[next_activation] <= now) ++next_activation;
      if (next_activation == activations.size()) break;
      // Until the next activation, or until a communication ends (one may fail: then at once).
      const ssize_t done = sg4::Comm::wait_any_for(pending, activations[next_activation] - now);
      meter.touch_links();
      if (done >= 0) pending.erase(pending.begin() + done);
    }
    for (auto& c : pending) {
      c->wait();
      meter.touch_links();
    }
  } catch (const simgrid::Exception&) {
    // A host of this step went off (HostFailureException, NetworkFailureException...).
    cancel_all();
    meter.touch_links();
    meter.clear_active();
    return false;
  }
  meter.clear_active();
  return true;
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
  for (const auto& c : simgrid_base_args()) args.push_back(c);
  for (const auto& c : options.simgrid_cfg) args.push_back("--cfg=" + c);
  for (const auto& l : options.simgrid_log) args.push_back("--log=" + l);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  // Never destroyed: SimGrid 3.32 can crash tearing down an engine with SPLITDUPLEX links and the link energy
  // plugin; the process exits without running its destructor (see the CLI).
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
  const bool faulty = has_faults(sc, options.faults);
  const std::size_t controller_index = *view.host_index(sc.controller);
  // Training hosts that may fail, with their cluster.
  std::vector<std::pair<std::size_t, std::size_t>> fallible;  // (host, cluster)
  for (std::size_t c = 0; c < view.cluster_hosts.size() && c < sc.clusters.size(); ++c)
    for (auto h : view.cluster_hosts[c]) fallible.emplace_back(h, c);
  // An exception must not leave an actor (SimGrid aborts the process): keep it and rethrow after the run.
  std::exception_ptr failure;
  sg4::Actor::create("controller", controller, [&] {
   try {
   for (std::size_t pi = 0; pi < programs.size(); ++pi) {
    std::vector<CostTrace>& traces = all[pi];
    for (int rep = 0; rep < replications; ++rep) {
      if (options.interrupted != nullptr && options.interrupted->load() != 0) throw Interrupted(options.interrupted->load());
      CostTrace trace;
      EnergyMeter meter;
      *current_meter = &meter;
      const double t0 = sg4::Engine::get_clock();
      int epoch = 0;
      auto now_rel = [&] { return sg4::Engine::get_clock() - t0; };
      // Faults: injector actors on the (fault-free) controller turn nodes off and on, relative to this
      // replication's start, from the fault stream (exponential up and repair times per node) and from the
      // user's events file; they are killed and every node is back on before the next replication.
      std::vector<sg4::ActorPtr> injectors;
      // The injectors refer to this replication's locals: whatever ends the replication (an exception included),
      // they go first.
      struct KillOnExit {
        std::vector<sg4::ActorPtr>& actors;
        ~KillOnExit() {
          for (auto& a : actors) a->kill();
          actors.clear();
        }
      } kill_on_exit{injectors};
      std::map<std::size_t, double> user_speed;  // host -> speed factor from the events file
      if (faulty) {
        for (auto [h, c] : fallible) {
          const Cluster& cl = sc.clusters[c];
          if (!(cl.mtbf_s > 0)) continue;
          sg4::Host* host = r.hosts[h];
          const std::uint64_t seed = options.seed;
          const auto hi = static_cast<std::uint32_t>(h);
          const auto rr = static_cast<std::uint32_t>(rep);
          injectors.push_back(sg4::Actor::create("faults-" + host->get_name(), controller, [=, &trace, &epoch, &now_rel] {
            for (std::uint32_t i = 0;; i += 2) {
              const double up = -cl.mtbf_s * std::log(uniform01(StreamKey{seed, Purpose::evaluation, StreamKind::fault, rr, 0, hi, i}));
              sg4::this_actor::sleep_for(up);
              host->turn_off();
              trace.events.push_back({now_rel(), epoch, "off " + host->get_name()});
              const double down = -cl.mttr_s * std::log(uniform01(StreamKey{seed, Purpose::evaluation, StreamKind::fault, rr, 0, hi, i + 1}));
              sg4::this_actor::sleep_for(down);
              host->turn_on();
              trace.events.push_back({now_rel(), epoch, "on " + host->get_name()});
            }
          }));
        }
        if (!options.faults.events.empty()) {
          injectors.push_back(sg4::Actor::create("faults-events", controller, [&, t0] {
            for (const auto& e : options.faults.events) {
              const double at = t0 + e.time_s;
              if (at > sg4::Engine::get_clock()) sg4::this_actor::sleep_until(at);
              const std::size_t h = *view.host_index(e.host);
              sg4::Host* host = r.hosts[h];
              if (e.kind == FaultEvent::Kind::off) {
                if (host->is_on()) host->turn_off();
                trace.events.push_back({now_rel(), epoch, "off " + e.host});
              } else if (e.kind == FaultEvent::Kind::on) {
                if (!host->is_on()) host->turn_on();
                trace.events.push_back({now_rel(), epoch, "on " + e.host});
              } else {
                user_speed[h] = e.value;
                trace.events.push_back({now_rel(), epoch, fmt::format("speed {} x{}", e.host, e.value)});
              }
            }
          }));
        }
      }
      auto is_up = [&](std::size_t h) { return r.hosts[h]->is_on(); };
      // The plan being executed; an adaptive orchestrator may replace what remains after any epoch, and lost
      // nodes may make the orchestrator move it.
      Plan plan = plans[pi];
      std::vector<SegmentProgram> prog = programs[pi];
      std::vector<std::size_t> sources;
      double samples = 0;
      for (const auto& name : plan.data_sources) {
        sources.push_back(*sc.source_index(name));
        samples += static_cast<double>(sc.data_sources[sources.back()].samples);
      }
      const int ckpt_every = std::max(1, sc.faults.checkpoint_every);
      bool stop = false;
      for (std::size_t s = 0; s < prog.size() && !stop; ++s) {
        // A copy: a revision below replaces `prog`, which must not leave a dangling reference.
        SegmentProgram sp = prog[s];
        const double version_bytes = sc.model.versions[sp.version].param_bytes;
        for (auto h : sp.hosts) {
          // Charge from first use; the power state is set after the reading so the idle time before it was
          // spent at whatever state the host had (it is not charged anyway).
          meter.use_host(r.hosts[h]);
          r.hosts[h]->set_pstate(static_cast<unsigned long>(sp.pstate));
        }
        // No node of the segment is up: the orchestrator re-plans the rest after `done` (the loop goes on with the
        // first new segment), or the replication fails.
        auto replan = [&](Plan done) {
          std::optional<std::vector<Segment>> next;
          if (options.on_nodes_lost) next = options.on_nodes_lost(rep, done, plan, is_up);
          if (!next || next->empty()) {
            trace.failed = true;
            trace.events.push_back({now_rel(), epoch, "failed: no node left and no re-plan"});
            return false;
          }
          ++trace.replans;
          trace.events.push_back({now_rel(), epoch, "replan"});
          const std::size_t kept = done.segments.size();
          done.segments.insert(done.segments.end(), next->begin(), next->end());
          plan = done;
          prog = cost.program(plan);
          s = kept - 1;  // the loop's ++s continues with the first new segment (wraps to 0 when kept is 0)
          return true;
        };
        int done_in_segment = 0;  // epochs of this segment completed (and kept)
        bool revised = false;
        // Faults: (re)start the segment on the nodes that are up: the data to each, the model from the last
        // checkpoint (the controller) — or, on the first try with every node up, the planned entry.
        auto restart = [&](bool planned) -> bool {
          while (true) {
            std::vector<std::size_t> up;
            for (auto h : sp.hosts)
              if (!faulty || is_up(h)) up.push_back(h);
            if (up.empty()) return false;
            std::vector<Flow> entry;
            if (planned && up.size() == sp.hosts.size()) {
              entry = sp.entry;
              // The planned model source may itself be off: the checkpoint at the controller has the model.
              for (auto& f : entry)
                if (!is_up(f.src)) f.src = controller_index;
            } else {
              const std::vector<std::size_t> old = sp.hosts;
              sp.hosts = up;
              sp.epoch = cost.epoch_steps(sp.version, up, sp.pstate, samples);
              entry = cost.shipping_flows(sources, up, static_cast<std::size_t>(sp.pstate));
              for (auto h : up) entry.push_back({controller_index, h, version_bytes});
              trace.events.push_back({now_rel(), epoch, fmt::format("restart on {} of {} nodes", up.size(), old.size())});
            }
            if (entry.empty() || run_step(Step{{}, entry}, r, meter, trace.activities)) {
              // A checkpoint of the segment's starting model, so that a failure never rolls back across segments.
              if (!faulty || run_step(Step{{}, {{sp.hosts.front(), controller_index, version_bytes}}}, r, meter, trace.activities))
                return true;
            }
            ++trace.failures;
            trace.events.push_back({now_rel(), epoch, "failure during the segment's start"});
            planned = false;
          }
        };
        if (!restart(true)) {
          stop = true;
        }
        double ckpt_time = now_rel();
        double ckpt_energy = meter.hosts() + meter.links();
        int ckpt_done = 0;
        while (!stop && !revised && done_in_segment < sp.epochs) {
          // Stragglers: a node computes straggler_slowdown times slower this epoch with straggler_probability;
          // a user's speed factor divides its speed.
          std::map<std::size_t, double> slow;
          if (faulty)
            for (auto h : sp.hosts) {
              double f = 1.0;
              const Cluster& cl = sc.clusters[sp.cluster];
              if (cl.straggler_probability > 0 && cl.straggler_slowdown > 1 &&
                  uniform01(StreamKey{options.seed, Purpose::evaluation, StreamKind::fault, static_cast<std::uint32_t>(rep),
                                      static_cast<std::uint32_t>(epoch + 1), static_cast<std::uint32_t>(h), 0x10000}) <
                      cl.straggler_probability)
                f *= cl.straggler_slowdown;
              if (auto it = user_speed.find(h); it != user_speed.end()) f /= it->second;
              if (f != 1.0) slow[h] = f;
            }
          bool ok = true;
          for (const auto& st : sp.epoch)
            if (!(ok = run_step(st, r, meter, trace.activities, slow.empty() ? nullptr : &slow))) break;
          if (!ok) {
            // A node failed mid-epoch: the work since the last checkpoint is lost; restart from it on the nodes
            // still up (or let the orchestrator move the rest of the plan).
            ++trace.failures;
            const int lost = done_in_segment - ckpt_done;
            trace.work_lost_s += now_rel() - ckpt_time;
            trace.energy_lost_j += meter.hosts() + meter.links() - ckpt_energy;
            trace.events.push_back({now_rel(), epoch, fmt::format("failure: {} epochs lost since the checkpoint", lost + 1)});
            epoch -= lost;
            done_in_segment = ckpt_done;
            trace.epochs.resize(static_cast<std::size_t>(std::max(0, epoch)));
            if (!restart(false)) {
              // No node of the segment is up: the orchestrator re-plans the rest, or the replication fails.
              Plan done = plan;
              done.segments.resize(s + 1);
              done.segments[s].epochs = done_in_segment;
              if (done.segments[s].epochs == 0) done.segments.pop_back();
              if (!replan(done)) {
                stop = true;
                break;
              }
              revised = true;
              break;
            }
            ckpt_time = now_rel();
            ckpt_energy = meter.hosts() + meter.links();
            continue;
          }
          ++epoch;
          ++done_in_segment;
          const EpochMeasure m{epoch, s, now_rel(), meter.hosts() + meter.links(), static_cast<int>(sp.hosts.size())};
          trace.epochs.push_back(m);
          if (faulty && epoch % ckpt_every == 0 && done_in_segment < sp.epochs) {
            if (run_step(Step{{}, {{sp.hosts.front(), controller_index, version_bytes}}}, r, meter, trace.activities)) {
              ckpt_time = now_rel();
              ckpt_energy = meter.hosts() + meter.links();
              ckpt_done = done_in_segment;
            }
            // (a checkpoint that fails leaves the previous one; the next epoch's failure handling rolls back)
          }
          if (!options.on_epoch_end) continue;
          // What has run so far: the segments before this one, and this one up to this epoch.
          Plan done = plan;
          done.segments.resize(s + 1);
          done.segments[s].epochs = done_in_segment;
          auto next = options.on_epoch_end(rep, done, m);
          if (!next) continue;
          const bool finished_segment = done_in_segment == sp.epochs;
          if (next->empty() && finished_segment && s + 1 == prog.size()) continue;  // stopping where it ends anyway
          done.segments.insert(done.segments.end(), next->begin(), next->end());
          plan = done;
          prog = cost.program(plan);
          revised = true;  // continue with segment s + 1 of the new program
        }
        if (stop && !trace.failed) {
          // The segment could not even start: no node of it is up.
          Plan done = plan;
          done.segments.resize(s);
          stop = !replan(done);
        }
      }
      trace.executed = plan.segments;
      trace.time_s = now_rel();
      trace.host_energy_j = meter.hosts();
      trace.link_energy_j = meter.links();
      trace.energy_j = trace.host_energy_j + trace.link_energy_j;
      *current_meter = nullptr;
      // Restore the platform for the next replication: no injector, every node on.
      for (auto& a : injectors) a->kill();
      injectors.clear();
      for (auto [h, c] : fallible)
        if (!r.hosts[h]->is_on()) r.hosts[h]->turn_on();
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
