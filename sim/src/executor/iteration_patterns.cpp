// Composition by straggler pattern (see iteration_patterns.hpp).
#include "executor/iteration_patterns.hpp"

namespace deplsim::execution {

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

void IterationPatterns::remember(const std::shared_ptr<const IterationWork>& work, const Key& k, Outcome o) {
  const std::size_t n = 2 * (o.hosts.size() + o.links.size()) + 2;
  if (k.layout == kNoLayout || doubles_ + n > kMaxDoubles) return;
  doubles_ += n;
  works_.emplace(work.get(), work);
  o.pending = 0;
  outcomes_.insert_or_assign(k, std::move(o));
}

} // namespace deplsim::execution
