// Counter-based random numbers: Philox4x32-10 and the project's own distributions (docs/model.md 2).
#include "random/rng.hpp"

#include <cmath>
#include <numbers>

namespace deplsim {
namespace {
constexpr std::uint32_t kMul0 = 0xD2511F53U;
constexpr std::uint32_t kMul1 = 0xCD9E8D57U;
constexpr std::uint32_t kWeyl0 = 0x9E3779B9U;
constexpr std::uint32_t kWeyl1 = 0xBB67AE85U;

inline void mulhilo(std::uint32_t a, std::uint32_t b, std::uint32_t& hi, std::uint32_t& lo) {
  const std::uint64_t product = static_cast<std::uint64_t>(a) * b;
  hi = static_cast<std::uint32_t>(product >> 32);
  lo = static_cast<std::uint32_t>(product);
}

double to_open01(std::uint32_t hi, std::uint32_t lo) {
  // 53 random bits, shifted by half a step so that 0 and 1 are never returned.
  const std::uint64_t bits = ((static_cast<std::uint64_t>(hi) << 32) | lo) >> 11;
  return (static_cast<double>(bits) + 0.5) * 0x1.0p-53;
}
} // namespace

std::array<std::uint32_t, 4> philox4x32_10(std::array<std::uint32_t, 4> ctr, std::array<std::uint32_t, 2> key) {
  for (int round = 0; round < 10; ++round) {
    if (round > 0) {
      key[0] += kWeyl0;
      key[1] += kWeyl1;
    }
    std::uint32_t hi0, lo0, hi1, lo1;
    mulhilo(kMul0, ctr[0], hi0, lo0);
    mulhilo(kMul1, ctr[2], hi1, lo1);
    ctr = {hi1 ^ ctr[1] ^ key[0], lo1, hi0 ^ ctr[3] ^ key[1], lo0};
  }
  return ctr;
}

std::array<std::uint32_t, 4> random_block(const StreamKey& k) {
  const std::array<std::uint32_t, 4> counter = {
      k.replication,
      k.epoch,
      (static_cast<std::uint32_t>(k.purpose) << 24) | (static_cast<std::uint32_t>(k.kind) << 16) |
          (k.variant & 0xFFFFU),
      k.index,
  };
  const std::array<std::uint32_t, 2> key = {static_cast<std::uint32_t>(k.seed),
                                            static_cast<std::uint32_t>(k.seed >> 32)};
  return philox4x32_10(counter, key);
}

double uniform01(const StreamKey& key) {
  const auto b = random_block(key);
  return to_open01(b[0], b[1]);
}

std::array<double, 2> uniform01_pair(const StreamKey& key) {
  const auto b = random_block(key);
  return {to_open01(b[0], b[1]), to_open01(b[2], b[3])};
}

double standard_normal(const StreamKey& key) {
  const auto b = random_block(key);
  const double u1 = to_open01(b[0], b[1]);
  const double u2 = to_open01(b[2], b[3]);
  return std::sqrt(-2.0 * std::log(u1)) * std::cos(2.0 * std::numbers::pi * u2);
}

double exponential(const StreamKey& key, double mean) { return -mean * std::log(uniform01(key)); }

} // namespace deplsim
