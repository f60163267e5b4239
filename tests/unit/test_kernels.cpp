// Loss grid, distributions, kernels and exact propagation (docs/model.md 0.6 and 3).
#include "deplsim/knowledge.hpp"
#include "deplsim/loss_distribution.hpp"
#include "learning/knowledge/kernel_knowledge.hpp"
#include "learning/truth/parametric.hpp"

#include <catch2/catch.hpp>

#include <unistd.h>

#include <algorithm>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <numeric>
#include <tuple>

using namespace deplsim;

TEST_CASE("the loss grid has a boundary exactly at L*", "[kernels]") {
  const LossGrid g(0.0, 0.82, 3.45, 100);
  CHECK(g.levels() == 100);
  CHECK(g.target() == 0.82);
  CHECK(g.bounds()[static_cast<std::size_t>(g.target_levels())] == 0.82);
  CHECK(g.target_levels() >= 33);  // at least a third of the levels on each side
  CHECK(g.level_of(0.82) == g.target_levels() - 1);  // L = L* meets the target
  CHECK(g.level_of(std::nextafter(0.82, 1.0)) == g.target_levels());
  CHECK(g.level_of(-1.0) == 0);
  CHECK(g.level_of(100.0) == 99);
  for (int j = 0; j + 1 < g.levels(); ++j) CHECK(g.upper(j) == g.lower(j + 1));
}

TEST_CASE("a distribution's P(L <= L*) is a sum of whole levels, cdf, mean, quantile", "[kernels]") {
  auto g = std::make_shared<LossGrid>(0.0, 1.0, 2.0, 4);  // levels (0,.5] (.5,1] (1,1.5] (1.5,2]
  const LossDistribution d(g, {0.1, 0.2, 0.3, 0.4});
  CHECK(d.p_target() == Approx(0.3));
  CHECK(d.cdf(1.0) == Approx(0.3));
  CHECK(d.cdf(1.25) == Approx(0.45));
  CHECK(d.mean() == Approx(0.1 * 0.25 + 0.2 * 0.75 + 0.3 * 1.25 + 0.4 * 1.75));
  CHECK(d.quantile(0.3) == Approx(1.0));
  CHECK(d.quantile(0.45) == Approx(1.25));
}

TEST_CASE("the Clopper-Pearson lower bound: closed forms, the tail it solves, the same bits when asked again", "[kernels]") {
  // All n runs met L*: the bound is alpha^(1/n); one of n: 1 - (1 - alpha)^(1/n).
  CHECK(clopper_pearson_lower(30, 30, 0.05) == Approx(std::pow(0.05, 1.0 / 30)).epsilon(1e-12));
  CHECK(clopper_pearson_lower(1, 40, 0.01) == Approx(1 - std::pow(0.99, 1.0 / 40)).epsilon(1e-9));
  CHECK(clopper_pearson_lower(0, 40, 0.05) == 0.0);
  CHECK(clopper_pearson_lower(5, 3, 0.05) > 0.999);  // more successes than runs: no tail below it (no throw)
  // Otherwise P(Binomial(n, p) >= m) = alpha at the bound, summed here independently.
  for (const auto& [m, n, alpha] : {std::tuple{17UL, 30UL, 0.05}, std::tuple{1800UL, 2000UL, 0.05 / 3}, std::tuple{3UL, 7UL, 0.2}}) {
    const double p = clopper_pearson_lower(m, n, alpha);
    double tail = 0;
    for (std::size_t i = m; i <= n; ++i) {
      double log_term = std::lgamma(n + 1.0) - std::lgamma(i + 1.0) - std::lgamma(n - i + 1.0);
      log_term += static_cast<double>(i) * std::log(p) + static_cast<double>(n - i) * std::log(1 - p);
      tail += std::exp(log_term);
    }
    CHECK(tail == Approx(alpha).epsilon(1e-6));
    CHECK(p < static_cast<double>(m) / static_cast<double>(n));
    CHECK(clopper_pearson_lower(m, n, alpha) == p);               // remembered: the same bits
    CHECK(clopper_pearson_lower(m, n, alpha / 2) < p);            // a higher level, a lower bound
  }
}

TEST_CASE("kernels from counts: stochastic rows, no smoothing, unvisited rows borrow the nearest", "[kernels]") {
  std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>> counts(5);
  counts[1] = {{1, 3}, {2, 1}};
  counts[4] = {{3, 2}};
  const auto k = TransitionKernel::from_counts(counts);
  for (int i = 0; i < 5; ++i) {
    double s = 0;
    for (auto [j, p] : k.row(i)) {
      s += p;
      CHECK(p > 0);  // no additive smoothing: only observed transitions
    }
    CHECK(s == Approx(1.0));
  }
  CHECK(k.row(1).size() == 2);
  CHECK(std::ranges::equal(k.row(0), k.row(1)));  // nearest visited row
  CHECK(std::ranges::equal(k.row(2), k.row(1)));  // 2 is nearer to 1 than to 4
  CHECK(std::ranges::equal(k.row(3), k.row(4)));
  CHECK(k.nonzeros() == 2 + 2 + 2 + 1 + 1);
  TransitionKernel built = TransitionKernel::appending(2);
  const TransitionKernel::Entry stay{1, 1.0};
  built.append_row({});
  built.append_row({&stay, 1});
  CHECK(built.row(0).empty());
  CHECK(built.row(1).size() == 1);
  CHECK_THROWS_AS(built.append_row({&stay, 1}), std::logic_error);  // a third row of a 2-level kernel
}

TEST_CASE("the identity kernel propagates a point mass exactly", "[kernels]") {
  TransitionKernel id(50);
  for (int i = 0; i < 50; ++i) id.set_row(i, {{static_cast<std::uint32_t>(i), 1.0}});
  std::vector<double> pi(50, 0.0), next;
  pi[17] = 1.0;
  for (int step = 0; step < 200; ++step) {
    id.apply(pi, next);
    pi.swap(next);
  }
  CHECK(pi[17] == 1.0);
  CHECK(std::accumulate(pi.begin(), pi.end(), 0.0) == 1.0);
}

TEST_CASE("a two-level chain matches its closed form", "[kernels]") {
  // P = [[1-a, a], [b, 1-b]]: pi_k[0] = b/(a+b) + (pi_0[0] - b/(a+b)) (1-a-b)^k.
  const double a = 0.3, b = 0.1;
  TransitionKernel k(2);
  k.set_row(1, {{0, b}, {1, 1 - b}});  // set out of order: the rows after a set row move
  k.set_row(0, {{0, 1 - a}, {1, a}});
  CHECK(k.row(0).size() == 2);
  CHECK(k.row(1)[0].second == b);
  std::vector<double> pi{1.0, 0.0}, next;
  for (int step = 1; step <= 30; ++step) {
    k.apply(pi, next);
    pi.swap(next);
    const double closed = b / (a + b) + (1.0 - b / (a + b)) * std::pow(1 - a - b, step);
    CHECK(pi[0] == Approx(closed).epsilon(1e-12));
  }
}

namespace {
// A scenario and its learning side.
struct KernelFixture {
  Scenario sc;
  LearningSpec lm;
};

KernelFixture kernel_scenario() {
  KernelFixture f;
  Scenario& sc = f.sc;
  sc.target = {0.55, 0.9, std::nullopt, 40};
  sc.model.versions = {ModelVersion{"full", 1e9, 1e8, 0.0}, ModelVersion{"p75", 2.5e8, 2.5e7, 0.75}};
  sc.model.switch_epochs = {5, 10};
  sc.model.max_switches = 1;
  sc.model.switches = {SwitchDecl{"full", "p75", 0, 1}};
  auto& lm = f.lm;
  lm.versions = {VersionLearning{0.40, 0.12, 1.0, 0.08, 0.0, 0}, VersionLearning{0.45, 0.12, 1.0, 0.05, 0.0, 0}};
  lm.initial_loss = std::log(10.0);
  lm.reference_samples = 10000;
  lm.floor_data_exponent = 0.2;
  lm.spread_data_exponent = 0.3;
  lm.rate_spread = 0.1;
  lm.epoch_noise = 0.02;
  lm.eval_noise = 0.01;
  lm.knowledge_trajectories = 3000;
  lm.levels = 60;
  lm.certification_share = 0;  // every knowledge run counts in the kernels (certification: its own test)
  lm.switches = {SwitchLearning{0, 1, 0.05, 0.30}};
  sc.data_sources = {DataSource{"d", "src", 10000, 1e3}};
  return f;
}
} // namespace

TEST_CASE("propagation gives the training trajectories' marginal exactly, with and without a switch", "[kernels]") {
  const KernelFixture f = kernel_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning truth(sc, f.lm);
  const KernelKnowledge k(sc, f.lm, truth, 4);
  for (const Schedule& s : {Schedule{{{0, 25}}}, Schedule{{{0, 10}, {1, 15}}}, Schedule{{{1, 3}}}}) {
    int met = 0;
    for (std::uint32_t r = 0; r < 3000; ++r) met += truth.final_test_loss(4, Purpose::knowledge, r, 10000, s) <= 0.55;
    const LossDistribution d = k.distribution(10000, s);
    CHECK(d.p_target() == Approx(met / 3000.0).margin(1e-12));
    CHECK(std::accumulate(d.probabilities().begin(), d.probabilities().end(), 0.0) == Approx(1.0));
  }
}

TEST_CASE("switch kernels apply at the switch only", "[kernels]") {
  const KernelFixture f = kernel_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning truth(sc, f.lm);
  const KernelKnowledge k(sc, f.lm, truth, 4);
  const auto with_switch = k.each_epoch(10000, Schedule{{{0, 10}, {1, 10}}});
  const auto without = k.each_epoch(10000, Schedule{{{0, 20}}});
  REQUIRE(with_switch.size() == 20);
  for (std::size_t e = 0; e < 10; ++e)  // identical up to the switch
    CHECK(with_switch[e].first.probabilities() == without[e].first.probabilities());
  CHECK(with_switch[10].first.probabilities() != without[10].first.probabilities());
  // Undeclared switch (p75 -> full) is refused.
  CHECK_THROWS_AS(k.distribution(10000, Schedule{{{1, 5}, {0, 5}}}), std::invalid_argument);
}

TEST_CASE("data quantities use the bucket at or below them", "[kernels]") {
  const KernelFixture f = kernel_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning truth(sc, f.lm);
  const KernelKnowledge k(sc, f.lm, truth, 4);
  CHECK(k.bucket_of(10000) == 3);
  CHECK(k.bucket_of(9999) == 2);  // 7500
  CHECK(k.bucket_of(2500) == 0);
  CHECK_THROWS_AS(k.bucket_of(2499), std::out_of_range);
  CHECK(k.predict(9999, Schedule{{{0, 30}}}).p_target_met == k.predict(7500, Schedule{{{0, 30}}}).p_target_met);
}

TEST_CASE("knowledge chains are cached on disk, read back exactly, and rebuilt when the file is damaged", "[kernels]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("deplsim-cache-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  setenv("DEPLSIM_CACHE_DIR", dir.c_str(), 1);
  const KernelFixture f = kernel_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning truth(sc, f.lm);
  const Schedule s{{{0, 10}, {1, 15}}};
  const LossDistribution built = KernelKnowledge(sc, f.lm, truth, 4).distribution(10000, s);
  std::vector<fs::path> files;
  for (const auto& e : fs::directory_iterator(dir)) files.push_back(e.path());
  CHECK(files.size() == 2);  // the single chain and the switch chain, no temporary file left
  const LossDistribution read = KernelKnowledge(sc, f.lm, truth, 4).distribution(10000, s);
  CHECK(read.probabilities() == built.probabilities());
  // A damaged file is ignored and rewritten.
  for (const auto& f : files) fs::resize_file(f, fs::file_size(f) / 2);
  const LossDistribution rebuilt = KernelKnowledge(sc, f.lm, truth, 4).distribution(10000, s);
  CHECK(rebuilt.probabilities() == built.probabilities());
  // Another seed is another key.
  (void)KernelKnowledge(sc, f.lm, truth, 5).distribution(10000, s);
  std::size_t count = 0;
  for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir)) ++count;
  CHECK(count == 4);
  unsetenv("DEPLSIM_CACHE_DIR");
  fs::remove_all(dir);
}

TEST_CASE("certification counts are cached on disk for a generated truth, read back exactly, recounted when damaged", "[kernels]") {
  namespace fs = std::filesystem;
  const fs::path dir = fs::temp_directory_path() / ("deplsim-counts-test-" + std::to_string(::getpid()));
  fs::remove_all(dir);
  KernelFixture f = kernel_scenario();
  f.lm.knowledge_trajectories = 400;
  f.lm.certification_share = 0.5;
  const Scenario& sc = f.sc;
  const ParametricLearning truth(sc, f.lm);
  const Schedule s{{{0, 10}, {1, 30}}};
  std::vector<int> order;
  for (int k = 40; k > 10; --k) order.push_back(k);
  auto certify = [&](CertifyOn on) { return KernelKnowledge(sc, f.lm, truth, 4).certify_epochs(10000, s, order, 0.5, 2, on); };
  auto counts_files = [&] {
    std::vector<fs::path> files;
    if (fs::exists(dir))
      for (const auto& e : fs::directory_iterator(dir))
        if (e.path().extension() == ".counts") files.push_back(e.path());
    return files;
  };
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  const Certification fresh = certify(CertifyOn::held_out), fresh_all = certify(CertifyOn::all_runs);
  REQUIRE(fresh.runs == 200);
  REQUIRE(fresh_all.runs == 400);
  REQUIRE(fresh.certified > 0);
  setenv("DEPLSIM_CACHE_DIR", dir.c_str(), 1);
  const Certification written = certify(CertifyOn::held_out);
  CHECK(counts_files().size() == 1);
  (void)certify(CertifyOn::all_runs);  // the runs counted are part of the key
  CHECK(counts_files().size() == 2);
  for (const Certification& c : {written, certify(CertifyOn::held_out)}) {
    CHECK(c.successes == fresh.successes);
    CHECK(c.bounds == fresh.bounds);
    CHECK(c.certified == fresh.certified);
  }
  CHECK(certify(CertifyOn::all_runs).successes == fresh_all.successes);
  // A damaged file is ignored and rewritten; a file of counts the runs cannot give is read as damaged.
  for (const auto& file : counts_files()) fs::resize_file(file, fs::file_size(file) - 3);
  CHECK(certify(CertifyOn::held_out).successes == fresh.successes);
  CHECK(certify(CertifyOn::all_runs).successes == fresh_all.successes);
  CHECK(counts_files().size() == 2);
  for (const auto& file : counts_files()) {
    std::fstream io(file, std::ios::binary | std::ios::in | std::ios::out);
    const std::int64_t impossible = 1000000;  // more runs meeting L* than were counted
    io.seekp(12);
    io.write(reinterpret_cast<const char*>(&impossible), sizeof impossible);
  }
  CHECK(certify(CertifyOn::held_out).successes == fresh.successes);
  CHECK(certify(CertifyOn::all_runs).successes == fresh_all.successes);
  unsetenv("DEPLSIM_CACHE_DIR");
  fs::remove_all(dir);
}

TEST_CASE("propagations are remembered per bucket and schedule: asked again, in any order, the same answers", "[kernels]") {
  const KernelFixture f = kernel_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning truth(sc, f.lm);
  setenv("DEPLSIM_CACHE_DIR", "off", 1);
  const KernelKnowledge k(sc, f.lm, truth, 4);
  const std::vector<std::pair<double, Schedule>> asks = {
      {10000, Schedule{{{0, 10}, {1, 10}}}}, {10000, Schedule{{{0, 20}}}}, {10000, Schedule{{{0, 5}, {1, 15}}}},
      {7500, Schedule{{{0, 20}}}},           {10000, Schedule{{{1, 20}}}}, {10000, Schedule{{{0, 10}, {0, 10}}}}};
  // Each answer from a knowledge that never saw another schedule.
  std::vector<std::vector<std::pair<LossDistribution, double>>> alone;
  for (const auto& [q, s] : asks) alone.push_back(KernelKnowledge(sc, f.lm, truth, 4).each_epoch(q, s));
  auto same = [](const auto& a, const auto& b) {
    if (a.size() != b.size()) return false;
    for (std::size_t e = 0; e < a.size(); ++e)
      if (a[e].first.probabilities() != b[e].first.probabilities() || a[e].second != b[e].second) return false;
    return true;
  };
  for (int pass = 0; pass < 2; ++pass)
    for (std::size_t i = 0; i < asks.size(); ++i) {
      const std::size_t j = pass == 0 ? i : asks.size() - 1 - i;
      CHECK(same(k.each_epoch(asks[j].first, asks[j].second), alone[j]));
    }
  KernelKnowledge forgetful(sc, f.lm, truth, 4);
  forgetful.remember_propagations(false);
  for (std::size_t i = 0; i < asks.size(); ++i) CHECK(same(forgetful.each_epoch(asks[i].first, asks[i].second), alone[i]));
  CHECK(!same(alone[0], alone[2]));  // the switch epoch is part of the key
  CHECK(!same(alone[1], alone[3]));  // and the data bucket
  CHECK(same(alone[1], alone[5]));   // a schedule is asked for merged
  unsetenv("DEPLSIM_CACHE_DIR");
}
