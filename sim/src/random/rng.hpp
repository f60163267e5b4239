/// @file rng.hpp
/// @brief Counter-based random streams (docs/model.md 2): Philox4x32-10 keyed by the seed, with the
/// counter built from (purpose, kind, replication, epoch, variant, index). A draw depends only on its
/// key, never on how many other draws were made before it, so replications, versions and plans share
/// common random numbers, and splitting work across processes changes nothing.
/// Distributions are implemented here (not std::*_distribution, whose output differs between libraries).
#pragma once

#include <array>
#include <cmath>
#include <cstdint>

namespace deplsim {

/// @brief Philox4x32-10 block function (Salmon et al., "Parallel random numbers: as easy as 1, 2, 3", SC'11).
std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> counter,
                                           std::array<std::uint32_t, 2> key);

/// @brief Who a draw is for: the planner's training trajectories, the runs that certify its claims and the evaluation
/// replications never overlap.
enum class Purpose : std::uint8_t { knowledge = 1, evaluation = 2, certification = 3 };

/// @brief What a draw is used for; each kind is an independent stream.
enum class StreamKind : std::uint8_t {
  run_effect_floor = 1, ///< z_r: one per replication, shared by every version and plan
  run_effect_rate = 2,  ///< w_r: one per replication, shared by every version and plan
  epoch_noise = 3,      ///< epsilon_k: per replication and epoch
  eval_validation = 4,  ///< evaluation noise of the validation loss, per replication and epoch
  eval_test = 5,        ///< evaluation noise of the test loss, per replication and epoch
  fault = 6,            ///< faults: per replication, host and draw index
  trace_resample = 7,   ///< which measured trajectory a replication uses (trace profiles)
};

/// @brief The full key of one draw.
struct StreamKey {
  std::uint64_t seed = 0;
  Purpose purpose = Purpose::evaluation;
  StreamKind kind = StreamKind::run_effect_floor;
  std::uint32_t replication = 0;
  std::uint32_t epoch = 0;   ///< 0 where the stream is not per epoch
  std::uint32_t variant = 0; ///< host index for faults; 0 otherwise (limited to 2^16)
  std::uint32_t index = 0;   ///< draw index within the key (faults: successive events)
};

/// @brief Four independent 32-bit words for a key.
std::array<std::uint32_t, 4> random_block(const StreamKey& key);

/// @brief Uniform in the open interval (0, 1), 53-bit resolution, from the key's block.
double uniform01(const StreamKey& key);

/// @brief Two uniforms in (0, 1) from the key's block: its first and second halves (the first equals uniform01).
std::array<double, 2> uniform01_pair(const StreamKey& key);

/// @brief The successes among n independent Bernoulli(p) trials, each index passed to `emit` in order: drawn
/// as the geometric gaps between them, by inversion, so that about 1 + p·n uniforms are used instead of n. The j-th
/// uniform is half j mod 2 of the block of `key` with index `key.index + j / 2`.
template <class Emit>
void bernoulli_successes(StreamKey key, double p, long long n, Emit&& emit);

/// @brief Standard normal by Box–Muller from the two 53-bit halves of the key's block (one normal per key).
double standard_normal(const StreamKey& key);

/// @brief Exponential with the given mean.
double exponential(const StreamKey& key, double mean);

template <class Emit>
void bernoulli_successes(StreamKey key, double p, long long n, Emit&& emit) {
  if (!(p > 0)) return;
  const double per_log = p >= 1.0 ? 0.0 : 1.0 / std::log1p(-p);
  const std::uint32_t base = key.index;
  std::array<double, 2> u{};
  long long i = 0;
  for (std::uint32_t j = 0; i < n; ++j) {
    if (j % 2 == 0) {
      key.index = base + j / 2;
      u = uniform01_pair(key);
    }
    const double gap = p >= 1.0 ? 0.0 : std::floor(std::log(u[j % 2]) * per_log);
    if (!(gap < static_cast<double>(n - i))) return;
    i += static_cast<long long>(gap);
    emit(i);
    ++i;
  }
}

} // namespace deplsim
