// Random streams: Philox known answers, independence of draws from one another, distribution moments.
#include "random/rng.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <vector>

using namespace deplsim;

TEST_CASE("Philox4x32-10 matches the Random123 known-answer vectors", "[rng]") {
  CHECK(philox4x32_10({0, 0, 0, 0}, {0, 0}) == std::array<std::uint32_t, 4>{0x6627e8d5U, 0xe169c58dU, 0xbc57ac4cU, 0x9b00dbd8U});
  CHECK(philox4x32_10({0xffffffffU, 0xffffffffU, 0xffffffffU, 0xffffffffU}, {0xffffffffU, 0xffffffffU}) ==
        std::array<std::uint32_t, 4>{0x408f276dU, 0x41c83b0eU, 0xa20bc7c6U, 0x6d5451fdU});
  CHECK(philox4x32_10({0x243f6a88U, 0x85a308d3U, 0x13198a2eU, 0x03707344U}, {0xa4093822U, 0x299f31d0U}) ==
        std::array<std::uint32_t, 4>{0xd16cfe09U, 0x94fdccebU, 0x5001e420U, 0x24126ea1U});
}

TEST_CASE("a replication's draws do not depend on what was drawn before", "[rng]") {
  // Draw replication 7's run effects and epoch noise first alone, then after many other replications and kinds.
  auto draws_of_7 = [] {
    std::vector<double> d;
    d.push_back(standard_normal({42, Purpose::evaluation, StreamKind::run_effect_floor, 7, 0, 0, 0}));
    d.push_back(standard_normal({42, Purpose::evaluation, StreamKind::run_effect_rate, 7, 0, 0, 0}));
    for (std::uint32_t k = 1; k <= 20; ++k) d.push_back(standard_normal({42, Purpose::evaluation, StreamKind::epoch_noise, 7, k, 0, 0}));
    return d;
  };
  const auto alone = draws_of_7();
  double sink = 0;
  for (std::uint32_t r = 0; r < 100; ++r)
    for (std::uint32_t k = 1; k <= 30; ++k) sink += standard_normal({42, Purpose::evaluation, StreamKind::epoch_noise, r, k, 3, 0});
  const auto after = draws_of_7();
  CHECK(alone == after);
  CHECK(std::isfinite(sink));
}

TEST_CASE("purposes, kinds, seeds and replications give different streams", "[rng]") {
  const StreamKey base{1, Purpose::evaluation, StreamKind::run_effect_floor, 3, 0, 0, 0};
  StreamKey k = base;
  k.purpose = Purpose::knowledge;
  CHECK(uniform01(base) != uniform01(k));
  k = base;
  k.kind = StreamKind::run_effect_rate;
  CHECK(uniform01(base) != uniform01(k));
  k = base;
  k.seed = 2;
  CHECK(uniform01(base) != uniform01(k));
  k = base;
  k.replication = 4;
  CHECK(uniform01(base) != uniform01(k));
}

TEST_CASE("normal and uniform draws have the right moments", "[rng]") {
  const int n = 200000;
  double s = 0, s2 = 0, u = 0;
  for (int i = 0; i < n; ++i) {
    const double x = standard_normal({9, Purpose::evaluation, StreamKind::epoch_noise, static_cast<std::uint32_t>(i), 1, 0, 0});
    s += x;
    s2 += x * x;
    u += uniform01({9, Purpose::evaluation, StreamKind::fault, static_cast<std::uint32_t>(i), 0, 0, 0});
  }
  CHECK(std::fabs(s / n) < 0.01);
  CHECK(std::fabs(s2 / n - 1.0) < 0.015);
  CHECK(std::fabs(u / n - 0.5) < 0.005);
}

TEST_CASE("Bernoulli successes drawn as geometric gaps behave as independent trials", "[rng]") {
  const StreamKey key{5, Purpose::evaluation, StreamKind::fault, 2, 3, 7, 0x20000000u};
  for (const double p : {0.05, 0.3}) {
    const long long n = 400000;
    std::vector<long long> hits;
    bernoulli_successes(key, p, n, [&](long long i) { hits.push_back(i); });
    // The count: binomial(n, p), within 5 standard deviations.
    const double sd = std::sqrt(static_cast<double>(n) * p * (1 - p));
    CHECK(std::fabs(static_cast<double>(hits.size()) - static_cast<double>(n) * p) < 5 * sd);
    // In order, inside [0, n), distinct.
    CHECK(std::is_sorted(hits.begin(), hits.end()));
    CHECK(std::adjacent_find(hits.begin(), hits.end()) == hits.end());
    CHECK(hits.front() >= 0);
    CHECK(hits.back() < n);
    // Independence of neighbours: P(trial i+1 succeeds | trial i succeeds) = p.
    long long pairs = 0;
    for (std::size_t k = 1; k < hits.size(); ++k) pairs += hits[k] == hits[k - 1] + 1 ? 1 : 0;
    const double m = static_cast<double>(hits.size());
    CHECK(std::fabs(static_cast<double>(pairs) / m - p) < 5 * std::sqrt(p * (1 - p) / m));
    // The same key, the same successes; a longer run extends a shorter one.
    std::vector<long long> again, shorter;
    bernoulli_successes(key, p, n, [&](long long i) { again.push_back(i); });
    bernoulli_successes(key, p, n / 2, [&](long long i) { shorter.push_back(i); });
    CHECK(again == hits);
    REQUIRE(shorter.size() <= hits.size());
    CHECK(std::equal(shorter.begin(), shorter.end(), hits.begin()));
    CHECK((shorter.size() == hits.size() || hits[shorter.size()] >= n / 2));
  }
  std::vector<long long> all, none;
  bernoulli_successes(key, 1.0, 50, [&](long long i) { all.push_back(i); });
  bernoulli_successes(key, 0.0, 50, [&](long long i) { none.push_back(i); });
  CHECK(all.size() == 50);
  CHECK(all.back() == 49);
  CHECK(none.empty());
}
