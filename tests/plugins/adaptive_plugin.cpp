// A test plug-in that exercises the adaptive path (ReplicationPolicy::on_epoch_end): `test-adaptive` plans the
// full network on all data for max_epochs on the first cluster's fastest node, then, per replication, stops as
// soon as the validation loss is below L* - 0.02, and at the first declared switch epoch switches to the
// most-pruned version when the validation loss is still above 1.5 L*. `test-adaptive-bad` revises to a
// cluster that does not exist (the executor must refuse it). Used by tests/cli/adaptive_test.sh only.
#include "deplsim/plugin.hpp"

#include <memory>
#include <optional>

namespace {

using namespace deplsim;

class Policy final : public ReplicationPolicy {
public:
  Policy(const Problem& pb, const Plan& plan, bool bad) : pb_(pb), plan_(plan), bad_(bad) {}
  std::optional<std::vector<Segment>> on_epoch_end(const Observation& o) override {
    const Scenario& sc = pb_.scenario;
    const Segment& first = plan_.segments.front();
    if (bad_ && o.epoch == 2) return std::vector<Segment>{Segment{first.version, "no-such-cluster", 1, 0, 1}};
    if (o.validation_loss <= sc.target.loss - 0.02) return std::vector<Segment>{};  // stop here
    if (!switched_ && !sc.model.switch_epochs.empty() && o.epoch == sc.model.switch_epochs.front() &&
        o.validation_loss > 1.5 * sc.target.loss) {
      const std::size_t pruned = sc.most_pruned_version();
      if (pruned != 0 && sc.switch_declared(0, pruned) != nullptr) {
        switched_ = true;
        return std::vector<Segment>{Segment{sc.model.versions[pruned].name, first.cluster, first.nodes, first.pstate,
                                            first.epochs - o.epoch}};
      }
    }
    return std::nullopt;
  }

private:
  const Problem& pb_;
  Plan plan_;
  bool bad_;
  bool switched_ = false;
};

class Adaptive final : public Orchestrator {
public:
  explicit Adaptive(bool bad) : bad_(bad) {}
  [[nodiscard]] std::string name() const override { return bad_ ? "test-adaptive-bad" : "test-adaptive"; }
  Plan plan(const Problem& pb) override {
    Plan p;
    p.data_sources = pb.all_sources();
    p.segments = {Segment{pb.scenario.model.versions[0].name, pb.scenario.clusters[0].name, 1, 0, pb.scenario.target.max_epochs}};
    return p;
  }
  std::unique_ptr<ReplicationPolicy> start_replication(const Problem& pb, const Plan& plan) override {
    return std::make_unique<Policy>(pb, plan, bad_);
  }

private:
  bool bad_;
};

void register_test(PluginHost& host) {
  host.add("test-adaptive", "test plug-in: stops early and switches from the observed validation loss",
           [] { return std::make_unique<Adaptive>(false); });
  host.add("test-adaptive-bad", "test plug-in: revises to a cluster that does not exist",
           [] { return std::make_unique<Adaptive>(true); });
}

} // namespace

DEPLSIM_PLUGIN("test-adaptive", register_test)
