// full-only and pruned-only (docs/model.md 0.9 and 5.1): one version (the full network, or the most-pruned one), all data
// sources, the fewest epochs whose predicted P(L_K <= L*) >= p*, then the cheapest (cluster, nodes, power
// state) within the deadline. Simple anchors for the comparison.
#include "../common/certify.hpp"
#include "../common/search_engine.hpp"
#include "../common/single_version.hpp"
#include "deplsim/orchestrator.hpp"
#include "full_only.hpp"

#include <fmt/format.h>

#include <algorithm>
#include <limits>

namespace deplsim {
namespace {

class SingleVersion final : public Orchestrator {
public:
  SingleVersion(std::string name, bool pruned) : name_(std::move(name)), pruned_(pruned) {}
  [[nodiscard]] std::string name() const override { return name_; }

  Plan plan(const Problem& pb) override {
    if (auto none = insufficient_data(pb, name_)) return *none;
    const std::size_t v = pruned_ ? pb.scenario.most_pruned_version() : 0;
    return certify_best(pb, {Candidate{"its own plan", single_version_plan(pb, v, name_), true}}, name_);
  }

private:
  std::string name_;
  bool pruned_;
};

} // namespace

void register_single_version_orchestrators(OrchestratorRegistry& registry) {
  registry.add("full-only", "the full network on all data, fewest epochs meeting p*, cheapest resources",
               [] { return std::make_unique<SingleVersion>("full-only", false); });
  registry.add("pruned-only", "the most-pruned version on all data, fewest epochs meeting p*, cheapest resources",
               [] { return std::make_unique<SingleVersion>("pruned-only", true); });
}

} // namespace deplsim
