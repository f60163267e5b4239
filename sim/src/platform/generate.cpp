// `deplsim platform generate SPEC.yaml --out FILE.xml` (docs/platforms.md section 6): heterogeneous edge/cloud
// platforms of any size from a short spec — groups of identical clusters (SimGrid <cluster> zones, so that a
// 10,000-host platform stays a few hundred kilobytes and loads fast), a zone of data-source hosts and a
// controller, every zone behind its own SPLITDUPLEX uplink to a core router.
#include "platform/generate.hpp"

#include "deplsim/error.hpp"
#include "platform/xml_check.hpp"
#include "support/yaml_reader.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <regex>
#include <set>
#include <unistd.h>

namespace deplsim {
namespace {

/// The largest file written: what the platform checker reads (kMaxPlatformBytes in xml_check.cpp).
constexpr double kMaxGeneratedBytes = 256.0 * 1024 * 1024;

/// Hosts of one kind inside a heterogeneous cluster (a group's `host_types`).
// What one kind of host is: speed, cores, watts, memory, sparse support.
struct HostKind {
  std::string speed;     // SimGrid speeds, one per power state: "2Gf,1Gf"
  int cores = 1;
  std::string wattage;   // wattage_per_state: "idle:epsilon:all, ..."
  double wattage_off = 0;
  std::string memory;    // SimGrid size per core ("8GB"); empty: not declared
  double sparse_efficiency = 0;  // 0: not declared (dense kernels)
  double transmit_w = 0;         // the host's radio or NIC while it sends; 0: not declared
};

struct HostType {
  int count = 1;
  std::string name;      // pattern: {c} the cluster's index in its group, {i} (or {i:0N}) the host's index in its type
  HostKind kind;
};

/// A SimGrid Wi-Fi cell (docs/platforms.md section 4 item 14) instead of wired links: the air's rates (SimGrid
/// bandwidths, one per level), every station's level, the radios' figures (empty: SimGrid's defaults).
struct WifiSpec {
  bool on = false;
  std::string rates;
  int rate_level = 0;
  std::string watt_values;       // "idle:tx:rx:sleep"
  std::string control_duration;  // a fraction, as written
};

struct Group {
  std::string prefix;
  WifiSpec wifi;
  std::string host_names;       // pattern of a homogeneous cluster's host names: {c}, and {i} once (default PREFIX-n{i})
  std::vector<HostType> types;  // a heterogeneous cluster: explicit hosts of these kinds (then no hosts/speed/...)
  int count = 1;
  int hosts = 1;
  HostKind kind;         // a homogeneous cluster's hosts
  std::string bandwidth = "1Gbps", latency = "100us";
  std::string backbone_bandwidth = "10Gbps", backbone_latency = "100us";
  std::string uplink_bandwidth = "1Gbps", uplink_latency = "5ms";
};

// A zone of data-source hosts. At the core (no site), it reaches every zone through its uplink and theirs; at a
// cluster's site, its uplink joins that cluster's gateway: the site's hosts are one link away, everything else is
// reached through the site's own uplink as well (docs/platforms.md section 6).
struct SourceZone {
  std::string zone = "sensors";
  std::string host_names = "src-{i}";  // {i} or {i:0N}: the host's number, from 1
  std::string site;                    // a cluster's zone id, or "" (the core)
  int count = 1;
  std::string bandwidth = "100Mbps", latency = "1ms";
  std::string uplink_bandwidth = "1Gbps", uplink_latency = "5ms";
  double transmit_w = 0;  // each source's radio while it sends; 0: not declared
  WifiSpec wifi;
  YAML::Node zone_node, site_node;  // where they are written (messages)
};

struct Spec {
  std::vector<Group> groups;
  std::vector<SourceZone> sources{SourceZone{}};
  bool sources_listed = false;  // `sources` written as a list
  std::string controller_speed = "100Gf";
  int controller_cores = 16;
};

// A host-name pattern: letters, digits, '_', '-', '.', and the placeholders {c} and {i} (or {i:0N}, N <= 9).
bool pattern_ok(const std::string& p, bool padded_i) {
  static const std::regex plain("([A-Za-z0-9_.-]|\\{c\\}|\\{i\\})+");
  static const std::regex padded("([A-Za-z0-9_.-]|\\{c\\}|\\{i(:0[1-9])?\\})+");
  return p.size() <= 128 && std::regex_match(p, padded_i ? padded : plain) && p.find("{i") != std::string::npos;
}

// A <cluster> names its hosts PREFIX RADICAL SUFFIX: {i} exactly once, no padding.
bool cluster_pattern_ok(const std::string& p) {
  const auto first = p.find("{i}");
  return pattern_ok(p, false) && first != std::string::npos && p.find("{i}", first + 1) == std::string::npos;
}

// {c} and {i}/{i:0N} replaced.
std::string expand(const std::string& pattern, int c, int i) {
  std::string out;
  for (std::size_t k = 0; k < pattern.size();) {
    if (pattern.compare(k, 3, "{c}") == 0) {
      out += std::to_string(c);
      k += 3;
    } else if (pattern.compare(k, 3, "{i}") == 0) {
      out += std::to_string(i);
      k += 3;
    } else if (pattern.compare(k, 4, "{i:0") == 0 && k + 6 <= pattern.size() && pattern[k + 5] == '}') {
      out += fmt::format("{:0{}}", i, pattern[k + 4] - '0');
      k += 6;
    } else {
      out += pattern[k++];
    }
  }
  return out;
}

// What one kind of host is (a homogeneous group's, or one of `host_types`).
HostKind read_host_kind(yaml::Document& doc, yaml::Map& m) {
  HostKind k;
  k.speed = m.string("speed");
  k.cores = static_cast<int>(std::clamp<long long>(m.integer("cores", 1), -1, 1'000'000));
  if (m.ok("cores") && (k.cores < 1 || k.cores > 4096))
    doc.issue(m.get("cores"), m.key_path("cores"), fmt::format("must be in [1, 4096], got {}", k.cores));
  k.wattage = m.string("wattage_per_state");
  k.wattage_off = m.number("wattage_off", 0.0);
  if (m.ok("wattage_off") && !(k.wattage_off >= 0)) doc.issue(m.get("wattage_off"), m.key_path("wattage_off"), "must be >= 0");
  k.memory = m.string("memory", "");
  double bytes = 0;
  if (m.ok("memory") && !k.memory.empty() && !(parse_size(k.memory, bytes) && bytes > 0))
    doc.issue(m.get("memory"), m.key_path("memory"),
              fmt::format("'{}': expected a positive size per core with a unit, such as 8GB or 40GiB", shown(k.memory)));
  k.sparse_efficiency = m.number("sparse_efficiency", 0.0);
  if (m.ok("sparse_efficiency") && !(k.sparse_efficiency >= 0 && k.sparse_efficiency <= 1))
    doc.issue(m.get("sparse_efficiency"), m.key_path("sparse_efficiency"), "must be in [0, 1]");
  k.transmit_w = m.number("transmit_w", 0.0);
  if (m.ok("transmit_w") && !(k.transmit_w >= 0 && k.transmit_w <= 1e5))
    doc.issue(m.get("transmit_w"), m.key_path("transmit_w"), "must be in [0, 100000] W");
  return k;
}

// A `wifi` mapping: the zone becomes a SimGrid Wi-Fi cell. The keys its wired links would take are refused with it.
WifiSpec read_wifi(yaml::Document& doc, yaml::Map& m, std::initializer_list<const char*> wired_keys) {
  WifiSpec w;
  YAML::Node node = m.get("wifi");
  if (!node.IsDefined() || node.IsNull()) return w;
  w.on = true;
  yaml::Map c(doc, node, m.key_path("wifi"));
  if (!c.valid()) return w;
  w.rates = c.string("rates");
  std::size_t levels = 0;
  if (c.ok("rates")) {
    std::vector<double> rates;
    const bool valid = parse_wifi_bandwidths(w.rates, rates);
    levels = valid ? rates.size() : 1 + static_cast<std::size_t>(std::count_if(w.rates.begin(), w.rates.end(), [](char ch) {
                                         return ch == ',' || ch == ';';
                                       }));
    if (!valid)
      doc.issue(c.get("rates"), c.key_path("rates"),
                fmt::format("'{}': expected the air's rates, one per level, as SimGrid bandwidths separated by commas "
                            "(such as \"54Mbps,36Mbps,24Mbps\")", shown(w.rates)));
  }
  w.rate_level = static_cast<int>(std::clamp<long long>(c.integer("rate_level", 0), -1, 1'000'000));
  if (c.ok("rate_level") && (w.rate_level < 0 || (levels > 0 && static_cast<std::size_t>(w.rate_level) >= levels)))
    doc.issue(c.get("rate_level"), c.key_path("rate_level"),
              fmt::format("must be a level of `rates`, 0..{}, got {}", levels == 0 ? 0 : levels - 1, w.rate_level));
  w.watt_values = c.string("wifi_watt_values", "");
  w.control_duration = c.string("control_duration", "");
  c.reject_unknown_keys();
  for (const char* k : wired_keys)
    if (m.get(k).IsDefined())
      doc.issue(m.get(k), m.key_path(k), "not with wifi (the cell's stations reach its access point over the air, at `wifi.rates`)");
  return w;
}

// A group's `host_types` (a heterogeneous cluster); false when it has none. Such a group takes no hosts, speed,
// cores, wattage or host_names of its own.
bool read_host_types(yaml::Document& doc, yaml::Map& m, Group& g) {
  YAML::Node list = m.get("host_types");
  if (!list.IsDefined() || list.IsNull()) return false;
  if (!list.IsSequence() || list.size() == 0 || list.size() > 1000) {
    doc.issue(list, m.key_path("host_types"), "expected a list of 1 to 1000 host types");
    return true;
  }
  for (const char* k : {"hosts", "speed", "cores", "wattage_per_state", "wattage_off", "memory", "sparse_efficiency", "transmit_w", "host_names",
                        "backbone_bandwidth", "backbone_latency"})
    if (m.get(k).IsDefined())
      doc.issue(m.get(k), m.key_path(k), "not with host_types (each host type gives its own; hosts reach their switch over `bandwidth`)");
  for (std::size_t t = 0; t < list.size(); ++t) {
    yaml::Map h(doc, list[t], m.key_path(fmt::format("host_types.{}", t)));
    if (!h.valid()) continue;
    HostType ht;
    ht.count = static_cast<int>(std::clamp<long long>(h.integer("count", 1), -1, 1'000'000));
    if (h.ok("count") && (ht.count < 1 || ht.count > 100000)) doc.issue(h.get("count"), h.key_path("count"), fmt::format("must be in [1, 100000], got {}", ht.count));
    ht.name = h.string("name");
    if (h.ok("name") && !pattern_ok(ht.name, true))
      doc.issue(h.get("name"), h.key_path("name"),
                fmt::format("'{}': expected letters, digits, '_', '-', '.', with {{i}} or {{i:0N}} (the host's index in its type, "
                            "from 0) and optionally {{c}} (the cluster's index in its group)", shown(ht.name)));
    ht.kind = read_host_kind(doc, h);
    h.reject_unknown_keys();
    g.types.push_back(ht);
  }
  g.hosts = 0;
  for (const auto& ht : g.types) g.hosts += std::max(0, ht.count);
  return true;
}

// One zone of data sources: the `sources` mapping, or an entry of the list (which must name its zone).
SourceZone read_source_zone(yaml::Document& doc, yaml::Map& m, bool listed) {
  static const std::regex zone_ok("[A-Za-z][A-Za-z0-9_-]*");
  SourceZone z;
  if (listed) {
    z.zone = m.string("zone");
    z.host_names = z.zone + "-{i}";
  } else {
    z.zone = m.string("zone", z.zone);
  }
  if (m.ok("zone") && (!std::regex_match(z.zone, zone_ok) || z.zone.size() > 64))
    doc.issue(m.get("zone"), m.key_path("zone"),
              fmt::format("'{}' is not a valid zone name (1 to 64 characters: a letter, then letters, digits, '_', '-')", shown(z.zone)));
  z.host_names = m.string("host_names", z.host_names);
  if (m.ok("host_names") && (!pattern_ok(z.host_names, true) || z.host_names.find("{c}") != std::string::npos))
    doc.issue(m.get("host_names"), m.key_path("host_names"),
              fmt::format("'{}': expected letters, digits, '_', '-', '.', with {{i}} or {{i:0N}} (the source's number, from 1)",
                          shown(z.host_names)));
  z.site = m.string("site", "");
  z.count = static_cast<int>(std::clamp<long long>(m.integer("count", 1), -1, 1'000'000));
  if (m.ok("count") && (z.count < 1 || z.count > 10000)) doc.issue(m.get("count"), m.key_path("count"), fmt::format("must be in [1, 10000], got {}", z.count));
  z.bandwidth = m.string("bandwidth", z.bandwidth);
  z.latency = m.string("latency", z.latency);
  z.uplink_bandwidth = m.string("uplink_bandwidth", z.uplink_bandwidth);
  z.uplink_latency = m.string("uplink_latency", z.uplink_latency);
  z.transmit_w = m.number("transmit_w", 0.0);
  if (m.ok("transmit_w") && !(z.transmit_w >= 0 && z.transmit_w <= 1e5))
    doc.issue(m.get("transmit_w"), m.key_path("transmit_w"), "must be in [0, 100000] W");
  z.wifi = read_wifi(doc, m, {"bandwidth", "latency", "transmit_w"});
  z.zone_node = m.get("zone");
  z.site_node = m.get("site");
  m.reject_unknown_keys();
  return z;
}

// A cluster's zone id: PREFIX when its group has one cluster, else PREFIX-C.
std::string cluster_id(const Group& g, int c) { return g.count == 1 ? g.prefix : fmt::format("{}-{}", g.prefix, c); }

// Source zones: names unique and not a cluster's or the core's, sites existing clusters, at most 10,000 sources.
void check_source_zones(yaml::Document& doc, const Spec& sp) {
  std::set<std::string> clusters;
  for (const auto& g : sp.groups)
    for (int c = 0; c < g.count && clusters.size() <= 20000; ++c) clusters.insert(cluster_id(g, c));
  std::set<std::string> seen;
  long long count = 0;
  for (std::size_t i = 0; i < sp.sources.size(); ++i) {
    const SourceZone& z = sp.sources[i];
    const std::string key = sp.sources_listed ? fmt::format("sources.{}", i) : "sources";
    const YAML::Node zone_at = z.zone_node.IsDefined() ? z.zone_node : doc.root();
    count += z.count;
    if (z.zone == "core" || clusters.count(z.zone) != 0 || !seen.insert(z.zone).second)
      doc.issue(zone_at, key + ".zone", fmt::format("zone '{}' is already a {}", shown(z.zone),
                                                        z.zone == "core" ? "zone (the controller's)" : clusters.count(z.zone) != 0 ? "cluster" : "source zone"));
    if (!z.site.empty() && clusters.count(z.site) == 0) {
      std::string known;
      int shown_count = 0;
      for (const auto& c : clusters)
        if (shown_count++ < 20) known += fmt::format("{}{}", known.empty() ? "" : ", ", c);
      doc.issue(z.site_node, key + ".site", fmt::format("'{}' is not a cluster of this spec (clusters: {}{})", shown(z.site), known,
                                                        clusters.size() > 20 ? ", ..." : ""));
    }
  }
  if (count > 10000) doc.issue(doc.root(), "sources", fmt::format("{} sources in all: more than 10,000", count));
}

Spec read_spec(const std::string& path) {
  yaml::Document doc = yaml::Document::load_file(path);
  Spec sp;
  yaml::Map top(doc, doc.root(), "");
  static const std::regex name_ok("[A-Za-z][A-Za-z0-9_-]*");
  if (top.valid()) {
    YAML::Node list = top.require("clusters");
    if (list.IsDefined() && !list.IsNull()) {
      if (!list.IsSequence() || list.size() == 0) doc.issue(list, "clusters", "expected a non-empty list");
      for (std::size_t i = 0; list.IsSequence() && i < list.size(); ++i) {
        yaml::Map m(doc, list[i], fmt::format("clusters.{}", i));
        if (!m.valid()) continue;
        Group g;
        g.prefix = m.string("prefix");
        if (m.ok("prefix") && (!std::regex_match(g.prefix, name_ok) || g.prefix.size() > 64))
          doc.issue(m.get("prefix"), m.key_path("prefix"),
                    fmt::format("'{}' is not a valid prefix (1 to 64 characters: a letter, then letters, digits, '_', '-')", shown(g.prefix)));
        g.count = static_cast<int>(std::clamp<long long>(m.integer("count", 1), -1, 1'000'000));
        if (m.ok("count") && (g.count < 1 || g.count > 100000)) doc.issue(m.get("count"), m.key_path("count"), fmt::format("must be in [1, 100000], got {}", g.count));
        g.wifi = read_wifi(doc, m, {"bandwidth", "latency", "backbone_bandwidth", "backbone_latency", "transmit_w", "host_types"});
        if (g.wifi.on || !read_host_types(doc, m, g)) {  // a homogeneous cluster: its hosts' kind and names, its backbone
          g.host_names = m.string("host_names", "");
          if (m.ok("host_names") && !g.host_names.empty() && !cluster_pattern_ok(g.host_names))
            doc.issue(m.get("host_names"), m.key_path("host_names"),
                      fmt::format("'{}': expected letters, digits, '_', '-', '.', with {{i}} exactly once (the host's index) and "
                                  "optionally {{c}} (the cluster's index in its group)", shown(g.host_names)));
          g.hosts = static_cast<int>(std::clamp<long long>(m.integer("hosts"), -1, 1'000'000));
          if (m.ok("hosts") && (g.hosts < 1 || g.hosts > 100000)) doc.issue(m.get("hosts"), m.key_path("hosts"), fmt::format("must be in [1, 100000], got {}", g.hosts));
          g.kind = read_host_kind(doc, m);
          g.backbone_bandwidth = m.string("backbone_bandwidth", g.backbone_bandwidth);
          g.backbone_latency = m.string("backbone_latency", g.backbone_latency);
        }
        g.bandwidth = m.string("bandwidth", g.bandwidth);
        g.latency = m.string("latency", g.latency);
        g.uplink_bandwidth = m.string("uplink_bandwidth", g.uplink_bandwidth);
        g.uplink_latency = m.string("uplink_latency", g.uplink_latency);
        m.reject_unknown_keys();
        sp.groups.push_back(g);
      }
    }
    YAML::Node src = top.get("sources");
    if (src.IsDefined() && !src.IsNull()) {
      if (src.IsSequence()) {
        sp.sources.clear();
        sp.sources_listed = true;
        if (src.size() == 0 || src.size() > 1000) doc.issue(src, "sources", "expected a mapping, or a list of 1 to 1000 source zones");
        for (std::size_t i = 0; i < src.size() && i < 1000; ++i) {
          yaml::Map m(doc, src[i], fmt::format("sources.{}", i));
          if (m.valid()) sp.sources.push_back(read_source_zone(doc, m, true));
        }
      } else if (!src.IsMap()) {
        doc.issue(src, "sources", "expected a mapping (one zone of sources), or a list of source zones");
      } else {
        yaml::Map m(doc, src, "sources");
        if (m.valid()) sp.sources = {read_source_zone(doc, m, false)};
      }
    }
    YAML::Node ctl = top.get("controller");
    if (ctl.IsDefined() && !ctl.IsNull()) {
      yaml::Map m(doc, ctl, "controller");
      if (m.valid()) {
        sp.controller_speed = m.string("speed", sp.controller_speed);
        sp.controller_cores = static_cast<int>(std::clamp<long long>(m.integer("cores", 16), -1, 1'000'000));
        if (m.ok("cores") && (sp.controller_cores < 1 || sp.controller_cores > 4096))
          doc.issue(m.get("cores"), "controller.cores", fmt::format("must be in [1, 4096], got {}", sp.controller_cores));
        m.reject_unknown_keys();
      }
    }
    top.reject_unknown_keys();
  }
  long long hosts = 0;
  for (const auto& g : sp.groups) hosts += static_cast<long long>(g.count) * g.hosts;
  if (hosts > 250'000) doc.issue(doc.root(), "clusters", fmt::format("{} hosts: more than 250,000", hosts));
  long long zones = 0;
  for (const auto& g : sp.groups) zones += g.count;
  if (zones > 20000) doc.issue(doc.root(), "clusters", fmt::format("{} clusters: more than 20,000", zones));
  doc.throw_if_issues();
  check_source_zones(doc, sp);
  doc.throw_if_issues();
  return sp;
}

std::string attr(const std::string& s) {
  std::string out;
  for (char c : s) {
    if (c == '"') out += "&quot;";
    else if (c == '&') out += "&amp;";
    else if (c == '<') out += "&lt;";
    else out += c;
  }
  return out;
}

// A kind's optional properties, memory, sparse support and radio, and a link's class (docs/platforms.md).
std::string optional_props(const HostKind& k) {
  std::string out;
  if (!k.memory.empty()) out += fmt::format("<prop id=\"memory\" value=\"{}\"/>", attr(k.memory));
  if (k.sparse_efficiency > 0) out += fmt::format("<prop id=\"sparse_efficiency\" value=\"{}\"/>", k.sparse_efficiency);
  if (k.transmit_w > 0) out += fmt::format("<prop id=\"transmit_w\" value=\"{}\"/>", k.transmit_w);
  return out;
}
std::string class_prop(const char* cls) { return fmt::format("<prop id=\"class\" value=\"{}\"/>", cls); }

// A heterogeneous cluster: a Floyd zone of explicit hosts (each host type's), each behind its own SPLITDUPLEX link
// to the zone's router ID-gw; Floyd joins those host-to-router routes into host-to-host ones.
std::string heterogeneous_zone(const Group& g, const std::string& id, int c) {
  std::string x = fmt::format("    <zone id=\"{}\" routing=\"Floyd\">\n", attr(id));
  std::vector<std::string> names;
  for (const auto& t : g.types)
    for (int i = 0; i < t.count; ++i) {
      names.push_back(expand(t.name, c, i));
      x += fmt::format("      <host id=\"{}\" speed=\"{}\" core=\"{}\"><prop id=\"wattage_per_state\" value=\"{}\"/><prop id=\"wattage_off\" "
                       "value=\"{}\"/>{}</host>\n",
                       attr(names.back()), attr(t.kind.speed), t.kind.cores, attr(t.kind.wattage), t.kind.wattage_off,
                       optional_props(t.kind));
    }
  x += fmt::format("      <router id=\"{}-gw\"/>\n", attr(id));
  for (const auto& n : names)
    x += fmt::format("      <link id=\"{}-link\" bandwidth=\"{}\" latency=\"{}\" sharing_policy=\"SPLITDUPLEX\">{}</link>\n", attr(n),
                     attr(g.bandwidth), attr(g.latency), class_prop("host"));
  for (const auto& n : names)
    x += fmt::format("      <route src=\"{0}\" dst=\"{1}-gw\"><link_ctn id=\"{0}-link\" direction=\"UP\"/></route>\n", attr(n), attr(id));
  x += "    </zone>\n";
  return x;
}

// A Wi-Fi cell: stations (each `<host .../>` given whole, its closing tag left open for the rate level), the air
// ID-air, the access point ID-gw (the zone's gateway to the others, like a wired zone's router).
std::string wifi_zone(const std::string& id, const std::vector<std::string>& hosts, const WifiSpec& w) {
  std::string x = fmt::format("    <zone id=\"{0}\" routing=\"Wifi\">\n      <prop id=\"access_point\" value=\"{0}-gw\"/>\n", attr(id));
  const std::string level = w.rate_level > 0 ? fmt::format("<prop id=\"wifi_rate_level\" value=\"{}\"/>", w.rate_level) : "";
  for (const auto& h : hosts) x += "      " + h + level + "</host>\n";
  x += fmt::format("      <link id=\"{}-air\" bandwidth=\"{}\" latency=\"0\" sharing_policy=\"WIFI\">", attr(id), attr(w.rates));
  if (!w.watt_values.empty()) x += fmt::format("<prop id=\"wifi_watt_values\" value=\"{}\"/>", attr(w.watt_values));
  if (!w.control_duration.empty()) x += fmt::format("<prop id=\"control_duration\" value=\"{}\"/>", attr(w.control_duration));
  x += fmt::format("</link>\n      <router id=\"{}-gw\"/>\n    </zone>\n", attr(id));
  return x;
}

// A homogeneous cluster as a Wi-Fi cell: its hosts are the stations.
std::string wifi_cluster(const Group& g, const std::string& id, int c) {
  const std::string pattern = g.host_names.empty() ? id + "-n{i}" : g.host_names;
  std::vector<std::string> hosts;
  for (int i = 0; i < g.hosts; ++i)
    hosts.push_back(fmt::format("<host id=\"{}\" speed=\"{}\" core=\"{}\"><prop id=\"wattage_per_state\" value=\"{}\"/>"
                                "<prop id=\"wattage_off\" value=\"{}\"/>{}",
                                attr(expand(pattern, c, i)), attr(g.kind.speed), g.kind.cores, attr(g.kind.wattage),
                                g.kind.wattage_off, optional_props(g.kind)));
  return wifi_zone(id, hosts, g.wifi);
}

// A zone of data sources: its hosts, each behind its own link to the zone's router ZONE-gw (or stations of a cell).
std::string source_zone(const SourceZone& z) {
  if (z.wifi.on) {
    std::vector<std::string> hosts;
    for (int s = 0; s < z.count; ++s)
      hosts.push_back(fmt::format("<host id=\"{}\" speed=\"1Gf\" core=\"1\"><prop id=\"wattage_per_state\" value=\"1:1:2\"/>",
                                  attr(expand(z.host_names, 0, s + 1))));
    return wifi_zone(z.zone, hosts, z.wifi);
  }
  std::string x;
  x += fmt::format("    <zone id=\"{}\" routing=\"Full\">\n", attr(z.zone));
  std::vector<std::string> names;
  for (int s = 0; s < z.count; ++s) {
    names.push_back(expand(z.host_names, 0, s + 1));
    x += fmt::format("      <host id=\"{}\" speed=\"1Gf\" core=\"1\"><prop id=\"wattage_per_state\" value=\"1:1:2\"/>{}</host>\n",
                     attr(names.back()), z.transmit_w > 0 ? fmt::format("<prop id=\"transmit_w\" value=\"{}\"/>", z.transmit_w) : "");
  }
  x += fmt::format("      <router id=\"{}-gw\"/>\n", attr(z.zone));
  for (const auto& n : names)
    x += fmt::format("      <link id=\"{}-link\" bandwidth=\"{}\" latency=\"{}\" sharing_policy=\"SPLITDUPLEX\">{}</link>\n", attr(n),
                     attr(z.bandwidth), attr(z.latency), class_prop("source"));
  for (const auto& n : names)
    x += fmt::format("      <route src=\"{0}\" dst=\"{1}-gw\"><link_ctn id=\"{0}-link\" direction=\"UP\"/></route>\n", attr(n), attr(z.zone));
  x += "    </zone>\n";
  return x;
}

// Every pair of zones gets a zoneRoute: the file grows with the square of the clusters. Its size is known before it
// is built; above what the platform checker reads (256 MiB) it is refused here, not after building gigabytes.
void check_generated_size(const std::string& spec_path, const Spec& sp) {
  double zones = 1 + static_cast<double>(sp.sources.size());  // source zones, core
  double widths = 3 * (4 + 3);  // zone + gateway + uplink names of the core, then of each source zone
  double body = 4096;
  double site_links = 0;  // a source zone at a site: its routes to other zones carry the site's uplink too
  for (const auto& z : sp.sources) {
    body += 300.0 * z.count + 600;
    widths += 3 * (static_cast<double>(z.zone.size()) + 3);
    if (!z.site.empty()) site_links += 40 + static_cast<double>(z.site.size());
  }
  for (const auto& g : sp.groups) {
    const double id = static_cast<double>(g.prefix.size()) + (g.count == 1 ? 0 : 1 + std::to_string(g.count - 1).size());
    zones += g.count;
    widths += g.count * (3 * id + 6);
    for (const auto& t : g.types) body += static_cast<double>(g.count) * t.count * (400.0 + 3 * static_cast<double>(t.name.size() + 8));
    body += g.count * (700 + 4 * id + static_cast<double>(g.kind.speed.size() + g.kind.wattage.size() + g.bandwidth.size() + g.latency.size() +
                                                         g.backbone_bandwidth.size() + g.backbone_latency.size() +
                                                         g.uplink_bandwidth.size() + g.uplink_latency.size()));
  }
  const double route = static_cast<double>(fmt::format("    <zoneRoute src=\"\" dst=\"\" gw_src=\"\" gw_dst=\"\"><link_ctn id=\"\" "
                                                       "direction=\"UP\"/><link_ctn id=\"\" direction=\"DOWN\"/></zoneRoute>\n")
                                               .size());
  const double bytes = body + zones * (zones - 1) / 2 * route + (zones - 1) * widths + zones * site_links;
  if (bytes > kMaxGeneratedBytes)
    throw InputError(InputIssue{spec_path, 0, 0, "clusters",
                                fmt::format("{:.0f} zones ({:.0f} clusters, {}, core) need {:.0f} zone routes, one per pair: "
                                            "a platform file of about {:.0f} MiB, above the {:.0f} MiB a platform may have; use "
                                            "fewer, larger clusters (about 1,500 zones fit)",
                                            zones, zones - 1 - static_cast<double>(sp.sources.size()),
                                            sp.sources.size() == 1 ? sp.sources.front().zone : fmt::format("{} source zones", sp.sources.size()),
                                            zones * (zones - 1) / 2, bytes / 1048576.0, kMaxGeneratedBytes / 1048576.0)});
}

} // namespace

int generate_platform(const std::string& spec_path, const std::string& out_path) {
  const Spec sp = read_spec(spec_path);
  check_generated_size(spec_path, sp);
  std::string x = "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n";
  x += fmt::format("<!-- generated by `deplsim platform generate {}` (docs/platforms.md section 6) -->\n", attr(std::filesystem::path(spec_path).filename().string()));
  x += "<platform version=\"4.1\">\n  <zone id=\"world\" routing=\"Full\">\n";
  std::vector<std::string> zones;
  std::vector<std::string> gateways;
  std::vector<std::string> uplinks;
  for (const auto& g : sp.groups)
    for (int c = 0; c < g.count; ++c) {
      const std::string id = cluster_id(g, c);
      if (g.wifi.on) {
        x += wifi_cluster(g, id, c);
      } else if (!g.types.empty()) {
        x += heterogeneous_zone(g, id, c);
      } else {
        // Host names PREFIX RADICAL SUFFIX: the pattern's text around {i} ({c} expanded), or ID-n{i}.
        const std::string pattern = g.host_names.empty() ? id + "-n{i}" : g.host_names;
        const auto at = pattern.find("{i}");
        x += fmt::format("    <cluster id=\"{0}\" prefix=\"{8}\" suffix=\"{9}\" radical=\"0-{1}\" speed=\"{2}\" core=\"{3}\" bw=\"{4}\" "
                         "lat=\"{5}\" bb_bw=\"{6}\" bb_lat=\"{7}\" sharing_policy=\"SPLITDUPLEX\" router_id=\"{0}-gw\">\n",
                         attr(id), g.hosts - 1, attr(g.kind.speed), g.kind.cores, attr(g.bandwidth), attr(g.latency), attr(g.backbone_bandwidth),
                         attr(g.backbone_latency), attr(expand(pattern.substr(0, at), c, 0)), attr(expand(pattern.substr(at + 3), c, 0)));
        x += fmt::format("      <prop id=\"wattage_per_state\" value=\"{}\"/>\n      <prop id=\"wattage_off\" value=\"{}\"/>\n", attr(g.kind.wattage),
                         g.kind.wattage_off);
        if (const std::string props = optional_props(g.kind); !props.empty()) x += "      " + props + "\n";
        x += "    </cluster>\n";
      }
      zones.push_back(id);
      gateways.push_back(id + "-gw");
      uplinks.push_back(id + "-up");
      x += fmt::format("    <link id=\"{}-up\" bandwidth=\"{}\" latency=\"{}\" sharing_policy=\"SPLITDUPLEX\">{}</link>\n", attr(id),
                       attr(g.uplink_bandwidth), attr(g.uplink_latency), class_prop("uplink"));
    }
  // Data sources, each zone behind an uplink (to the core, or to its site's gateway), and the controller.
  std::vector<std::size_t> site_of(zones.size(), std::string::npos);  // per zone: the zone whose gateway it hangs from
  for (const auto& z : sp.sources) {
    x += source_zone(z);
    site_of.push_back(z.site.empty() ? std::string::npos
                                     : static_cast<std::size_t>(std::find(zones.begin(), zones.end(), z.site) - zones.begin()));
    zones.push_back(z.zone);
    gateways.push_back(z.zone + "-gw");
    uplinks.push_back(z.zone + "-up");
    x += fmt::format("    <link id=\"{}-up\" bandwidth=\"{}\" latency=\"{}\" sharing_policy=\"SPLITDUPLEX\">{}</link>\n", attr(z.zone),
                     attr(z.uplink_bandwidth), attr(z.uplink_latency), class_prop("uplink"));
  }
  x += fmt::format("    <zone id=\"core\" routing=\"Full\">\n      <host id=\"controller\" speed=\"{}\" core=\"{}\"><prop id=\"wattage_per_state\" "
                   "value=\"100:100:250\"/></host>\n      <router id=\"core-gw\"/>\n      <link id=\"controller-link\" bandwidth=\"10Gbps\" "
                   "latency=\"100us\" sharing_policy=\"SPLITDUPLEX\">{}</link>\n      <route src=\"controller\" dst=\"core-gw\"><link_ctn "
                   "id=\"controller-link\" direction=\"UP\"/></route>\n    </zone>\n",
                   attr(sp.controller_speed), sp.controller_cores, class_prop("controller"));
  zones.push_back("core");
  gateways.push_back("core-gw");
  uplinks.push_back("core-up");
  site_of.push_back(std::string::npos);
  x += "    <link id=\"core-up\" bandwidth=\"10Gbps\" latency=\"1ms\" sharing_policy=\"SPLITDUPLEX\">" + class_prop("uplink") +
       "</link>\n";
  // Every pair of zones: up the first's uplinks to the core (its own, then its site's), down the second's; the
  // uplinks both share (a site's, or a source zone's to its own site) are left out: the route turns at that gateway.
  const auto to_core = [&](std::size_t z) {
    std::vector<std::size_t> up{z};
    if (site_of[z] != std::string::npos) up.push_back(site_of[z]);
    return up;
  };
  for (std::size_t i = 0; i < zones.size(); ++i)
    for (std::size_t j = i + 1; j < zones.size(); ++j) {
      std::vector<std::size_t> a = to_core(i), b = to_core(j);
      while (!a.empty() && !b.empty() && a.back() == b.back()) {
        a.pop_back();
        b.pop_back();
      }
      if (a.empty() && b.empty()) continue;  // cannot happen: two zones never share every uplink
      std::string links;
      for (const std::size_t z : a) links += fmt::format("<link_ctn id=\"{}\" direction=\"UP\"/>", attr(uplinks[z]));
      for (auto it = b.rbegin(); it != b.rend(); ++it) links += fmt::format("<link_ctn id=\"{}\" direction=\"DOWN\"/>", attr(uplinks[*it]));
      x += fmt::format("    <zoneRoute src=\"{}\" dst=\"{}\" gw_src=\"{}\" gw_dst=\"{}\">{}</zoneRoute>\n", attr(zones[i]), attr(zones[j]),
                       attr(gateways[i]), attr(gateways[j]), links);
    }
  x += "  </zone>\n</platform>\n";
  // Written atomically, then checked like any platform (a bad speed or wattage in the spec shows here).
  const std::filesystem::path out(out_path);
  std::filesystem::path tmp = out;
  tmp += fmt::format(".tmp-{}", getpid());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    f << x;
    f.close();
    if (!f) {
      std::error_code ec;
      std::filesystem::remove(tmp, ec);
      throw InputError(InputIssue{"--out", 0, 0, "", fmt::format("cannot write '{}'", out_path)});
    }
  }
  const auto problems = check_platform_xml(tmp.string());
  if (!problems.empty()) {
    std::error_code ec;
    std::filesystem::remove(tmp, ec);
    std::vector<InputIssue> issues;
    for (auto p : problems) {
      p.file = spec_path;
      p.line = 0;
      p.column = 0;
      p.message = "the generated platform is invalid: " + p.message;
      issues.push_back(p);
    }
    throw InputError(issues);
  }
  std::filesystem::rename(tmp, out);
  long long hosts = 1;
  for (const auto& z : sp.sources) hosts += z.count;
  for (const auto& g : sp.groups) hosts += static_cast<long long>(g.count) * g.hosts;
  fmt::print(stderr, "wrote {}: {} clusters, {} hosts\n", out_path, zones.size() - 1 - sp.sources.size(), hosts);
  return 0;
}

} // namespace deplsim
