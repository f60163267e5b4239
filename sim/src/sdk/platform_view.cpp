// PlatformView: plain data extracted from SimGrid (see platform_probe.cpp), with lookups.
#include "deplsim/platform.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace deplsim {

bool HostView::in_zone(const std::string& zone) const {
  return std::find(zones.begin(), zones.end(), zone) != zones.end();
}

double LinkView::wifi_rate(std::size_t host) const {
  const auto it = std::lower_bound(wifi_stations.begin(), wifi_stations.end(), std::make_pair(host, 0.0),
                                   [](const auto& a, const auto& b) { return a.first < b.first; });
  return it != wifi_stations.end() && it->first == host ? it->second : 0.0;
}

std::optional<std::size_t> PlatformView::host_index(const std::string& name) const {
  auto it = by_name_.find(name);
  if (it == by_name_.end()) return std::nullopt;
  return it->second;
}

const RouteView& PlatformView::route(std::size_t src, std::size_t dst) const {
  auto it = routes_.find(route_key(src, dst));
  if (it == routes_.end())
    throw std::out_of_range("no route extracted from " + hosts.at(src).name + " to " + hosts.at(dst).name);
  return it->second;
}

bool PlatformView::has_route(std::size_t src, std::size_t dst) const { return routes_.contains(route_key(src, dst)); }

void PlatformView::add_route(std::size_t src, std::size_t dst, RouteView r) { routes_[route_key(src, dst)] = std::move(r); }

void PlatformView::index_hosts() {
  by_name_.clear();
  for (std::size_t i = 0; i < hosts.size(); ++i) by_name_[hosts[i].name] = i;
}

std::size_t PlatformView::common_pstates(const std::vector<std::size_t>& hs) const {
  std::size_t n = hs.empty() ? 0 : hosts.at(hs.front()).pstates.size();
  for (auto h : hs) n = std::min(n, hosts.at(h).pstates.size());
  return n;
}

namespace {
// A link's class: its `class` property; SimGrid's own loopback link is "loopback"; any other link without one is
// unclassified.
std::string class_of(const LinkView& l) {
  if (!l.link_class.empty()) return l.link_class;
  if (l.wifi) return PlatformView::kWifiCell;
  return l.name == "__loopback__" ? "loopback" : PlatformView::kUnclassified;
}
} // namespace

std::vector<std::string> PlatformView::link_classes() const {
  std::vector<std::string> out;
  for (const auto& l : links) out.push_back(class_of(l));
  std::sort(out.begin(), out.end());
  out.erase(std::unique(out.begin(), out.end()), out.end());
  return out;
}

std::string PlatformView::link_class_of(std::size_t l) const { return class_of(links.at(l)); }

std::vector<std::size_t> PlatformView::link_class_indices() const {
  const auto classes = link_classes();
  std::vector<std::size_t> out;
  out.reserve(links.size());
  for (const auto& l : links)
    out.push_back(static_cast<std::size_t>(std::lower_bound(classes.begin(), classes.end(), class_of(l)) - classes.begin()));
  return out;
}

} // namespace deplsim
