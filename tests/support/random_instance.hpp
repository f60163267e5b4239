// Seeded random small instances shaped like the paper's (docs/testing-instances in docs/orchestrators.md):
// 2-3 edge clusters and a cloud cluster of 1-3 hosts each, 1-2 power states, heterogeneous speeds, watts and
// links; 2-3 data sources on sensor hosts; full, 50%- and 75%-pruned versions with declared switches; a target
// loss, probability, epoch limit and sometimes a deadline. The same seed writes the same files on every machine
// (counter-based draws, scenario/platform text built without locale or hash-order effects).
#pragma once

#include <cstdint>
#include <string>

namespace deplsim::testing {

struct InstanceSize {
  int max_epochs_lo = 8;    ///< K_max is drawn in [lo, hi]
  int max_epochs_hi = 16;
  int max_hosts = 3;        ///< hosts per cluster drawn in [1, max_hosts]
  int edge_clusters = 0;    ///< 0: drawn in {2, 3}
  bool deadlines = true;    ///< draw a deadline for some instances
};

struct Instance {
  std::string scenario;  ///< path of the scenario YAML
  std::string platform;  ///< path of the platform XML
  std::string label;     ///< one line describing the draw
};

/// Writes `DIR/instance-SEED.yaml` and `DIR/instance-SEED.xml` (DIR must exist) and returns their paths.
Instance write_random_instance(std::uint32_t seed, const std::string& dir, const InstanceSize& size = {});

} // namespace deplsim::testing
