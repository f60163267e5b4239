// Composition by straggler pattern (docs/model.md 4.14): with stragglers drawn per iteration, an iteration's cost
// depends only on its kind (the IterationWork) and on which of its nodes straggle — every iteration starts with
// every node and link idle and ends when all its activities are done. So each (kind, pattern) is run in SimGrid once
// per process and remembered: its duration and what its own hosts (its nodes), links (its flows' routes) and radios
// drew. Every later iteration with that pattern, in any replication of the same program, is composed from it; every
// other host and link is charged what SimGrid charged it meanwhile (it may go off and on). The readings are by the
// meter's index (hosts and links in order of first use), so an outcome is valid only for a meter with the same hosts
// and links in the same order: its layout, part of the key.
#pragma once

#include "deplsim/cost_model.hpp"
#include "executor/activities.hpp"

#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <unordered_map>
#include <utility>
#include <vector>

namespace deplsim::execution {

class IterationPatterns {
public:
  /// What one iteration of a kind and pattern drew on its own hosts and links, by meter index, and its duration.
  struct Outcome {
    double dt = 0.0;
    std::vector<std::pair<std::size_t, double>> hosts, links;
    double transmit = 0.0;
    long long pending = 0;  ///< copies to compose at the end of the current epoch
  };
  struct Key {
    const IterationWork* work = nullptr;
    std::uint64_t mask = 0;   ///< bit j: node j of the segment straggles
    std::size_t layout = 0;   ///< the meter's layout (layout_id)
    bool operator==(const Key& o) const { return work == o.work && mask == o.mask && layout == o.layout; }
  };

  /// The id of the meter's current layout (its hosts, then its links, in order of first use); kNoLayout once
  /// kMaxLayouts are known.
  std::size_t layout_id(const EnergyMeter& meter);
  /// The remembered outcome for `k`, or null.
  Outcome* find(const Key& k);
  /// Remembers an outcome (keeping `work` alive, so that its address stays its own); ignored once the memo holds
  /// kMaxDoubles figures: later patterns then run in SimGrid every time.
  void remember(const std::shared_ptr<const IterationWork>& work, const Key& k, Outcome o);
  [[nodiscard]] std::size_t size() const { return outcomes_.size(); }

  static constexpr std::size_t kMaxDoubles = std::size_t{1} << 22;  // 32 MiB of readings
  static constexpr std::size_t kMaxLayouts = 4096;
  static constexpr std::size_t kNoLayout = static_cast<std::size_t>(-1);  ///< past kMaxLayouts: never remembered

private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      std::uint64_t h = reinterpret_cast<std::uintptr_t>(k.work) * 0x9e3779b97f4a7c15ull;
      h ^= (k.mask + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2));
      h ^= (k.layout + 0x85ebca77c2b2ae63ull + (h << 6) + (h >> 2));
      return static_cast<std::size_t>(h);
    }
  };
  std::unordered_map<Key, Outcome, KeyHash> outcomes_;
  std::map<const IterationWork*, std::shared_ptr<const IterationWork>> works_;
  std::map<std::vector<const void*>, std::size_t> layouts_;
  std::size_t doubles_ = 0;
};

} // namespace deplsim::execution
