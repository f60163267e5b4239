// One epoch of iterations composed by straggler pattern (docs/model.md 4.14, iteration_patterns.hpp): every
// iteration whose (kind, pattern code, meter layout) is remembered is counted, the others run in SimGrid and are
// remembered. The counted iterations are composed before any iteration runs in SimGrid and at the epoch's end, so
// that the order of iterations is kept (a link is charged from its first use, as in plain execution).
#pragma once

#include "executor/activities.hpp"
#include "executor/fault_injection.hpp"
#include "executor/iteration_patterns.hpp"

#include <array>
#include <cstddef>
#include <cstdint>
#include <utility>
#include <vector>

namespace deplsim::execution {

class PatternEpoch {
public:
  /// `activities` counts what runs in SimGrid. The segment's nodes are charged by `meter` from the segment's start.
  PatternEpoch(IterationPatterns& memo, EnergyMeter& meter, Resolved& r, const FaultInjector& faults,
               const SegmentProgram& sp, long long& activities);
  /// Whatever ended the epoch (an exception included), the memo keeps no count of it.
  ~PatternEpoch();
  PatternEpoch(const PatternEpoch&) = delete;
  PatternEpoch& operator=(const PatternEpoch&) = delete;
  /// The epoch's iterations, with its stragglers (sorted by iteration); false when a node failed.
  bool run(const std::vector<Straggle>& straggles);

private:
  IterationPatterns::Key key(const IterationWork* w, std::uint64_t code);
  /// The iterations counted so far: their duration slept, their nodes and links charged what they drew instead of
  /// what they drew asleep.
  void flush();
  /// One iteration run in SimGrid with the stragglers [first, last) slowed down (the counted ones flushed before).
  bool plain(const IterationRun& run, const Straggle* first, const Straggle* last);
  /// One iteration in SimGrid with the stragglers [first, last), remembered under `k`: with the links first used in
  /// it (in order of first use) and what they drew from then on.
  bool simulate(const IterationRun& run, const IterationPatterns::Shape& sh, const IterationPatterns::Key& k, std::uint64_t mask,
                const Straggle* first, const Straggle* last);
  /// `count` iterations of `run`'s kind with the stragglers [first, last). An outcome that first uses links is
  /// composed first of its batch, its links charged from then on.
  bool iterations(const IterationRun& run, const IterationPatterns::Shape& sh, const Straggle* first, const Straggle* last,
                  long long count);

  IterationPatterns& memo_;
  EnergyMeter& meter_;
  Resolved& r_;
  const FaultInjector& faults_;
  const SegmentProgram& sp_;
  long long& activities_;
  std::vector<std::size_t> slot_;  ///< each node's meter index
  std::vector<std::pair<IterationPatterns::Outcome*, const IterationPatterns::Shape*>> touched_;  ///< counted, not composed
  std::size_t layout_size_ = static_cast<std::size_t>(-1);
  std::size_t layout_ = 0;
  /// The outcomes found this epoch, direct-mapped by code (the same few patterns come back all the time).
  std::array<std::pair<IterationPatterns::Key, IterationPatterns::Outcome*>, 64> found_{};
};

} // namespace deplsim::execution
