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
  /// How a kind's nodes, by position in the segment's hosts, fall into classes of interchangeable nodes: the same
  /// host speed at the power state, cores, power figures and radio, and the same threads, flops and overhead in the
  /// kind. Every bucket's collective waits for all nodes, so the iteration's time line depends only on how many
  /// nodes of each class straggle, and each node's draw on its class and whether it straggles.
  struct Shape {
    std::vector<int> class_of;           ///< by position; -1: not a node of the kind (its straggling changes nothing)
    std::vector<std::uint64_t> members;  ///< by class: its positions as a mask
    bool packed = false;                 ///< at most 8 classes: a pattern's code is its straggler count per class;
                                         ///< otherwise each node is its own class and the code is the mask
    bool covered = true;                 ///< every node of the kind is one of the segment's hosts (else: run plain)
  };
  /// What one iteration of a kind and pattern drew, and its duration: per class and straggling or not (2c + s), what
  /// one node drew (NaN where the pattern has none such); on its own links (its flows' routes), by meter index, from
  /// their first use; on the radios.
  struct Outcome {
    double dt = 0.0;
    std::vector<double> draw;
    std::vector<std::pair<std::size_t, double>> links;
    std::vector<sg4::Link*> new_links;  ///< the links first used in it, in order (charged from then on)
    double transmit = 0.0;
    long long pending = 0;             ///< copies to compose at the next flush (PatternEpoch's, zero between epochs)
    std::vector<long long> straggled;  ///< by position: in how many of them the node straggles (likewise)
  };
  struct Key {
    const IterationWork* work = nullptr;
    std::uint64_t code = 0;   ///< the pattern's code (Shape)
    std::size_t layout = 0;   ///< the meter's layout (layout_id)
    bool operator==(const Key& o) const { return work == o.work && code == o.code && layout == o.layout; }
  };

  /// Before an epoch: forgets everything once the memo holds kMaxDoubles figures (its outcomes, and the flows of the
  /// kinds it keeps alive), kMaxKinds kinds (re-plans that differ between replications), or refused an outcome for
  /// want of room, so that its memory stays bounded. (Nothing refers to it between epochs.)
  void start_epoch();
  /// The shape of `work` on the segment's `hosts` (work's nodes run on some of them); computed once per kind.
  const Shape& shape(const std::shared_ptr<const IterationWork>& work, const std::vector<std::size_t>& hosts, const Resolved& r);
  /// The code of a pattern: the straggling positions [first, last) (an epoch's list, straggles()).
  [[nodiscard]] static std::uint64_t code(const Shape& shape, const Straggle* first,
                                          const Straggle* last);
  /// The id of the meter's current layout (its hosts, then its links, in order of first use); kNoLayout once
  /// kMaxLayouts are known.
  std::size_t layout_id(const EnergyMeter& meter);
  /// The remembered outcome for `k`, or null.
  Outcome* find(const Key& k);
  /// Remembers an outcome (`work` is kept alive by shape(), so that its address stays its own); ignored once the
  /// memo holds kMaxDoubles figures (until the next start_epoch()).
  void remember(const Key& k, Outcome o);
  [[nodiscard]] std::size_t size() const { return outcomes_.size(); }

  static constexpr std::size_t kMaxDoubles = std::size_t{1} << 22;  // 32 MiB of readings
  static constexpr std::size_t kMaxLayouts = 4096;
  static constexpr std::size_t kMaxKinds = 64;
  static constexpr std::size_t kNoLayout = static_cast<std::size_t>(-1);  ///< past kMaxLayouts: never remembered

private:
  struct KeyHash {
    std::size_t operator()(const Key& k) const {
      std::uint64_t h = reinterpret_cast<std::uintptr_t>(k.work) * 0x9e3779b97f4a7c15ull;
      h ^= (k.code + 0x632be59bd9b4e019ull + (h << 6) + (h >> 2));
      h ^= (k.layout + 0x85ebca77c2b2ae63ull + (h << 6) + (h >> 2));
      return static_cast<std::size_t>(h);
    }
  };
  std::unordered_map<Key, Outcome, KeyHash> outcomes_;
  std::map<const IterationWork*, std::shared_ptr<const IterationWork>> works_;
  std::map<const IterationWork*, Shape> shapes_;
  std::map<std::vector<const void*>, std::size_t> layouts_;
  std::size_t doubles_ = 0;
  bool refused_ = false;  ///< an outcome found no room since the last clearing
};

} // namespace deplsim::execution
