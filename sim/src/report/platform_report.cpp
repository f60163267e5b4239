#include "report/platform_report.hpp"

#include "deplsim/cost_model.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <limits>

namespace deplsim {
namespace {

using nlohmann::json;

// Bounds outside which a figure is taken for a unit slip (a warning, never an error: a study may mean it).
constexpr double kSlowestCore = 1e6;        // flop/s per core: slower than any computer of the last 40 years
constexpr double kFastestHost = 1e16;       // flop/s per host: orders of magnitude above any single machine
constexpr double kMostWatts = 1e5;          // W per host
constexpr double kSlowestLink = 1e3;        // bytes/s
constexpr double kFastestLink = 1e13;       // bytes/s (80 Tb/s)
constexpr double kLongestLatency = 10.0;    // s
constexpr double kLeastMemory = 1e6;        // bytes per core: below any device that trains a network
constexpr double kMostMemory = 1e13;        // bytes per core (10 TB): above any accelerator or board

// A number with an SI prefix: 1.25e9 -> "1.25 G".
std::string si(double x) {
  static const char* const prefix[] = {"", "k", "M", "G", "T", "P", "E"};
  int i = 0;
  double v = std::fabs(x);
  while (v >= 1000.0 && i < 6) {
    v /= 1000.0;
    ++i;
  }
  return fmt::format("{:.4g} {}", x < 0 ? -v : v, prefix[i]);
}

std::string seconds(double s) {
  if (s == 0.0) return "0 s";
  if (s < 1e-3) return fmt::format("{:.4g} us", s * 1e6);
  if (s < 1.0) return fmt::format("{:.4g} ms", s * 1e3);
  return fmt::format("{:.4g} s", s);
}

void host_warnings(const HostView& h, json& warnings) {
  if (h.pstates.empty()) return;
  const double core = h.pstates[0].speed;
  if (core < kSlowestCore)
    warnings.push_back(fmt::format("host '{}': {}flop/s per core at pstate 0 is slower than any computer of the last 40 years: "
                                   "a unit missing? (a bare number is flop/s; write e.g. 1Gf)", h.name, si(core)));
  if (h.total_speed(0) > kFastestHost)
    warnings.push_back(fmt::format("host '{}': {}flop/s in all at pstate 0 ({} cores) is orders of magnitude above any single "
                                   "machine: a unit slip, or the host's total written per core? (SimGrid multiplies the "
                                   "per-core speed by the cores)", h.name, si(h.total_speed(0)), h.cores));
  bool any_watts = h.off_w > 0.0;
  for (std::size_t p = 0; p < h.pstates.size(); ++p) {
    const PowerState& s = h.pstates[p];
    any_watts = any_watts || s.idle_w > 0.0 || s.all_cores_w > 0.0;
    if (s.idle_w > s.all_cores_w)
      warnings.push_back(fmt::format("host '{}': pstate {} draws more idle ({} W) than with all cores busy ({} W)", h.name, p,
                                     s.idle_w, s.all_cores_w));
    if (s.all_cores_w > kMostWatts)
      warnings.push_back(fmt::format("host '{}': pstate {} draws {}W busy: a unit slip? (watts per host)", h.name, p, si(s.all_cores_w)));
  }
  if (!any_watts)
    warnings.push_back(fmt::format("host '{}': no wattage_per_state: SimGrid's energy plug-in counts it as drawing 0 W", h.name));
  if (h.memory_bytes > 0 && h.memory_bytes < kLeastMemory)
    warnings.push_back(fmt::format("host '{}': memory {}B per core: a unit missing? (a bare number is bytes; write e.g. 8GB)",
                                   h.name, si(h.memory_bytes)));
  if (h.memory_bytes > kMostMemory)
    warnings.push_back(fmt::format("host '{}': memory {}B per core is above any accelerator or board: a unit slip, or the "
                                   "host's total written per core?", h.name, si(h.memory_bytes)));
}

void link_warnings(const LinkView& l, json& warnings) {
  if (l.wifi) return;  // a Wi-Fi cell's air: capacity 1 (air time); its stations' rates are written with units
  if (l.bandwidth < kSlowestLink)
    warnings.push_back(fmt::format("link '{}': {}B/s: a unit missing? (a bare number is bytes/s; write e.g. 1Gbps)", l.name, si(l.bandwidth)));
  if (l.bandwidth > kFastestLink)
    warnings.push_back(fmt::format("link '{}': {}B/s ({}b/s) is above any network link: a unit slip?", l.name, si(l.bandwidth),
                                   si(l.bandwidth * 8)));
  if (l.latency > kLongestLatency)
    warnings.push_back(fmt::format("link '{}': latency {} s: a unit missing? (a bare number is seconds; write e.g. 10ms)", l.name, l.latency));
}

json hosts_json(const PlatformView& pf, json& warnings) {
  json hosts = json::array();
  for (const auto& h : pf.hosts) {
    json ps = json::array();
    for (std::size_t p = 0; p < h.pstates.size(); ++p) {
      const PowerState& s = h.pstates[p];
      ps.push_back({{"pstate", p}, {"flops_per_core", s.speed}, {"flops", h.total_speed(p)}, {"idle_w", s.idle_w},
                    {"epsilon_w", s.epsilon_w}, {"all_cores_w", s.all_cores_w}});
    }
    hosts.push_back({{"name", h.name}, {"zone", h.zones.empty() ? "" : h.zones.front()}, {"cores", h.cores}, {"pstates", ps},
                     {"off_w", h.off_w}, {"memory_bytes", h.memory_bytes > 0 ? json(h.memory_bytes) : json(nullptr)},
                     {"sparse_efficiency", h.sparse_efficiency}, {"transmit_w", h.transmit_w},
                     {"iteration_overhead_s", h.iteration_overhead_s}});
    host_warnings(h, warnings);
  }
  return hosts;
}

json links_json(const PlatformView& pf, json& warnings) {
  json links = json::array();
  for (std::size_t i = 0; i < pf.links.size(); ++i) {
    const LinkView& l = pf.links[i];
    const std::string cls = pf.link_class_of(i);  // the energy breakdown's class; null when not declared
    json lj = {{"name", l.name}, {"bandwidth_Bps", l.bandwidth}, {"latency_s", l.latency},
               {"sharing", l.wifi ? "WIFI" : l.fatpipe ? "FATPIPE" : "SHARED"}, {"idle_w", l.idle_w}, {"busy_w", l.busy_w},
               {"class", cls == PlatformView::kUnclassified ? json(nullptr) : json(cls)}};
    if (l.wifi) {
      json stations = json::array();
      for (auto [h, rate] : l.wifi_stations) stations.push_back({{"host", pf.hosts[h].name}, {"rate_Bps", rate}});
      lj["wifi"] = {{"stations", stations}, {"radio_idle_w", l.wifi_idle_w}, {"radio_tx_w", l.wifi_tx_w},
                    {"radio_rx_w", l.wifi_rx_w}, {"control_duration", l.wifi_control}};
    }
    links.push_back(lj);
    link_warnings(l, warnings);
  }
  return links;
}

// One pair's route and its effective rate: one flow of kReportProbeBytes alone on it, and optionally the time of
// `bytes` (a data source's data).
json rate_json(const PlatformView& pf, const std::string& kind, const std::string& from, const std::string& to, std::size_t a,
               std::size_t b, double bytes) {
  json r{{"kind", kind}, {"from", from}, {"to", to}, {"src_host", pf.hosts[a].name}, {"dst_host", pf.hosts[b].name}};
  if (!pf.has_route(a, b)) {  // (a != b: sources and the controller are never training hosts, clusters never overlap)
    r["error"] = "no route";
    return r;
  }
  const RouteView& route = pf.route(a, b);
  json names = json::array();
  double bottleneck = std::numeric_limits<double>::infinity();
  for (std::size_t k = 0; k < route.links.size(); ++k) {
    const LinkView& l = pf.links[route.links[k]];
    names.push_back(l.name);
    // A Wi-Fi cell's air limits a flow to its station's rate (the source's where the route begins there, the
    // destination's where it ends there).
    const double rate = !l.wifi ? l.bandwidth : k == 0 && l.wifi_rate(a) > 0 ? l.wifi_rate(a) : l.wifi_rate(b);
    if (rate > 0) bottleneck = std::min(bottleneck, rate);
  }
  r["links"] = names;
  r["latency_s"] = route.latency;
  r["bottleneck_Bps"] = route.links.empty() ? json(nullptr) : json(bottleneck);
  const FlowOutcome probe = simulate_flows(pf, {Flow{a, b, kReportProbeBytes}});
  r["rate_Bps"] = probe.makespan > 0 ? json(kReportProbeBytes / probe.makespan) : json(nullptr);
  r["bytes"] = bytes;
  r["seconds"] = bytes > 0 ? simulate_flows(pf, {Flow{a, b, bytes}}).makespan : 0.0;
  return r;
}

json clusters_json(const PlatformView& pf, const Scenario& sc) {
  json clusters = json::array();
  for (std::size_t c = 0; c < sc.clusters.size() && c < pf.cluster_hosts.size(); ++c) {
    const auto& members = pf.cluster_hosts[c];
    json hosts = json::array();
    for (auto h : members) hosts.push_back(pf.hosts[h].name);
    json excluded = json::array();
    for (std::size_t h = 0; h < pf.hosts.size(); ++h) {
      if (!pf.hosts[h].in_zone(sc.clusters[c].zone) || std::find(members.begin(), members.end(), h) != members.end()) continue;
      std::string reason = "not a training host";
      if (pf.hosts[h].name == sc.controller) reason = "the scenario's controller";
      for (const auto& d : sc.data_sources)
        if (pf.hosts[h].name == d.host) reason = fmt::format("the host of data source '{}'", d.name);
      excluded.push_back({{"host", pf.hosts[h].name}, {"reason", reason}});
    }
    clusters.push_back({{"name", sc.clusters[c].name}, {"zone", sc.clusters[c].zone}, {"hosts", hosts},
                        {"pstates", pf.common_pstates(members)}, {"excluded", excluded}});
  }
  return clusters;
}

json rates_json(const PlatformView& pf, const Scenario& sc) {
  json rates = json::array();
  const auto controller = pf.host_index(sc.controller);
  for (std::size_t c = 0; c < sc.clusters.size() && c < pf.cluster_hosts.size(); ++c) {
    if (pf.cluster_hosts[c].empty()) continue;
    const std::size_t first = pf.cluster_hosts[c].front();
    for (const auto& d : sc.data_sources)
      if (auto h = pf.host_index(d.host))
        rates.push_back(rate_json(pf, "source-cluster", d.name, sc.clusters[c].name, *h, first,
                                  static_cast<double>(d.samples) * d.sample_bytes));
    if (controller) rates.push_back(rate_json(pf, "controller-cluster", "controller", sc.clusters[c].name, *controller, first, 0.0));
    for (std::size_t o = 0; o < sc.clusters.size() && o < pf.cluster_hosts.size(); ++o)
      if (o != c && !pf.cluster_hosts[o].empty())
        rates.push_back(rate_json(pf, "cluster-cluster", sc.clusters[c].name, sc.clusters[o].name, first,
                                  pf.cluster_hosts[o].front(), 0.0));
  }
  return rates;
}

json scenario_json(const PlatformView& pf, const Scenario& sc) {
  json sources = json::array();
  for (const auto& d : sc.data_sources)
    sources.push_back({{"name", d.name}, {"host", d.host}, {"samples", d.samples},
                       {"bytes", static_cast<double>(d.samples) * d.sample_bytes}});
  return {{"file", sc.path}, {"name", sc.name}, {"controller", sc.controller}, {"clusters", clusters_json(pf, sc)},
          {"data_sources", sources}, {"rate_probe_bytes", kReportProbeBytes}, {"rates", rates_json(pf, sc)}};
}

// Text: the platform's hosts and links as aligned rows.
void hosts_text(const json& r, std::string& out) {
  out += fmt::format("hosts ({}): name, zone, cores; per power state: flop/s per core (in all), watts idle / epsilon / all cores; "
                     "off; memory per core\n", r["hosts"].size());
  for (const auto& h : r["hosts"]) {
    out += fmt::format("  {}  zone {}  {} core{}", h["name"].get<std::string>(), h["zone"].get<std::string>(), h["cores"].get<int>(),
                       h["cores"].get<int>() == 1 ? "" : "s");
    for (const auto& p : h["pstates"])
      out += fmt::format("  | p{}: {}f/s ({}f/s), {} / {} / {} W", p["pstate"].get<int>(), si(p["flops_per_core"].get<double>()),
                         si(p["flops"].get<double>()), p["idle_w"].get<double>(), p["epsilon_w"].get<double>(),
                         p["all_cores_w"].get<double>());
    out += fmt::format("  | off {} W  | memory {}", h["off_w"].get<double>(),
                       h["memory_bytes"].is_null() ? std::string("not declared") : si(h["memory_bytes"].get<double>()) + "B");
    // Only where declared: dense kernels (0) are the default.
    if (const double e = h["sparse_efficiency"].get<double>(); e > 0) out += fmt::format("  | sparse efficiency {}", e);
    if (const double w = h["transmit_w"].get<double>(); w > 0) out += fmt::format("  | transmit {} W", w);
    if (const double o = h["iteration_overhead_s"].get<double>(); o > 0) out += fmt::format("  | {} s per iteration", o);
    out += "\n";
  }
  out += fmt::format("links ({}): name, bandwidth, latency, sharing, watts idle / busy, class\n", r["links"].size());
  for (const auto& l : r["links"]) {
    if (l.contains("wifi")) {
      const json& w = l["wifi"];
      std::string stations;
      for (const auto& st : w["stations"])
        stations += fmt::format("{}{} {}b/s", stations.empty() ? "" : ", ", st["host"].get<std::string>(),
                                si(st["rate_Bps"].get<double>() * 8));
      out += fmt::format("  {}  Wi-Fi cell air (SimGrid WIFI): stations {}; radios {} / {} / {} W idle / sending / receiving, "
                         "beacons {}; the cell {:.6g} / {:.6g} W at no / full air time  {}\n",
                         l["name"].get<std::string>(), stations.empty() ? std::string("none") : stations,
                         w["radio_idle_w"].get<double>(), w["radio_tx_w"].get<double>(), w["radio_rx_w"].get<double>(),
                         w["control_duration"].get<double>(), l["idle_w"].get<double>(), l["busy_w"].get<double>(),
                         l["class"].is_null() ? std::string("-") : l["class"].get<std::string>());
      continue;
    }
    out += fmt::format("  {}  {}B/s ({}b/s)  {}  {}  {} / {} W  {}\n", l["name"].get<std::string>(), si(l["bandwidth_Bps"].get<double>()),
                       si(l["bandwidth_Bps"].get<double>() * 8), seconds(l["latency_s"].get<double>()),
                       l["sharing"].get<std::string>(), l["idle_w"].get<double>(), l["busy_w"].get<double>(),
                       l["class"].is_null() ? std::string("-") : l["class"].get<std::string>());
  }
}

std::string rate_text(const json& x) {
  if (x.contains("error")) return "NO ROUTE";
  std::string s = x["rate_Bps"].is_null() ? std::string("no rate") : fmt::format("{}B/s", si(x["rate_Bps"].get<double>()));
  s += fmt::format(" over {} link{}, latency {}", x["links"].size(), x["links"].size() == 1 ? "" : "s",
                   seconds(x["latency_s"].get<double>()));
  if (!x["bottleneck_Bps"].is_null()) s += fmt::format(", narrowest {}B/s", si(x["bottleneck_Bps"].get<double>()));
  if (x["bytes"].get<double>() > 0)
    s += fmt::format("; its {}B alone: {}", si(x["bytes"].get<double>()), seconds(x["seconds"].get<double>()));
  return s;
}

void scenario_text(const json& s, std::string& out) {
  out += fmt::format("scenario {} ('{}'): controller {}\n", s["file"].get<std::string>(), s["name"].get<std::string>(),
                     s["controller"].get<std::string>());
  for (const auto& c : s["clusters"]) {
    std::string hosts;
    for (const auto& h : c["hosts"]) hosts += (hosts.empty() ? "" : ", ") + h.get<std::string>();
    out += fmt::format("  cluster {} (zone {}), {} power states; hosts in the order plans use them (fastest first): {}\n",
                       c["name"].get<std::string>(), c["zone"].get<std::string>(), c["pstates"].get<std::size_t>(), hosts);
    for (const auto& e : c["excluded"])
      out += fmt::format("    left out: {} ({})\n", e["host"].get<std::string>(), e["reason"].get<std::string>());
  }
  for (const auto& d : s["data_sources"])
    out += fmt::format("  data source {} on {}: {} samples, {}B\n", d["name"].get<std::string>(), d["host"].get<std::string>(),
                       d["samples"].get<long long>(), si(d["bytes"].get<double>()));
  out += fmt::format("routes (from a host to a cluster's first node; effective rate: one {}B flow alone under SimGrid's network model):\n",
                     si(s["rate_probe_bytes"].get<double>()));
  for (const auto& x : s["rates"])
    out += fmt::format("  {} -> {} ({} -> {}): {}\n", x["from"].get<std::string>(), x["to"].get<std::string>(),
                       x["src_host"].get<std::string>(), x["dst_host"].get<std::string>(), rate_text(x));
}

} // namespace

json platform_report(const PlatformView& pf, const Scenario* sc) {
  json warnings = json::array();
  json r;
  r["file"] = pf.file;
  r["simgrid_version"] = pf.simgrid_version;
  r["network"] = {{"model", pf.network.model}, {"latency_factor", pf.network.latency_factor},
                  {"bandwidth_factor", pf.network.bandwidth_factor}, {"tcp_gamma", pf.network.tcp_gamma},
                  {"crosstraffic", pf.network.crosstraffic}};
  r["zones"] = pf.zones;
  r["hosts"] = hosts_json(pf, warnings);
  r["links"] = links_json(pf, warnings);
  r["scenario"] = sc != nullptr ? scenario_json(pf, *sc) : json(nullptr);
  r["warnings"] = warnings;
  return r;
}

std::string platform_report_text(const json& r) {
  const auto& n = r["network"];
  std::string out = fmt::format("platform {} (SimGrid {}; network model {}: latency x {}, bandwidth x {}, TCP gamma {} B, cross-traffic {})\n",
                                r["file"].get<std::string>(), r["simgrid_version"].get<std::string>(), n["model"].get<std::string>(),
                                n["latency_factor"].get<double>(), n["bandwidth_factor"].get<double>(), n["tcp_gamma"].get<double>(),
                                n["crosstraffic"].get<bool>() ? "on" : "off");
  std::string zones;
  for (const auto& z : r["zones"]) zones += (zones.empty() ? "" : ", ") + z.get<std::string>();
  out += fmt::format("zones ({}): {}\n", r["zones"].size(), zones);
  hosts_text(r, out);
  if (!r["scenario"].is_null()) scenario_text(r["scenario"], out);
  for (const auto& w : r["warnings"]) out += "warning: " + w.get<std::string>() + "\n";
  return out;
}

} // namespace deplsim
