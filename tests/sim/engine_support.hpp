// What the SimGrid test programs of tests/sim that build their own engine share (network_pin, wifi_energy): the
// engine's command line, and routes added to a probed view (the probe extracts only the routes a scenario needs).
#pragma once

#include "deplsim/platform.hpp"
#include "platform/simgrid_args.hpp"

#include <simgrid/s4u.hpp>

#include <string>
#include <vector>

namespace deplsim::testtools {

/// SimGrid's argc/argv for a test program: its name, deplsim's base settings (simgrid_base_args), then `extra`.
/// Keep it alive as long as the engine.
struct EngineArgs {
  EngineArgs(const char* program, const std::vector<std::string>& extra) : args{program} {
    for (const auto& c : simgrid_base_args()) args.push_back(c);
    args.insert(args.end(), extra.begin(), extra.end());
    for (auto& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    argc = static_cast<int>(args.size());
  }
  std::vector<std::string> args;
  std::vector<char*> argv;
  int argc = 0;
};

/// The route from host `a` to host `b` of `view` as SimGrid computes it, added to the view; false when there is none.
inline bool add_simgrid_route(PlatformView& view, std::size_t a, std::size_t b) {
  std::vector<simgrid::s4u::Link*> links;
  double latency = 0;
  simgrid::s4u::Host::by_name(view.hosts[a].name)->route_to(simgrid::s4u::Host::by_name(view.hosts[b].name), links, &latency);
  if (links.empty() && latency <= 0) return false;
  RouteView r;
  r.latency = latency;
  for (auto* l : links)
    for (std::size_t k = 0; k < view.links.size(); ++k)
      if (view.links[k].name == l->get_name()) r.links.push_back(k);
  view.add_route(a, b, r);
  return true;
}

} // namespace deplsim::testtools
