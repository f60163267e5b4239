// The parametric ground truth (docs/model.md 0.5 and 1) and the planner's trajectory knowledge.
#include "deplsim/knowledge.hpp"
#include "learning/truth/parametric.hpp"
#include "learning/knowledge/kernel_knowledge.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <numeric>

using namespace deplsim;

namespace {

// A scenario and its learning side.
struct Fixture {
  Scenario sc;
  LearningSpec lm;
};

Fixture learning_scenario() {
  Fixture f;
  Scenario& sc = f.sc;
  sc.name = "unit";
  sc.target = {0.6, 0.9, std::nullopt, 100};
  sc.model.versions = {ModelVersion{"full", 1e9, 1e8, 0.0}, ModelVersion{"p75", 2.5e8, 2.5e7, 0.75}};
  sc.model.switch_epochs = {5, 10};
  sc.model.max_switches = 1;
  sc.model.switches = {SwitchDecl{"full", "p75", 0, 1}};
  auto& lm = f.lm;
  lm.versions = {VersionLearning{0.40, 0.10, 1.0, 0.08, 0.004, 30}, VersionLearning{0.43, 0.10, 1.0, 0.05, 0.0, 0}};
  lm.initial_loss = std::log(10.0);
  lm.reference_samples = 10000;
  lm.floor_data_exponent = 0.2;
  lm.spread_data_exponent = 0.3;
  lm.overfit_data_exponent = 1.0;
  lm.rate_spread = 0.1;
  lm.epoch_noise = 0.02;
  lm.eval_noise = 0.01;
  lm.knowledge_trajectories = 2000;
  lm.certification_share = 0;  // every knowledge run counts in the kernels (certification: its own test)
  lm.switches = {SwitchLearning{0, 1, 0.05, 0.30}};
  sc.data_sources = {DataSource{"d", "src", 10000, 1e3}};  // knowledge buckets: 2500, 5000, 7500, 10000 samples
  return f;
}

Schedule single(std::size_t v, int k) { return Schedule{{{v, k}}}; }

double mean(const std::vector<double>& x) { return std::accumulate(x.begin(), x.end(), 0.0) / static_cast<double>(x.size()); }
double stddev(const std::vector<double>& x) {
  const double m = mean(x);
  double s = 0;
  for (double v : x) s += (v - m) * (v - m);
  return std::sqrt(s / static_cast<double>(x.size() - 1));
}

} // namespace

TEST_CASE("trajectories are reproducible per seed and differ between seeds", "[learning]") {
  const Fixture f = learning_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning gt(sc, f.lm);
  const auto a = gt.trajectory(5, Purpose::evaluation, 3, 10000, single(0, 40));
  const auto b = gt.trajectory(5, Purpose::evaluation, 3, 10000, single(0, 40));
  const auto c = gt.trajectory(6, Purpose::evaluation, 3, 10000, single(0, 40));
  CHECK(a.test == b.test);
  CHECK(a.validation == b.validation);
  CHECK(a.test != c.test);
  CHECK(a.validation != a.test);  // independent evaluation noise
  REQUIRE(a.test.size() == 40);
  // The fast path agrees with the full trajectory.
  CHECK(gt.final_test_loss(5, Purpose::evaluation, 3, 10000, single(0, 40)) == a.test.back());
  Schedule sw{{{0, 5}, {1, 20}}};
  CHECK(gt.final_test_loss(5, Purpose::evaluation, 3, 10000, sw) == gt.trajectory(5, Purpose::evaluation, 3, 10000, sw).test.back());
}

TEST_CASE("a replication's loss at an epoch does not depend on the plan's length (common random numbers)", "[learning]") {
  const Fixture f = learning_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning gt(sc, f.lm);
  const auto short_run = gt.trajectory(1, Purpose::evaluation, 9, 10000, single(0, 10));
  const auto long_run = gt.trajectory(1, Purpose::evaluation, 9, 10000, single(0, 30));
  for (std::size_t k = 0; k < 10; ++k) CHECK(short_run.test[k] == long_run.test[k]);
}

TEST_CASE("the planner-side runs' memoised draws give the trajectories drawn afresh", "[learning]") {
  // Knowledge and certification runs keep their draws (they do not depend on the schedule); final_test_loss always
  // draws afresh. Grown in every order (short then long, test losses before validation), the memo must give the
  // same bits as a fresh object asked in another order.
  const Fixture f = learning_scenario();
  const ParametricLearning grown(f.sc, f.lm);
  const ParametricLearning fresh(f.sc, f.lm);
  const Schedule sw{{{0, 7}, {1, 25}}};
  for (const Purpose purpose : {Purpose::knowledge, Purpose::certification}) {
    for (std::uint32_t r : {0U, 5U, 2U}) {
      const auto short_test = grown.test_losses(4, purpose, r, 7500, single(0, 6));  // memo: 6 epochs, no validation
      const auto long_run = grown.trajectory(4, purpose, r, 7500, sw);               // extends it, adds validation
      const auto reference = fresh.trajectory(4, purpose, r, 7500, sw);
      REQUIRE(long_run.test.size() == 32);
      CHECK(long_run.test == reference.test);
      CHECK(long_run.validation == reference.validation);
      CHECK(long_run.clean == reference.clean);
      CHECK(grown.test_losses(4, purpose, r, 7500, sw) == reference.test);
      CHECK(fresh.final_test_loss(4, purpose, r, 7500, sw) == long_run.test.back());
      for (std::size_t k = 0; k < short_test.size(); ++k) CHECK(short_test[k] == long_run.test[k]);
    }
    // Different seeds and purposes keep their own draws.
    CHECK(grown.test_losses(5, purpose, 0, 7500, sw) != grown.test_losses(4, purpose, 0, 7500, sw));
  }
  CHECK(grown.test_losses(4, Purpose::knowledge, 1, 7500, sw) != grown.test_losses(4, Purpose::certification, 1, 7500, sw));
  // A run whose draws alone would pass the memo's bound (32 MiB) is drawn afresh, the memo emptied; the same bits,
  // and the memo serves again afterwards.
  const std::uint32_t far = 20'000'000;
  CHECK(grown.test_losses(4, Purpose::knowledge, far, 7500, sw).back() == fresh.final_test_loss(4, Purpose::knowledge, far, 7500, sw));
  CHECK(grown.trajectory(4, Purpose::knowledge, 2, 7500, sw).validation == fresh.trajectory(4, Purpose::knowledge, 2, 7500, sw).validation);
  // The evaluation purpose is never memoised, and agrees with its own fast path.
  CHECK(grown.test_losses(4, Purpose::evaluation, 3, 7500, sw) == fresh.trajectory(4, Purpose::evaluation, 3, 7500, sw).test);
}

TEST_CASE("more data lowers the floor and the spread between runs", "[learning]") {
  Fixture f = learning_scenario();
  const Scenario& sc = f.sc;
  for (auto& v : f.lm.versions) v.overfit_slope = 0;  // isolate the floor
  const ParametricLearning gt(sc, f.lm);
  std::vector<double> scarce, plenty;
  for (std::uint32_t r = 0; r < 3000; ++r) {
    scarce.push_back(gt.final_test_loss(2, Purpose::evaluation, r, 2500, single(0, 80)));
    plenty.push_back(gt.final_test_loss(2, Purpose::evaluation, r, 10000, single(0, 80)));
  }
  CHECK(mean(plenty) < mean(scarce));
  CHECK(stddev(plenty) < stddev(scarce));
  // Quantitatively: floor ratio (1/4)^-0.2 and spread ratio (1/4)^-0.3 at the same run effects.
  CHECK(mean(scarce) / mean(plenty) == Approx(std::pow(0.25, -0.2)).epsilon(0.03));
}

TEST_CASE("the overfitting term makes the loss rise after its minimum on scarce data", "[learning]") {
  const Fixture f = learning_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning gt(sc, f.lm);
  const auto curve = gt.clean_curve(0.0, 0.0, 2500, single(0, 100));
  const auto min_it = std::min_element(curve.begin(), curve.end());
  const auto k_min = static_cast<std::size_t>(min_it - curve.begin());
  INFO("minimum at epoch " << k_min + 1);
  CHECK(k_min + 1 >= 30);   // the minimum is after the overfitting start
  CHECK(k_min + 1 < 100);   // and not at the end
  CHECK(curve.back() > *min_it + 0.05);
  // With plenty of data the rise is smaller (eta (q/q_ref)^-zeta).
  const auto plenty = gt.clean_curve(0.0, 0.0, 10000, single(0, 100));
  CHECK(plenty.back() - *std::min_element(plenty.begin(), plenty.end()) < curve.back() - *min_it);
}

TEST_CASE("a switch jumps, then relaxes toward the switch floor", "[learning]") {
  const Fixture f = learning_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning gt(sc, f.lm);
  const Schedule sw{{{0, 10}, {1, 90}}};
  const auto curve = gt.clean_curve(0.0, 0.0, 10000, sw);
  const auto before = gt.clean_curve(0.0, 0.0, 10000, single(0, 10));
  REQUIRE(curve.size() == 100);
  for (std::size_t k = 0; k < 10; ++k) CHECK(curve[k] == before[k]);
  // Relaxes toward F_{full->p75} = 0.30 (below both versions' own floors 0.40 and 0.43).
  CHECK(curve.back() == Approx(0.30).margin(0.005));
  CHECK(curve.back() < 0.40);
  // The first epoch after the switch starts from the clean loss plus the jump.
  const double start = before.back() + 0.05;
  CHECK(curve[10] < start);
  CHECK(curve[10] > 0.30);
}

TEST_CASE("kernel knowledge reproduces the knowledge stream's marginals, never the evaluation stream's", "[learning]") {
  const Fixture f = learning_scenario();
  const Scenario& sc = f.sc;
  const ParametricLearning truth(sc, f.lm);
  const KernelKnowledge k(sc, f.lm, truth, 1);
  const ParametricLearning gt(sc, f.lm);
  const auto per_epoch = k.predict_each_epoch(10000, 0, 60);
  REQUIRE(per_epoch.size() == 60);
  // The prediction for a 40-epoch schedule equals the per-epoch prediction at epoch 40.
  const auto p40 = k.predict(10000, single(0, 40));
  CHECK(p40.p_target_met == per_epoch[39].p_target_met);
  CHECK(p40.expected_loss == Approx(per_epoch[39].expected_loss).epsilon(1e-12));
  // It is a frequency over knowledge trajectories, not evaluation ones.
  int met = 0;
  for (std::uint32_t r = 0; r < 2000; ++r) met += gt.final_test_loss(1, Purpose::knowledge, r, 10000, single(0, 40)) <= 0.6;
  CHECK(p40.p_target_met == Approx(met / 2000.0));
  int met_eval = 0;
  for (std::uint32_t r = 0; r < 2000; ++r) met_eval += gt.final_test_loss(1, Purpose::evaluation, r, 10000, single(0, 40)) <= 0.6;
  CHECK(met_eval != met);  // disjoint streams (equal counts would be a coincidence)
  // P rises with epochs on plenty of data.
  CHECK(per_epoch[59].p_target_met >= per_epoch[4].p_target_met);
}

TEST_CASE("the batch-size law: past the noise scale a larger batch progresses less per epoch", "[learning][batch]") {
  Fixture f = learning_scenario();
  for (auto& v : f.lm.versions) v.overfit_slope = 0;
  // No law: the factor is exactly 1 whatever the batch (the curves of before it, bit for bit).
  CHECK(f.lm.batch_rate_factor(64) == 1.0);
  CHECK(f.lm.batch_rate_factor(1e6) == 1.0);
  f.lm.batch_noise_scale = 1000;
  f.lm.reference_batch = 100;
  CHECK(f.lm.batch_rate_factor(100) == Approx(1.0));
  CHECK(f.lm.batch_rate_factor(1000) == Approx(1.1 / 2.0));
  CHECK(f.lm.batch_rate_factor(10) == Approx(1.1 / 1.01));  // small batches: about the same progress
  // The clean curve at B = 1000 is the curve at B_ref with its epochs scaled by the factor (beta_v = 1 here).
  f.sc.model.batch_size = 100;
  const ParametricLearning ref(f.sc, f.lm);
  f.sc.model.batch_size = 1000;
  const ParametricLearning big(f.sc, f.lm);
  const auto a = ref.clean_curve(0.3, -0.2, 10000, single(0, 40));
  const auto b = big.clean_curve(0.3, -0.2, 10000, single(0, 40));
  for (std::size_t k = 0; k < b.size(); ++k) CHECK(b[k] >= a[k]);  // never ahead of the reference batch
  // rate x 0.55: after 20 epochs the large batch is where the reference was after 11.
  CHECK(b[19] == Approx(a[10]).epsilon(1e-9));
}
