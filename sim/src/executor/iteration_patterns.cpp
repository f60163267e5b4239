// Composition by straggler pattern (see iteration_patterns.hpp).
#include "executor/iteration_patterns.hpp"

#include <algorithm>
#include <string>
#include <tuple>

namespace deplsim::execution {

void IterationPatterns::start_epoch() {
  if (!refused_ && doubles_ < kMaxDoubles && works_.size() < kMaxKinds && layouts_.size() < kMaxLayouts) return;
  outcomes_.clear();
  shapes_.clear();
  works_.clear();
  layouts_.clear();
  doubles_ = 0;
  refused_ = false;
}

const IterationPatterns::Shape& IterationPatterns::shape(const std::shared_ptr<const IterationWork>& work,
                                                         const std::vector<std::size_t>& hosts, const Resolved& r) {
  if (auto it = shapes_.find(work.get()); it != shapes_.end()) return it->second;
  works_.emplace(work.get(), work);
  for (const auto& b : work->buckets)  // what keeping it alive costs: its flows, 3 figures each
    for (const auto& step : b.steps) doubles_ += 3 * step.size();
  using Signature = std::tuple<double, int, std::string, std::string, double, int, double, double, double>;
  std::vector<Signature> classes;
  Shape sh;
  for (std::size_t h : hosts) {
    const auto nd = std::find_if(work->nodes.begin(), work->nodes.end(), [h](const auto& n) { return n.host == h; });
    if (nd == work->nodes.end()) {
      sh.class_of.push_back(-1);
      continue;
    }
    const sg4::Host* host = r.hosts[h];
    auto property = [host](const char* key) {
      const char* v = host->get_property(key);
      return std::string(v == nullptr ? "" : v);
    };
    const Signature sig{host->get_pstate_speed(static_cast<unsigned long>(work->pstate)), host->get_core_count(),
                        property("wattage_per_state"), property("wattage_off"), r.transmit_w[h], nd->threads,
                        nd->forward_flops_per_thread, nd->backward_flops_per_thread, nd->overhead_s};
    auto c = std::find(classes.begin(), classes.end(), sig);
    if (c == classes.end()) c = classes.insert(classes.end(), sig);
    sh.class_of.push_back(static_cast<int>(c - classes.begin()));
  }
  for (const auto& nd : work->nodes)
    if (std::find(hosts.begin(), hosts.end(), nd.host) == hosts.end()) sh.covered = false;
  sh.packed = classes.size() <= 8;
  if (!sh.packed)  // every node its own class
    for (std::size_t j = 0; j < sh.class_of.size(); ++j)
      if (sh.class_of[j] >= 0) sh.class_of[j] = static_cast<int>(j);
  for (std::size_t j = 0; j < sh.class_of.size(); ++j) {
    if (sh.class_of[j] < 0) continue;
    const auto c = static_cast<std::size_t>(sh.class_of[j]);
    if (sh.members.size() <= c) sh.members.resize(c + 1, 0);
    sh.members[c] |= std::uint64_t{1} << j;
  }
  return shapes_.emplace(work.get(), std::move(sh)).first->second;
}

std::uint64_t IterationPatterns::code(const Shape& shape, const Straggle* first,
                                      const Straggle* last) {
  std::uint64_t c = 0;
  for (auto* e = first; e != last; ++e) {
    const int k = shape.class_of[e->second];
    if (k < 0) continue;
    c += shape.packed ? std::uint64_t{1} << (8 * k) : std::uint64_t{1} << e->second;
  }
  return c;
}

std::size_t IterationPatterns::layout_id(const EnergyMeter& meter) {
  std::vector<const void*> layout = meter.layout();
  if (auto it = layouts_.find(layout); it != layouts_.end()) return it->second;
  if (layouts_.size() >= kMaxLayouts) return kNoLayout;  // (re-plans that differ in every replication)
  const std::size_t next = layouts_.size();
  layouts_.emplace(std::move(layout), next);
  return next;
}

IterationPatterns::Outcome* IterationPatterns::find(const Key& k) {
  if (k.layout == kNoLayout) return nullptr;
  auto it = outcomes_.find(k);
  return it == outcomes_.end() ? nullptr : &it->second;
}

void IterationPatterns::remember(const Key& k, Outcome o) {
  const std::size_t n = o.draw.size() + 2 * o.links.size() + o.new_links.size() + o.straggled.size() + 2;
  if (k.layout == kNoLayout) return;
  if (doubles_ + n > kMaxDoubles) {
    refused_ = true;
    return;
  }
  doubles_ += n;
  o.pending = 0;
  outcomes_.insert_or_assign(k, std::move(o));
}

} // namespace deplsim::execution
