// Platform loading in a child process and extraction of the PlatformView (see platform_probe.hpp).
#include "platform/simgrid_args.hpp"
#include "platform/platform_probe.hpp"

#include "platform/link_props.hpp"
#include "deplsim/cost_model.hpp"
#include "platform/xml_check.hpp"

#include <simgrid/plugins/energy.h>
#include <simgrid/s4u.hpp>
#include <simgrid/version.h>
#include <xbt/config.hpp>

#include <fmt/format.h>

#include <poll.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <csignal>
#include <cstring>
#include <set>
#include <sstream>

namespace deplsim {
namespace {

std::vector<double> parse_number_list(const std::string& text, char sep) {
  std::vector<double> out;
  std::stringstream ss(text);
  std::string item;
  while (std::getline(ss, item, sep)) out.push_back(std::stod(item));
  return out;
}

// `wattage_per_state`: "idle:one:all, idle:one:all, ..." (or "idle:all" per state); validated beforehand.
void read_watts(HostView& h, const char* prop) {
  if (prop == nullptr) return;
  std::stringstream ss(prop);
  std::string state;
  std::size_t i = 0;
  while (std::getline(ss, state, ',') && i < h.pstates.size()) {
    auto v = parse_number_list(state, ':');
    auto& p = h.pstates[i++];
    if (v.size() == 3) {
      p.idle_w = v[0];
      p.epsilon_w = v[1];
      p.all_cores_w = v[2];
    } else if (v.size() == 2) {
      p.idle_w = v[0];
      p.epsilon_w = v[1];
      p.all_cores_w = v[1];
    }
  }
}

double config_double(const std::string& key, double fallback) {
  try {
    return simgrid::config::get_value<double>(key);
  } catch (...) {
    return fallback;
  }
}

// The factor for large messages: SimGrid accepts a number or "size:factor;size:factor..." (sizes descending).
double config_factor(const std::string& key, double fallback) {
  try {
    return simgrid::config::get_value<double>(key);  // SimGrid 3.32 declares the factors as numbers
  } catch (...) {
  }
  try {
    const std::string s = simgrid::config::get_value<std::string>(key);
    if (s.find(':') == std::string::npos) return std::stod(s);
    // Take the entry with the largest size threshold: deplsim's messages are large.
    double best_size = -1;
    double best = fallback;
    std::stringstream ss(s);
    std::string item;
    while (std::getline(ss, item, ';')) {
      auto v = parse_number_list(item, ':');
      if (v.size() >= 2 && v[0] > best_size) {
        best_size = v[0];
        best = v[1];
      }
    }
    return best;
  } catch (...) {
    return fallback;
  }
}

RouteView to_route(const simgrid::s4u::Host* src, const simgrid::s4u::Host* dst,
                   const std::map<std::string, std::size_t>& link_index) {
  std::vector<simgrid::s4u::Link*> links;
  double latency = 0;
  src->route_to(dst, links, &latency);
  RouteView r;
  r.latency = latency;
  for (auto* l : links) r.links.push_back(link_index.at(l->get_name()));
  return r;
}

} // namespace

void copy_splitduplex_properties(const std::string& platform) {
  // SimGrid 3.32 drops the properties of SPLITDUPLEX links: copy them onto both halves (before any
  // communication, when the link energy plugin reads them).
  const auto written = read_link_props(platform);
  for (auto* l : simgrid::s4u::Engine::get_instance()->get_all_links()) {
    const std::string& name = l->get_name();
    for (const std::string sfx : {"_UP", "_DOWN"}) {
      if (name.size() <= sfx.size() || name.compare(name.size() - sfx.size(), sfx.size(), sfx) != 0) continue;
      auto it = written.find(name.substr(0, name.size() - sfx.size()));
      if (it == written.end() || !it->second.splitduplex) continue;
      for (const auto& [key, value] : it->second.props)
        if (l->get_property(key) == nullptr) l->set_property(key, value);
    }
  }
}

namespace {

std::map<std::string, std::string> wifi_props(const simgrid::s4u::Link* link) {
  std::map<std::string, std::string> props;
  for (const char* key : {"wifi_watt_values", "control_duration"})
    if (const char* value = link->get_property(key)) props[key] = value;
  return props;
}

} // namespace

std::vector<WifiCell> apply_wifi_cells(const std::string& platform) {
  std::vector<WifiCell> cells = read_wifi_cells(platform);
  for (WifiCell& cell : cells) {
    auto* link = simgrid::s4u::Link::by_name_or_null(cell.link);
    if (link == nullptr || link->get_sharing_policy() != simgrid::s4u::Link::SharingPolicy::WIFI) continue;
    for (const auto& [host, level] : cell.stations)
      if (const auto* h = simgrid::s4u::Host::by_name_or_null(host)) link->set_host_wifi_rate(h, level);
    // The cell's watts as SimGrid's link energy plug-in charges them: idle + (busy - idle) x air time (its load
    // over its capacity, 1). The file may not write wattage_range on a WIFI link (check_platform_xml).
    cell.watts = wifi_cell_watts(wifi_props(link), cell.stations.size());
    link->set_property("wattage_range", fmt::format("{:.17g}:{:.17g}", cell.watts.idle_w, cell.watts.busy_w));
  }
  return cells;
}

namespace {

// The stations of each Wi-Fi cell and its radio figures, into the view's WIFI links (after read_links and
// read_hosts; the cells as apply_wifi_cells set them).
void read_wifi_cells_into(const std::vector<WifiCell>& cells, PlatformView& v, const std::map<std::string, std::size_t>& link_index) {
  for (const WifiCell& cell : cells) {
    const auto it = link_index.find(cell.link);
    if (it == link_index.end()) continue;
    LinkView& lv = v.links[it->second];
    if (!lv.wifi) continue;
    for (const auto& [host, level] : cell.stations) {
      const auto h = v.host_index(host);
      if (h && level >= 0 && static_cast<std::size_t>(level) < cell.rates.size()) lv.wifi_stations.emplace_back(*h, cell.rates[static_cast<std::size_t>(level)]);
    }
    std::sort(lv.wifi_stations.begin(), lv.wifi_stations.end());
    lv.wifi_idle_w = cell.watts.idle;
    lv.wifi_tx_w = cell.watts.tx;
    lv.wifi_rx_w = cell.watts.rx;
    lv.wifi_control = cell.watts.control;
  }
}

// The network model's settings, as SimGrid is configured.
void read_network_settings(PlatformView& v) {
  v.network.model = simgrid::config::get_value<std::string>("network/model");
  v.network.latency_factor = config_factor("network/latency-factor", 1.0);
  v.network.bandwidth_factor = config_factor("network/bandwidth-factor", 1.0);
  v.network.tcp_gamma = config_double("network/TCP-gamma", 0.0);
  v.network.weight_s = config_double("network/weight-S", 0.0);
  v.network.maxmin_precision = config_double("maxmin/precision", 1e-5);
  try {
    v.network.crosstraffic = simgrid::config::get_value<bool>("network/crosstraffic");
  } catch (...) {
    v.network.crosstraffic = false;
  }
}

// Every zone's name, sorted.
void read_zones(simgrid::s4u::Engine* engine, PlatformView& v) {
  std::vector<simgrid::s4u::NetZone*> pending = {engine->get_netzone_root()};
  while (!pending.empty()) {
    auto* z = pending.back();
    pending.pop_back();
    v.zones.push_back(z->get_name());
    for (auto* child : z->get_children()) pending.push_back(child);
  }
  std::sort(v.zones.begin(), v.zones.end());
}

// The links sorted by name (a SPLITDUPLEX link by its halves); returns each link's index by name.
std::map<std::string, std::size_t> read_links(simgrid::s4u::Engine* engine, PlatformView& v) {
  std::map<std::string, std::size_t> link_index;
  for (auto* l : engine->get_all_links()) {
    if (l->get_sharing_policy() == simgrid::s4u::Link::SharingPolicy::SPLITDUPLEX) continue;  // its _UP/_DOWN halves are listed
    LinkView lv;
    lv.name = l->get_name();
    lv.bandwidth = l->get_bandwidth();
    lv.latency = l->get_latency();
    lv.fatpipe = l->get_sharing_policy() == simgrid::s4u::Link::SharingPolicy::FATPIPE;
    lv.wifi = l->get_sharing_policy() == simgrid::s4u::Link::SharingPolicy::WIFI;
    if (const char* c = l->get_property("class")) lv.link_class = c;
    const char* w = l->get_property("wattage_range");
    if (w != nullptr) {
      auto vals = parse_number_list(w, ':');
      if (vals.size() == 2) {
        lv.idle_w = vals[0];
        lv.busy_w = vals[1];
      }
    }
    v.links.push_back(lv);
  }
  std::sort(v.links.begin(), v.links.end(), [](const LinkView& a, const LinkView& b) { return a.name < b.name; });
  for (std::size_t i = 0; i < v.links.size(); ++i) link_index[v.links[i].name] = i;
  return link_index;
}

// The hosts sorted by name, with their zones, power states and watts; returns SimGrid's hosts in the same order.
std::vector<simgrid::s4u::Host*> read_hosts(simgrid::s4u::Engine* engine, PlatformView& v) {
  std::vector<simgrid::s4u::Host*> sg_hosts = engine->get_all_hosts();
  std::sort(sg_hosts.begin(), sg_hosts.end(), [](auto* a, auto* b) { return a->get_name() < b->get_name(); });
  for (auto* h : sg_hosts) {
    HostView hv;
    hv.name = h->get_name();
    // SimGrid's get_parent() is not safe on the root zone: stop there.
    auto* root = engine->get_netzone_root();
    for (auto* z = h->get_englobing_zone(); z != nullptr; z = z == root ? nullptr : z->get_parent())
      hv.zones.push_back(z->get_name());
    hv.cores = h->get_core_count();
    for (unsigned long p = 0; p < h->get_pstate_count(); ++p) {
      PowerState ps;
      ps.speed = h->get_pstate_speed(p);
      hv.pstates.push_back(ps);
    }
    if (h->get_property("wattage_per_state") != nullptr) {
      // Let SimGrid's own energy plugin parse first (it aborts on what our XML check might have missed).
      for (unsigned long p = 0; p < h->get_pstate_count(); ++p) (void)sg_host_get_wattmin_at(h, static_cast<int>(p));
      read_watts(hv, h->get_property("wattage_per_state"));
    }
    if (const char* off = h->get_property("wattage_off")) hv.off_w = std::stod(off);
    if (const char* mem = h->get_property("memory")) {
      double bytes = 0;
      if (parse_size(mem, bytes) && bytes > 0) hv.memory_bytes = bytes;  // checked before loading
    }
    if (const char* e = h->get_property("sparse_efficiency")) hv.sparse_efficiency = std::stod(e);  // checked before loading
    if (const char* w = h->get_property("transmit_w")) hv.transmit_w = std::stod(w);                // checked before loading
    if (const char* o = h->get_property("iteration_overhead_s")) hv.iteration_overhead_s = std::stod(o);  // checked too
    v.hosts.push_back(hv);
  }
  return sg_hosts;
}

// The energy objective: a training host without `wattage_per_state` would draw nothing in SimGrid's energy plug-in
// (and look free to the planners). One problem per cluster, naming the first such host and how many there are.
void wattage_problem(const ProbeRequest& req, const PlatformView& v, const std::vector<std::size_t>& members,
                     std::size_t c, ProbeResult& out) {
  std::size_t missing = 0;
  std::string first;
  for (auto h : members) {
    const auto* host = simgrid::s4u::Host::by_name_or_null(v.hosts[h].name);
    if (host == nullptr || host->get_property("wattage_per_state") != nullptr) continue;
    if (missing++ == 0) first = v.hosts[h].name;
  }
  if (missing > 0)
    out.problems.push_back({"cluster", c,
                            fmt::format("host '{}'{} of zone '{}' has no 'wattage_per_state' property: the energy "
                                        "objective needs the watts of every training host (docs/platforms.md, section 4)",
                                        first, missing > 1 ? fmt::format(" (and {} other hosts)", missing - 1) : "",
                                        req.cluster_zones[c])});
}

// The hosts the scenario names (unset where the platform lacks them).
struct ScenarioHosts {
  std::optional<std::size_t> controller;
  std::vector<std::optional<std::size_t>> sources;
};

// Names the scenario uses: the controller and data-source hosts, then each cluster's training hosts (its zone's
// other hosts, fastest first). What the platform does not satisfy goes to out.problems.
ScenarioHosts resolve_scenario_names(const ProbeRequest& req, ProbeResult& out) {
  PlatformView& v = out.view;
  std::set<std::size_t> special;
  auto find_host = [&](const std::string& name, const std::string& what, std::size_t index) -> std::optional<std::size_t> {
    auto h = v.host_index(name);
    if (!h) {
      std::string known;
      for (std::size_t i = 0; i < v.hosts.size() && i < 40; ++i) known += (i ? ", " : "") + v.hosts[i].name;
      if (v.hosts.size() > 40) known += fmt::format(", ... ({} hosts)", v.hosts.size());
      out.problems.push_back({what, index, fmt::format("host '{}' is not in the platform (hosts: {})", name, known)});
    } else {
      special.insert(*h);
    }
    return h;
  };
  ScenarioHosts named;
  if (!req.platform_only) named.controller = find_host(req.controller, "controller", 0);
  for (std::size_t i = 0; i < req.source_hosts.size(); ++i) named.sources.push_back(find_host(req.source_hosts[i], "source", i));

  for (std::size_t c = 0; c < req.cluster_zones.size(); ++c) {
    std::vector<std::size_t> members;
    const std::string& zone = req.cluster_zones[c];
    if (!std::binary_search(v.zones.begin(), v.zones.end(), zone)) {
      std::string known;
      for (const auto& z : v.zones) known += (known.empty() ? "" : ", ") + z;
      out.problems.push_back({"cluster", c, fmt::format("zone '{}' is not in the platform (zones: {})", zone, known)});
    } else {
      for (std::size_t h = 0; h < v.hosts.size(); ++h)
        if (v.hosts[h].in_zone(zone) && !special.contains(h)) members.push_back(h);
      if (members.empty())
        out.problems.push_back({"cluster", c, fmt::format("zone '{}' has no training host (data-source and controller hosts do not count)", zone)});
      for (auto h : members)
        if (v.hosts[h].pstates.empty())
          out.problems.push_back({"cluster", c, fmt::format("host '{}' has no power state", v.hosts[h].name)});
      if (req.require_wattage) wattage_problem(req, v, members, c, out);
    }
    std::sort(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
      const double sa = v.hosts[a].total_speed(0);
      const double sb = v.hosts[b].total_speed(0);
      if (sa != sb) return sa > sb;
      return v.hosts[a].name < v.hosts[b].name;
    });
    v.cluster_hosts.push_back(members);
  }
  return named;
}

// The zone of `h` just below `zone` on the way up from h ("" when h is directly in `zone`).
std::string child_zone(const HostView& h, const std::string& zone) {
  const auto it = std::find(h.zones.begin(), h.zones.end(), zone);
  return it == h.zones.begin() || it == h.zones.end() ? std::string() : *(it - 1);
}

// What to write to route the missing pairs of one zone, by its routing model.
std::string route_fix(const std::string& zone, const std::string& routing, bool across_subzones) {
  if (across_subzones)
    return fmt::format("Declare a <zoneRoute src=\"A\" dst=\"B\" gw_src=\"ROUTER-OF-A\" gw_dst=\"ROUTER-OF-B\"> in zone '{}' for "
                       "each pair of its sub-zones above (symmetrical by default: one per pair), with a router of each "
                       "sub-zone as its gateway", zone);
  if (routing == "Full" || routing.empty())
    return "A Full zone routes only the pairs it declares: routes to a router are not joined into host-to-host "
           "routes. Declare a <route> for each pair (symmetrical by default: one per pair of hosts), or write "
           "routing=\"Floyd\" or routing=\"Dijkstra\" on the zone: they join its host-to-router routes into "
           "shortest paths";
  if (routing == "Floyd" || routing == "Dijkstra" || routing == "DijkstraCache")
    return fmt::format("The routes declared in zone '{}' do not connect these hosts: give each a <route> to a router that "
                       "the others reach", zone);
  return fmt::format("Declare routes between these hosts in zone '{}'", zone);
}

// Missing routes, one problem per zone that should hold them (the lowest zone holding both hosts): its routing
// model, its line, the pairs (a few named, the rest counted) and what to write.
void route_problems(const std::string& platform, const PlatformView& v,
                    const std::vector<std::pair<std::size_t, std::size_t>>& missing, ProbeResult& out) {
  const auto declared = read_zone_declarations(platform);
  std::map<std::string, std::vector<std::pair<std::size_t, std::size_t>>> by_zone;
  for (auto [a, b] : missing) {
    const auto& za = v.hosts[a].zones;
    const auto& zb = v.hosts[b].zones;
    auto common = std::find_if(za.begin(), za.end(), [&](const std::string& z) { return std::find(zb.begin(), zb.end(), z) != zb.end(); });
    by_zone[common == za.end() ? std::string() : *common].emplace_back(a, b);
  }
  constexpr std::size_t kNamed = 4;
  for (const auto& [zone, pairs] : by_zone) {
    std::set<std::pair<std::string, std::string>> subzones;
    std::string named;
    for (std::size_t i = 0; i < pairs.size(); ++i) {
      const HostView& ha = v.hosts[pairs[i].first];
      const HostView& hb = v.hosts[pairs[i].second];
      const std::string ca = child_zone(ha, zone);
      const std::string cb = child_zone(hb, zone);
      if (!ca.empty() && !cb.empty()) subzones.insert({std::min(ca, cb), std::max(ca, cb)});
      if (i < kNamed) named += fmt::format("{}'{}' -> '{}'", i ? ", " : "", ha.name, hb.name);
    }
    if (pairs.size() > kNamed) named += fmt::format(" and {} more", pairs.size() - kNamed);
    std::string across;
    for (const auto& [x, y] : subzones) across += fmt::format("{}'{}' - '{}'", across.empty() ? "" : ", ", x, y);
    const auto it = declared.find(zone);
    const std::string routing = it == declared.end() ? std::string() : it->second.routing;
    const int line = it == declared.end() ? 0 : it->second.line;
    out.problems.push_back(
        {"route", 0,
         fmt::format("zone '{}' (routing=\"{}\"{}) has no route for {} host pair{} deplsim needs: {}{}. {}", zone, routing,
                     line > 0 ? fmt::format(", line {}", line) : "", pairs.size(), pairs.size() == 1 ? "" : "s", named,
                     across.empty() ? "" : fmt::format(" (between its sub-zones {})", across),
                     route_fix(zone, routing, !subzones.empty())),
         line});
  }
}

// A hierarchical collective on the first n hosts of a cluster, for every n whose hosts form equal zone groups: the
// ring neighbours within each group and across the groups (CostModel::hierarchical_steps).
template <class F>
void hierarchical_pairs(const PlatformView& v, const std::vector<std::size_t>& members, F&& both) {
  for (std::size_t n = 4; n <= members.size(); ++n) {
    const auto groups = hierarchical_groups(v, std::vector<std::size_t>(members.begin(), members.begin() + static_cast<std::ptrdiff_t>(n)));
    for (std::size_t k = 0; k < groups.size(); ++k)
      for (std::size_t i = 0; i < groups[k].size(); ++i) {
        both(groups[k][i], groups[k][(i + 1) % groups[k].size()]);
        both(groups[k][i], groups[(k + 1) % groups.size()][i]);
      }
  }
}

// Routes: sources and controller <-> every cluster host; ring and parameter-server pairs inside a cluster;
// first node of a cluster <-> every host of the other clusters (migrations).
void read_routes(const ProbeRequest& req, const ScenarioHosts& named, const std::vector<simgrid::s4u::Host*>& sg_hosts,
                 const std::map<std::string, std::size_t>& link_index, ProbeResult& out) {
  const std::string& platform = req.platform;
  PlatformView& v = out.view;
  std::vector<std::pair<std::size_t, std::size_t>> missing;
  std::set<std::pair<std::size_t, std::size_t>> pairs;
  auto both = [&](std::size_t a, std::size_t b) {
    if (a == b) return;
    pairs.insert({a, b});
    pairs.insert({b, a});
  };
  // O(pairs): each cluster host pairs with the controller, the sources, its ring neighbour and the cluster's first
  // node; each cluster's first node with every host of the other clusters (once, not once per host of its own).
  for (std::size_t c = 0; c < v.cluster_hosts.size(); ++c) {
    const auto& m = v.cluster_hosts[c];
    for (std::size_t i = 0; i < m.size(); ++i) {
      if (named.controller) both(*named.controller, m[i]);
      for (auto s : named.sources) both(*s, m[i]);
      if (i + 1 < m.size()) both(m[i], m[i + 1]);
      both(m[0], m[i]);
    }
    if (m.empty()) continue;
    if (req.hierarchical) hierarchical_pairs(v, m, both);
    for (std::size_t d = 0; d < v.cluster_hosts.size(); ++d)
      if (d != c)
        for (auto h : v.cluster_hosts[d]) both(m[0], h);
  }
  for (auto [a, b] : pairs) {
    // Progress marker: if SimGrid aborts on this route, the parent knows which one.
    std::fprintf(stdout, "route %s %s\n", v.hosts[a].name.c_str(), v.hosts[b].name.c_str());
    std::fflush(stdout);
    RouteView r;
    bool found = true;
    try {
      r = to_route(sg_hosts[a], sg_hosts[b], link_index);
    } catch (const std::exception&) {  // "No route from ..." (Floyd, Dijkstra), "Bad gateways ..." (no zoneRoute)
      found = false;
    }
    if (!found || (r.links.empty() && r.latency <= 0)) {
      missing.emplace_back(a, b);
      continue;
    }
    v.add_route(a, b, std::move(r));
    out.route_pairs.emplace_back(a, b);
  }
  if (!missing.empty()) route_problems(platform, v, missing, out);
}

} // namespace

ProbeResult extract_platform_view(const ProbeRequest& req) {
  auto* engine = simgrid::s4u::Engine::get_instance();
  ProbeResult out;
  PlatformView& v = out.view;
  v.file = req.platform;
  v.simgrid_version = fmt::format("{}.{}.{}", SIMGRID_VERSION_MAJOR, SIMGRID_VERSION_MINOR, SIMGRID_VERSION_PATCH);
  read_network_settings(v);
  read_zones(engine, v);

  copy_splitduplex_properties(req.platform);
  const std::vector<WifiCell> cells = apply_wifi_cells(req.platform);

  const std::map<std::string, std::size_t> link_index = read_links(engine, v);
  const std::vector<simgrid::s4u::Host*> sg_hosts = read_hosts(engine, v);
  v.index_hosts();
  read_wifi_cells_into(cells, v, link_index);

  const ScenarioHosts named = resolve_scenario_names(req, out);
  if (!out.problems.empty()) return out;

  // Floyd and Dijkstra zones compute their routes when sealed: a route asked before would be missing (Floyd) or
  // abort SimGrid (Dijkstra). The probe's engine never simulates, so sealing here costs nothing.
  engine->seal_platform();
  read_routes(req, named, sg_hosts, link_index, out);
  return out;
}

nlohmann::json to_json(const ProbeResult& r) {
  using nlohmann::json;
  const PlatformView& v = r.view;
  json j;
  j["file"] = v.file;
  j["simgrid_version"] = v.simgrid_version;
  j["network"] = {{"model", v.network.model},         {"latency_factor", v.network.latency_factor},
                  {"bandwidth_factor", v.network.bandwidth_factor}, {"tcp_gamma", v.network.tcp_gamma},
                  {"weight_s", v.network.weight_s},   {"crosstraffic", v.network.crosstraffic},
                  {"maxmin_precision", v.network.maxmin_precision}};
  j["zones"] = v.zones;
  json hosts = json::array();
  for (const auto& h : v.hosts) {
    json ps = json::array();
    for (const auto& p : h.pstates) ps.push_back({p.speed, p.idle_w, p.epsilon_w, p.all_cores_w});
    hosts.push_back({{"name", h.name}, {"zones", h.zones}, {"cores", h.cores}, {"pstates", ps}, {"off_w", h.off_w},
                     {"memory_bytes", h.memory_bytes}, {"sparse_efficiency", h.sparse_efficiency},
                     {"transmit_w", h.transmit_w}, {"iteration_overhead_s", h.iteration_overhead_s}});
  }
  j["hosts"] = hosts;
  json links = json::array();
  for (const auto& l : v.links) {
    json lj = {{"name", l.name}, {"bandwidth", l.bandwidth}, {"latency", l.latency}, {"fatpipe", l.fatpipe},
               {"idle_w", l.idle_w}, {"busy_w", l.busy_w}, {"class", l.link_class}};
    if (l.wifi)
      lj["wifi"] = {{"stations", l.wifi_stations}, {"idle_w", l.wifi_idle_w}, {"tx_w", l.wifi_tx_w}, {"rx_w", l.wifi_rx_w},
                    {"control", l.wifi_control}};
    links.push_back(lj);
  }
  j["links"] = links;
  j["cluster_hosts"] = v.cluster_hosts;
  json routes = json::array();
  // The routes extracted, not every pair of hosts: a 100,000-host platform has 10^10 pairs and a few 10^5 routes.
  for (auto [a, b] : r.route_pairs) routes.push_back({a, b, v.route(a, b).latency, v.route(a, b).links});
  j["routes"] = routes;
  json problems = json::array();
  for (const auto& p : r.problems)
    problems.push_back({{"what", p.what}, {"index", p.index}, {"message", p.message}, {"line", p.line}});
  j["problems"] = problems;
  return j;
}

ProbeResult probe_result_from_json(const nlohmann::json& j) {
  ProbeResult r;
  PlatformView& v = r.view;
  v.file = j.at("file").get<std::string>();
  v.simgrid_version = j.at("simgrid_version").get<std::string>();
  const auto& n = j.at("network");
  v.network.model = n.at("model").get<std::string>();
  v.network.latency_factor = n.at("latency_factor").get<double>();
  v.network.bandwidth_factor = n.at("bandwidth_factor").get<double>();
  v.network.tcp_gamma = n.at("tcp_gamma").get<double>();
  v.network.weight_s = n.at("weight_s").get<double>();
  v.network.crosstraffic = n.at("crosstraffic").get<bool>();
  v.network.maxmin_precision = n.value("maxmin_precision", 1e-5);
  v.zones = j.at("zones").get<std::vector<std::string>>();
  for (const auto& h : j.at("hosts")) {
    HostView hv;
    hv.name = h.at("name").get<std::string>();
    hv.zones = h.at("zones").get<std::vector<std::string>>();
    hv.cores = h.at("cores").get<int>();
    for (const auto& p : h.at("pstates")) hv.pstates.push_back({p[0].get<double>(), p[1].get<double>(), p[2].get<double>(), p[3].get<double>()});
    hv.off_w = h.at("off_w").get<double>();
    hv.memory_bytes = h.at("memory_bytes").get<double>();
    hv.sparse_efficiency = h.at("sparse_efficiency").get<double>();
    hv.transmit_w = h.at("transmit_w").get<double>();
    hv.iteration_overhead_s = h.at("iteration_overhead_s").get<double>();
    v.hosts.push_back(hv);
  }
  for (const auto& l : j.at("links")) {
    LinkView lv{l.at("name").get<std::string>(), l.at("bandwidth").get<double>(), l.at("latency").get<double>(),
                l.at("fatpipe").get<bool>(), l.at("idle_w").get<double>(), l.at("busy_w").get<double>(),
                l.at("class").get<std::string>()};
    if (l.contains("wifi")) {
      const auto& w = l.at("wifi");
      lv.wifi = true;
      lv.wifi_stations = w.at("stations").get<std::vector<std::pair<std::size_t, double>>>();
      lv.wifi_idle_w = w.at("idle_w").get<double>();
      lv.wifi_tx_w = w.at("tx_w").get<double>();
      lv.wifi_rx_w = w.at("rx_w").get<double>();
      lv.wifi_control = w.at("control").get<double>();
    }
    v.links.push_back(std::move(lv));
  }
  v.cluster_hosts = j.at("cluster_hosts").get<std::vector<std::vector<std::size_t>>>();
  for (const auto& rt : j.at("routes")) {
    r.route_pairs.emplace_back(rt[0].get<std::size_t>(), rt[1].get<std::size_t>());
    v.add_route(r.route_pairs.back().first, r.route_pairs.back().second,
                RouteView{rt[3].get<std::vector<std::size_t>>(), rt[2].get<double>()});
  }
  for (const auto& p : j.at("problems"))
    r.problems.push_back({p.at("what").get<std::string>(), p.at("index").get<std::size_t>(), p.at("message").get<std::string>(),
                          p.at("line").get<int>()});
  v.index_hosts();
  return r;
}

namespace {

// Child side: load, extract, write "view <json>" on stdout; SimGrid's messages go to stderr.
[[noreturn]] void run_child(const ProbeRequest& req) {
  std::vector<std::string> args = {"deplsim-platform-probe"};
  for (const auto& c : simgrid_base_args()) args.push_back(c);
  // Tracing settings go through (SimGrid may abort on some of them with some platforms, and the probe is where
  // that must happen), but the probe's trace goes to /dev/null.
  bool tracing = false;
  for (const auto& c : req.simgrid_cfg) {
    args.push_back("--cfg=" + c);
    tracing |= c.rfind("tracing", 0) == 0;
  }
  if (tracing) args.emplace_back("--cfg=tracing/filename:/dev/null");
  args.emplace_back("--log=root.thres:warning");
  for (const auto& l : req.simgrid_log) args.push_back("--log=" + l);
  std::vector<char*> argv;
  for (auto& a : args) argv.push_back(a.data());
  argv.push_back(nullptr);
  int argc = static_cast<int>(args.size());
  // Stage markers tell the parent what SimGrid was doing if it dies: reading --cfg/--log, or the platform.
  auto stage = [](const char* s) {
    std::fprintf(stdout, "stage %s\n", s);
    std::fflush(stdout);
  };
  try {
    stage("configuration");
    auto* engine = new simgrid::s4u::Engine(&argc, argv.data());  // never destroyed: the child _exits
    sg_host_energy_plugin_init();
    sg_link_energy_plugin_init();
    stage("platform");
    engine->load_platform(req.platform);
    ProbeResult r = extract_platform_view(req);
    const std::string text = "view " + to_json(r).dump() + "\n";
    std::fwrite(text.data(), 1, text.size(), stdout);
    std::fflush(stdout);
    _exit(0);
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s\n", e.what());
    std::fflush(stderr);
    _exit(3);
  }
}

std::string tail_lines(const std::string& s, std::size_t n) {
  std::vector<std::string> lines;
  std::stringstream ss(s);
  std::string line;
  while (std::getline(ss, line)) {
    const auto tag = line.find("/CRITICAL] ");  // drop SimGrid's "[time] file:line: [category/CRITICAL] " prefix
    if (tag != std::string::npos) line = line.substr(tag + 11);
    if (!line.empty() && line.find("Backtrace") == std::string::npos && line.rfind("  ->", 0) != 0 &&
        line.find("==") == std::string::npos)
      lines.push_back(line);
  }
  std::string out;
  for (std::size_t i = lines.size() > n ? lines.size() - n : 0; i < lines.size(); ++i) out += (out.empty() ? "" : " | ") + lines[i];
  return out;
}

} // namespace

ProbeResult probe_platform(const ProbeRequest& req) {
  auto issues = check_platform_xml(req.platform);
  if (!issues.empty()) throw InputError(issues);

  int out_pipe[2];
  int err_pipe[2];
  if (pipe(out_pipe) != 0 || pipe(err_pipe) != 0) throw std::runtime_error("pipe() failed");
  std::fflush(stdout);
  std::fflush(stderr);
  const pid_t pid = fork();
  if (pid < 0) throw std::runtime_error("fork() failed");
  if (pid == 0) {
    dup2(out_pipe[1], STDOUT_FILENO);
    dup2(err_pipe[1], STDERR_FILENO);
    close(out_pipe[0]);
    close(err_pipe[0]);
    close(out_pipe[1]);
    close(err_pipe[1]);
    run_child(req);
  }
  close(out_pipe[1]);
  close(err_pipe[1]);
  std::string out_text;
  std::string err_text;
  pollfd fds[2] = {{out_pipe[0], POLLIN, 0}, {err_pipe[0], POLLIN, 0}};
  int open_fds = 2;
  char buf[65536];
  while (open_fds > 0) {
    if (poll(fds, 2, -1) < 0) {
      if (errno == EINTR) continue;
      break;
    }
    for (int i = 0; i < 2; ++i) {
      if (fds[i].fd < 0 || (fds[i].revents & (POLLIN | POLLHUP | POLLERR)) == 0) continue;
      const ssize_t n = read(fds[i].fd, buf, sizeof buf);
      if (n <= 0) {
        close(fds[i].fd);
        fds[i].fd = -1;
        --open_fds;
      } else {
        (i == 0 ? out_text : err_text).append(buf, static_cast<std::size_t>(n));
        if (err_text.size() > (1U << 20)) err_text.erase(0, err_text.size() - (1U << 19));
      }
    }
  }
  int status = 0;
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }

  const auto view_pos = out_text.rfind("view ");
  if (WIFEXITED(status) && WEXITSTATUS(status) == 0 && view_pos != std::string::npos) {
    try {
      return probe_result_from_json(nlohmann::json::parse(out_text.substr(view_pos + 5)));
    } catch (const std::exception& e) {
      throw std::runtime_error(std::string("internal error reading the platform view: ") + e.what());
    }
  }
  const std::string said = tail_lines(err_text, 3);
  const auto stage_pos = out_text.rfind("stage ");
  if (stage_pos != std::string::npos && out_text.compare(stage_pos, 19, "stage configuration") == 0) {
    // SimGrid rejected a --cfg or --log setting; its message is the first line it printed.
    std::string first = err_text.substr(0, err_text.find('\n'));
    const auto tag = first.find("/CRITICAL] ");  // drop SimGrid's "[time] file:line: [category/CRITICAL] " prefix
    if (tag != std::string::npos) first = first.substr(tag + 11);
    std::string settings;
    for (const auto& c : req.simgrid_cfg) settings += (settings.empty() ? "" : ", ") + c;
    for (const auto& l : req.simgrid_log) settings += (settings.empty() ? "" : ", ") + l;
    throw InputError(InputIssue{"--cfg/--log", 0, 0, "",
                                fmt::format("SimGrid rejected the settings ({}): {}", settings,
                                            first.empty() ? said : first)});
  }
  std::string context;
  const auto route_pos = out_text.rfind("route ");
  if (route_pos != std::string::npos) {
    std::string line = out_text.substr(route_pos + 6);
    line = line.substr(0, line.find('\n'));
    const auto sp = line.find(' ');
    context = fmt::format(" while computing the route from '{}' to '{}'", line.substr(0, sp), line.substr(sp + 1));
  }
  std::string how = WIFSIGNALED(status) ? fmt::format("SimGrid aborted (signal {})", WTERMSIG(status))
                                        : fmt::format("SimGrid failed (exit {})", WEXITSTATUS(status));
  throw InputError(InputIssue{req.platform, 0, 0, "",
                              fmt::format("{} loading this platform{}{}", how, context, said.empty() ? "" : ": " + said)});
}

} // namespace deplsim
