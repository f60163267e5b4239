// One step as SimGrid activities (see activities.hpp).
#include "executor/activities.hpp"

#include <simgrid/Exception.hpp>

#include <algorithm>
#include <string>

namespace deplsim::execution {

double link_consumed_energy(sg4::Link* l) {
  if (l->get_sharing_policy() != sg4::Link::SharingPolicy::WIFI) return sg_link_get_consumed_energy(l);
  struct Counter {
    double idle_w = 0, busy_w = 0, last = 0, energy = 0;
  };
  // One simulation per process: the counters live as long as the engine, from time 0, like SimGrid's.
  static std::map<std::string, Counter> counters;
  auto [it, fresh] = counters.try_emplace(l->get_name());
  Counter& c = it->second;
  if (fresh) {
    if (const char* w = l->get_property("wattage_range")) {  // "idle:busy", written by apply_wifi_cells
      const std::string s = w;
      const auto colon = s.find(':');
      c.idle_w = std::stod(s.substr(0, colon));
      c.busy_w = std::stod(s.substr(colon + 1));
    }
  }
  const double now = sg4::Engine::get_clock();
  c.energy += (c.idle_w + (c.busy_w - c.idle_w) * l->get_usage()) * (now - c.last);
  c.last = now;
  return c.energy;
}

void charge_transmit(const std::vector<Flow>& flows, const std::vector<sg4::CommPtr>& comms, const Resolved& r,
                     double start, EnergyMeter& meter) {
  std::map<std::size_t, double> until;
  const double now = sg4::Engine::get_clock();
  for (std::size_t i = 0; i < comms.size(); ++i) {
    const std::size_t src = flows[i].src;
    if (r.transmit_w[src] <= 0) continue;
    const double end = comms[i]->get_state() == sg4::Activity::State::FINISHED ? comms[i]->get_finish_time() : now;
    double& u = until[src];
    u = std::max(u, end - start);
  }
  for (auto [h, t] : until) meter.add_transmit(r.transmit_w[h] * t);
}

bool run_step(const Step& step, Resolved& r, EnergyMeter& meter, long long& activities,
              const std::map<std::size_t, double>* slow) {
  std::vector<sg4::ExecPtr> execs;
  std::vector<sg4::CommPtr> comms;
  const double start = sg4::Engine::get_clock();
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
    charge_transmit(step.flows, comms, r, start, meter);
    return false;
  }
  meter.clear_active();
  charge_transmit(step.flows, comms, r, start, meter);
  return true;
}

} // namespace deplsim::execution
