#include "random_instance.hpp"

#include "random/rng.hpp"

#include <fmt/format.h>

#include <fstream>
#include <stdexcept>
#include <vector>

namespace deplsim::testing {
namespace {

struct Draw {
  std::uint32_t seed;
  std::uint32_t k = 0;
  double u() { return uniform01({seed, Purpose::evaluation, StreamKind::fault, 0xC0FFEE, k++, 0, 0}); }
  double in(double lo, double hi) { return lo + (hi - lo) * u(); }
  int integer(int lo, int hi) { return lo + static_cast<int>((hi - lo + 1) * u()) % (hi - lo + 1); }
};

void write_file(const std::string& path, const std::string& text) {
  std::ofstream out(path, std::ios::binary);
  out << text;
  if (!out) throw std::runtime_error("cannot write " + path);
}

} // namespace

Instance write_random_instance(std::uint32_t seed, const std::string& dir, const InstanceSize& size) {
  Draw d{seed};
  struct ClusterDraw {
    std::string name;
    int hosts;
    int cores;
    int pstates;
    double speed_gf;
    double idle_w, busy_w;
    double lan_mbps, uplink_mbps;
    double price;
  };
  std::vector<ClusterDraw> clusters;
  const int edges = size.edge_clusters > 0 ? size.edge_clusters : d.integer(2, 3);
  for (int c = 0; c < edges; ++c) {
    ClusterDraw cd;
    cd.name = fmt::format("edge-{}", static_cast<char>('a' + c));
    cd.hosts = d.integer(1, size.max_hosts);
    cd.cores = d.integer(1, 4);
    cd.pstates = d.integer(1, 2);
    cd.speed_gf = d.in(0.5, 4.0);
    cd.idle_w = d.in(1.0, 5.0);
    cd.busy_w = cd.idle_w + d.in(3.0, 15.0);
    cd.lan_mbps = d.in(12.5, 125);
    cd.uplink_mbps = d.in(2, 25);
    cd.price = d.in(0.0001, 0.0005);
    clusters.push_back(cd);
  }
  {
    ClusterDraw cd;
    cd.name = "cloud";
    cd.hosts = d.integer(1, size.max_hosts);
    cd.cores = d.integer(4, 8);
    cd.pstates = d.integer(1, 2);
    cd.speed_gf = d.in(4.0, 10.0);
    cd.idle_w = d.in(20.0, 60.0);
    cd.busy_w = cd.idle_w + d.in(60.0, 200.0);
    cd.lan_mbps = d.in(125, 1250);
    cd.uplink_mbps = d.in(5, 50);
    cd.price = d.in(0.001, 0.004);
    clusters.push_back(cd);
  }
  const int sources = d.integer(2, 3);

  // Platform.
  std::string x = "<?xml version='1.0'?>\n<!DOCTYPE platform SYSTEM \"https://simgrid.org/simgrid.dtd\">\n";
  x += fmt::format("<!-- random small instance {} (tests/support/random_instance.cpp) -->\n", seed);
  x += "<platform version=\"4.1\">\n  <zone id=\"world\" routing=\"Full\">\n";
  auto wattage = [](double idle, double busy, int pstates) {
    std::string s;
    for (int p = 0; p < pstates; ++p) {
      const double f = p == 0 ? 1.0 : 0.6;  // the slower state draws less
      if (p > 0) s += ", ";
      s += fmt::format("{:.4f}:{:.4f}:{:.4f}", idle * (p == 0 ? 1.0 : 0.8), idle * (p == 0 ? 1.0 : 0.8), busy * f);
    }
    return s;
  };
  auto speeds = [](double gf, int pstates) { return pstates == 1 ? fmt::format("{:.4f}Gf", gf) : fmt::format("{:.4f}Gf,{:.4f}Gf", gf, gf * 0.5); };
  auto zone = [&](const std::string& name, const std::vector<std::string>& hosts, const std::vector<std::string>& host_xml, double lan_mbps) {
    std::string z = fmt::format("    <zone id=\"{}\" routing=\"Full\">\n", name);
    for (const auto& h : host_xml) z += h;
    z += fmt::format("      <router id=\"{}-sw\"/>\n", name);
    for (const auto& h : hosts)
      z += fmt::format("      <link id=\"{}-link\" bandwidth=\"{:.4f}MBps\" latency=\"100us\" sharing_policy=\"SPLITDUPLEX\">"
                       "<prop id=\"wattage_range\" value=\"0.5:1.5\"/></link>\n", h, lan_mbps);
    for (const auto& h : hosts)
      z += fmt::format("      <route src=\"{}\" dst=\"{}-sw\"><link_ctn id=\"{}-link\" direction=\"UP\"/></route>\n", h, name, h);
    for (std::size_t i = 0; i < hosts.size(); ++i)
      for (std::size_t j = i + 1; j < hosts.size(); ++j)
        z += fmt::format("      <route src=\"{}\" dst=\"{}\"><link_ctn id=\"{}-link\" direction=\"UP\"/>"
                         "<link_ctn id=\"{}-link\" direction=\"DOWN\"/></route>\n", hosts[i], hosts[j], hosts[i], hosts[j]);
    z += "    </zone>\n";
    return z;
  };
  std::vector<std::string> zones;
  std::vector<double> uplinks;
  for (const auto& c : clusters) {
    std::vector<std::string> hosts, xml;
    for (int h = 0; h < c.hosts; ++h) {
      hosts.push_back(fmt::format("{}-n{}", c.name, h));
      xml.push_back(fmt::format("      <host id=\"{}\" speed=\"{}\" pstate=\"0\" core=\"{}\"><prop id=\"wattage_per_state\" value=\"{}\"/>"
                                "<prop id=\"wattage_off\" value=\"0.5\"/></host>\n",
                                hosts.back(), speeds(c.speed_gf, c.pstates), c.cores, wattage(c.idle_w, c.busy_w, c.pstates)));
    }
    x += zone(c.name, hosts, xml, c.lan_mbps);
    zones.push_back(c.name);
    uplinks.push_back(c.uplink_mbps);
  }
  {
    std::vector<std::string> hosts, xml;
    for (int s = 0; s < sources; ++s) {
      hosts.push_back(fmt::format("src-{}", s + 1));
      xml.push_back(fmt::format("      <host id=\"{}\" speed=\"1Gf\" pstate=\"0\" core=\"1\"><prop id=\"wattage_per_state\" value=\"1:2:2\"/>"
                                "<prop id=\"wattage_off\" value=\"0\"/></host>\n", hosts.back()));
    }
    x += zone("sensors", hosts, xml, 12.5);
    zones.push_back("sensors");
    uplinks.push_back(d.in(2, 12.5));
  }
  x += zone("core", {"controller"},
            {"      <host id=\"controller\" speed=\"1Gf\" pstate=\"0\" core=\"1\"><prop id=\"wattage_per_state\" value=\"2:4:4\"/>"
             "<prop id=\"wattage_off\" value=\"0\"/></host>\n"},
            125);
  zones.push_back("core");
  uplinks.push_back(125);
  for (std::size_t i = 0; i < zones.size(); ++i)
    x += fmt::format("    <link id=\"{}-uplink\" bandwidth=\"{:.4f}MBps\" latency=\"{}ms\" sharing_policy=\"SPLITDUPLEX\">"
                     "<prop id=\"wattage_range\" value=\"2:4\"/></link>\n", zones[i], uplinks[i], 2 + static_cast<int>(8 * d.u()));
  for (std::size_t i = 0; i < zones.size(); ++i)
    for (std::size_t j = i + 1; j < zones.size(); ++j)
      x += fmt::format("    <zoneRoute src=\"{0}\" dst=\"{1}\" gw_src=\"{0}-sw\" gw_dst=\"{1}-sw\"><link_ctn id=\"{0}-uplink\" direction=\"UP\"/>"
                       "<link_ctn id=\"{1}-uplink\" direction=\"DOWN\"/></zoneRoute>\n", zones[i], zones[j]);
  x += "  </zone>\n</platform>\n";

  // Scenario.
  const int kmax = d.integer(size.max_epochs_lo, size.max_epochs_hi);
  const double full_floor = d.in(0.45, 0.6);
  const double flops = d.in(1e6, 6e6);
  const double params = d.in(2e5, 2e6);
  std::string y = fmt::format("# random small instance {} (tests/support/random_instance.cpp)\n", seed);
  y += fmt::format("name: random-{}\nplatform: instance-{}.xml\ncontroller: controller\n", seed, seed);
  // Targets: a loss the full version reaches in about half of K_max on all data, a probability in [0.6, 0.95].
  const double loss = d.in(1.05, 1.6);
  const double prob = d.in(0.6, 0.95);
  y += fmt::format("target:\n  loss: {:.4f}\n  probability: {:.3f}\n", loss, prob);
  const bool deadline = size.deadlines && d.u() < 0.3;
  const double deadline_factor = d.in(0.5, 3.0);
  y += fmt::format("  max_epochs: {}\n", kmax);
  y += fmt::format("objective: {}\n", d.u() < 0.8 ? "energy" : (d.u() < 0.5 ? "time" : "money"));
  y += "clusters:\n";
  for (const auto& c : clusters) y += fmt::format("  - {{name: {0}, zone: {0}, price_per_node_s: {1:.6f}}}\n", c.name, c.price);
  y += "data_sources:\n";
  int total_samples = 0;
  for (int s = 0; s < sources; ++s) {
    const int samples = 500 * d.integer(1, 6);
    total_samples += samples;
    y += fmt::format("  - {{name: cam{}, host: src-{}, samples: {}, sample_bytes: {}}}\n", s + 1, s + 1, samples, d.u() < 0.5 ? 784 : 3072);
  }
  y += "model:\n  name: smallnet\n  batch_size: 64\n  versions:\n";
  y += fmt::format("    - {{name: full, flops_per_sample: {:.6g}, param_bytes: {:.6g}, pruning: 0,\n"
                   "       learning: {{floor: {:.4f}, rate: {:.4f}, shape: 0.8, spread: 0.05, overfit_slope: 0.0002, overfit_start: 25}}}}\n",
                   flops, params, full_floor, d.in(0.12, 0.25));
  y += fmt::format("    - {{name: p50, flops_per_sample: {:.6g}, param_bytes: {:.6g}, pruning: 0.5,\n"
                   "       learning: {{floor: {:.4f}, rate: {:.4f}, shape: 0.8, spread: 0.045, overfit_slope: 0.0001, overfit_start: 25}}}}\n",
                   flops * 0.5, params * 0.5, full_floor + d.in(0.0, 0.05), d.in(0.1, 0.2));
  y += fmt::format("    - {{name: p75, flops_per_sample: {:.6g}, param_bytes: {:.6g}, pruning: 0.75,\n"
                   "       learning: {{floor: {:.4f}, rate: {:.4f}, shape: 0.8, spread: 0.04, overfit_slope: 0.0001, overfit_start: 25}}}}\n",
                   flops * 0.25, params * 0.25, full_floor + d.in(0.03, 0.1), d.in(0.08, 0.18));
  const int s1 = std::max(1, kmax / 4);
  const int s2 = std::max(s1 + 1, kmax / 2);
  y += fmt::format("  switch_epochs: [{}, {}]\n  max_switches: 1\n", s1, s2);
  y += fmt::format("  learning:\n    kind: parametric\n    initial_loss: 2.3\n    reference_samples: {}\n", total_samples);
  y += "    floor_data_exponent: 0.15\n    spread_data_exponent: 0.05\n    overfit_data_exponent: 1\n    rate_spread: 0.1\n"
       "    epoch_noise: 0.02\n    eval_noise: 0.01\n    knowledge_trajectories: 300\n    levels: 50\n    switches:\n";
  y += fmt::format("      - {{from: full, to: p50, jump: 0.01, floor: {:.4f}}}\n", full_floor + 0.01);
  y += fmt::format("      - {{from: full, to: p75, jump: 0.02, floor: {:.4f}}}\n", full_floor + 0.03);
  y += fmt::format("training:\n  sync: {}\n  rounds_per_epoch: {}\n", d.u() < 0.7 ? "ring-allreduce" : "parameter-server", d.integer(1, 4));
  // The deadline (drawn last so that the other draws do not depend on it): a factor of a rough estimate of
  // K_max/2 epochs of the full version on the fastest edge host.
  if (deadline) {
    double fastest = 0;
    for (const auto& c : clusters)
      if (c.name != "cloud") fastest = std::max(fastest, c.speed_gf * c.cores * 1e9);
    const double epoch_s = total_samples * flops / fastest;
    y += fmt::format("# deadline: {:.2f} x ({} epochs of the full version on the fastest edge host)\n", deadline_factor, kmax / 2);
    const auto pos = y.find("  max_epochs:");
    y.insert(pos, fmt::format("  deadline_s: {:.4f}\n", deadline_factor * epoch_s * (kmax / 2)));
  }

  Instance in;
  in.scenario = dir + fmt::format("/instance-{}.yaml", seed);
  in.platform = dir + fmt::format("/instance-{}.xml", seed);
  write_file(in.platform, x);
  write_file(in.scenario, y);
  in.label = fmt::format("random instance {}: {} clusters, {} sources, L* {:.3f}, p* {:.3f}, K_max {}{}", seed, clusters.size(), sources,
                         loss, prob, kmax, deadline ? ", deadline" : "");
  return in;
}

} // namespace deplsim::testing
