// Measured learning profiles (docs/model.md 0.8 and 1.4) and the trace ground truth: the loader on a valid file and on one bad
// file per kind of error (right line and column name in the message), resampling by seed (deterministic,
// uniform, the same profile seed for every schedule), the knowledge/evaluation seed split, the data bucket at or
// below a quantity, and unmeasured schedules.
#include "learning/truth/trace_profile.hpp"

#include "deplsim/error.hpp"

#include <catch2/catch.hpp>

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>
#include <string>

using namespace deplsim;
using Catch::Matchers::Contains;

namespace {

std::string profile_path(const std::string& name) { return std::string(DEPLSIM_TEST_DATA_DIR) + "/profiles/" + name; }

const std::vector<std::string> kVersions = {"full", "p75"};

Schedule single(std::size_t v, int k) { return Schedule{{{v, k}}}; }
Schedule switched(std::size_t a, int s, std::size_t b, int k) { return Schedule{{{a, s}, {b, k - s}}}; }

/// The first issue of loading `name`, which must fail with an InputError.
InputIssue first_issue(const std::string& name) {
  try {
    (void)load_trace_profile(profile_path(name), kVersions);
  } catch (const InputError& e) {
    REQUIRE(!e.issues().empty());
    return e.issues().front();
  }
  FAIL("expected an InputError from " << name);
  return {};
}

/// The profile seed whose measured test losses are `test` (a prefix) in `run`.
std::uint32_t seed_of(const MeasuredRun& run, const std::vector<double>& test) {
  for (const auto& [s, t] : run.by_seed)
    if (std::equal(test.begin(), test.end(), t.test.begin())) return s;
  FAIL("trajectory not found in run " << run.name);
  return 0;
}

} // namespace

TEST_CASE("a valid profile loads, columns in any order", "[trace]") {
  const TraceProfile p = load_trace_profile(profile_path("valid.csv"), kVersions);
  CHECK(p.version_names == kVersions);
  CHECK(p.data_fractions() == std::vector<double>{0.25, 1.0});
  CHECK(p.seeds() == std::vector<std::uint32_t>{1, 2, 3, 4, 5});
  REQUIRE(p.runs.size() == 5);
  // Sorted by (data fraction, name).
  CHECK(p.runs[0].name == "full");
  CHECK(p.runs[1].name == "p75");
  CHECK(p.runs[2].name == "full");
  CHECK(p.runs[3].name == "full>p75@4");
  CHECK(p.runs[4].name == "p75");
  for (const auto& r : p.runs) {
    CHECK(r.epochs == 8);
    CHECK(r.by_seed.size() == 5);
    for (const auto& [s, t] : r.by_seed) {
      CHECK(t.validation.size() == 8);
      CHECK(t.test.size() == 8);
    }
  }
  const MeasuredRun* full = p.find("full", 0.25);
  REQUIRE(full != nullptr);
  CHECK(full->line == 2);
  CHECK(full->by_seed.at(1).validation[0] == 1.6926);  // line 2 of the file
  CHECK(full->by_seed.at(1).test[0] == 1.6976);
  CHECK(p.find("full>p75@4", 0.25) == nullptr);
  const MeasuredRun* sw = p.find("full>p75@4", 1.0);
  REQUIRE(sw != nullptr);
  CHECK(sw->versions == std::vector<std::size_t>{0, 1});
  CHECK(sw->switch_after == std::vector<int>{4});
  const Schedule s = sw->schedule();
  REQUIRE(s.parts.size() == 2);
  CHECK(s.parts[0].version == 0);
  CHECK(s.parts[0].epochs == 4);
  CHECK(s.parts[1].version == 1);
  CHECK(s.parts[1].epochs == 4);
  CHECK(sw->schedule(3).parts.size() == 1);
  CHECK(sw->schedule(3).total_epochs() == 3);
}

TEST_CASE("run names: single versions and switch chains", "[trace]") {
  const std::vector<std::string> names = {"full", "p50", "p75"};
  std::vector<std::size_t> v;
  std::vector<int> s;
  parse_run_name("p75", names, v, s);
  CHECK(v == std::vector<std::size_t>{2});
  CHECK(s.empty());
  parse_run_name(" full > p50@5 > p75@10 ", names, v, s);
  CHECK(v == std::vector<std::size_t>{0, 1, 2});
  CHECK(s == std::vector<int>{5, 10});
  CHECK_THROWS_WITH(parse_run_name("", names, v, s), Contains("empty run name"));
  CHECK_THROWS_WITH(parse_run_name("full>p75", names, v, s), Contains("needs the epoch"));
  CHECK_THROWS_WITH(parse_run_name("full@3", names, v, s), Contains("first version"));
  CHECK_THROWS_WITH(parse_run_name("full>p75@0", names, v, s), Contains("whole number >= 1"));
  CHECK_THROWS_WITH(parse_run_name("full>p75@x", names, v, s), Contains("whole number >= 1"));
  CHECK_THROWS_WITH(parse_run_name("full>p50@5>p75@5", names, v, s), Contains("must increase"));
  CHECK_THROWS_WITH(parse_run_name("full>full@5", names, v, s), Contains("to itself"));
  CHECK_THROWS_WITH(parse_run_name("full>>p75@5", names, v, s), Contains("empty part"));
  CHECK_THROWS_WITH(parse_run_name("full>p90@5", names, v, s), Contains("unknown version 'p90'") && Contains("full, p50, p75"));
}

TEST_CASE("bad profiles are rejected with the line and column name", "[trace]") {
  struct Case {
    const char* file;
    int line;
    int column;
    const char* key;
    const char* text;
  };
  const Case cases[] = {
      {"bad-empty.csv", 0, 0, "", "empty file"},
      {"bad-missing-column.csv", 1, 0, "test_loss", "missing column 'test_loss'"},
      {"bad-duplicate-column.csv", 1, 57, "seed", "appears twice (columns 3 and 8)"},
      {"bad-unknown-column.csv", 1, 57, "lr", "unknown column 'lr'"},
      {"bad-field-count.csv", 3, 0, "", "expected 7 fields as in the header, found 6"},
      {"bad-quote.csv", 2, 1, "version", "quoted fields are not supported"},
      {"bad-negative-loss.csv", 4, 19, "test_loss", "must be >= 0"},
      {"bad-nonfinite-loss.csv", 3, 14, "val_loss", "must be finite"},
      {"bad-epoch-zero.csv", 2, 12, "epoch", "whole number >= 1"},
      {"bad-epoch-fraction.csv", 5, 12, "epoch", "whole number >= 1, got '1.5'"},
      {"bad-fraction-range.csv", 4, 6, "data_fraction", "outside (0, 1]"},
      {"bad-unknown-version.csv", 3, 1, "version", "unknown version 'p90' (known: full, p75)"},
      {"bad-run-syntax.csv", 5, 24, "run", "needs the epoch"},
      {"bad-run-version.csv", 9, 1, "version", "run 'full>p75@1' trains 'p75' at epoch 2, but the row says 'full'"},
      {"bad-missing-base.csv", 2, 24, "run", "needs its base run 'full'"},
      {"bad-epoch-gap.csv", 5, 12, "epoch", "epoch 2 missing before epoch 3"},
      {"bad-duplicate-row.csv", 6, 12, "epoch", "duplicate row: run 'full' at data fraction 0.5, seed 1, epoch 2 (first at line 3)"},
      {"bad-one-seed.csv", 2, 10, "seed", "has 1 seed (1); at least 2 are needed"},
      {"bad-unequal-length.csv", 4, 12, "epoch", "seed 2 has 2 epochs but seed 1 (line 2) has 3"},
      {"bad-switch-unmeasured.csv", 6, 24, "run", "switches after epoch 2 but only 2 epochs are measured"},
  };
  for (const Case& c : cases) {
    INFO(c.file);
    const InputIssue issue = first_issue(c.file);
    INFO(issue.str());
    CHECK(issue.file == profile_path(c.file));
    CHECK(issue.line == c.line);
    CHECK(issue.column == c.column);
    CHECK(issue.key == c.key);
    CHECK_THAT(issue.message, Contains(c.text));
    if (c.line > 0)
      CHECK_THAT(issue.str(), Catch::StartsWith(profile_path(c.file) + ":" + std::to_string(c.line) + ":"));
  }
}

TEST_CASE("missing and oversized profile files", "[trace]") {
  CHECK_THROWS_WITH(load_trace_profile(profile_path("no-such-profile.csv"), kVersions), Contains("no such file"));
  CHECK_THROWS_AS(load_trace_profile(profile_path("no-such-profile.csv"), kVersions), InputError);
  CHECK_THROWS_WITH(load_trace_profile(profile_path("valid.csv"), kVersions, 100), Contains("file too large"));
}

TEST_CASE("every run and data fraction must have the same seeds", "[trace]") {
  TraceProfile p = load_trace_profile(profile_path("bad-seed-set.csv"), kVersions);
  try {
    TraceLearning gt(std::move(p), 1000, 1);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    REQUIRE(e.issues().size() == 1);
    const InputIssue& i = e.issues().front();
    CHECK(i.line == 8);
    CHECK(i.key == "seed");
    CHECK_THAT(i.message, Contains("run 'p75' at data fraction 0.5 lacks seed 3"));
  }
}

TEST_CASE("knowledge and evaluation seed sets are disjoint and validated", "[trace]") {
  const TraceProfile p = load_trace_profile(profile_path("valid.csv"), kVersions);
  CHECK_THROWS_AS(TraceLearning(p, 8000, 0), std::invalid_argument);
  CHECK_THROWS_WITH(TraceLearning(p, 8000, 5), Contains("between 1 and 4"));
  CHECK_THROWS_AS(TraceLearning(p, 0, 3), std::invalid_argument);
  const TraceLearning gt(p, 8000, 3);
  CHECK(gt.seeds(Purpose::knowledge) == std::vector<std::uint32_t>{1, 2, 3});
  CHECK(gt.seeds(Purpose::evaluation) == std::vector<std::uint32_t>{4, 5});
  // Every replication of a purpose stays within its seed set.
  for (std::uint32_t r = 0; r < 500; ++r) {
    const auto k = gt.profile_seed(7, Purpose::knowledge, r);
    const auto e = gt.profile_seed(7, Purpose::evaluation, r);
    CHECK(k <= 3);
    CHECK(e >= 4);
    const auto t = gt.trajectory(7, Purpose::evaluation, r, 8000, single(0, 8));
    CHECK(seed_of(*gt.profile().find("full", 1.0), t.test) == e);
  }
}

TEST_CASE("resampling is deterministic and uniform over the purpose's seeds", "[trace]") {
  const TraceLearning gt(load_trace_profile(profile_path("valid.csv"), kVersions), 8000, 3);
  const int n = 30000;
  std::map<std::uint32_t, int> knowledge;
  std::map<std::uint32_t, int> evaluation;
  for (std::uint32_t r = 0; r < static_cast<std::uint32_t>(n); ++r) {
    ++knowledge[gt.profile_seed(42, Purpose::knowledge, r)];
    ++evaluation[gt.profile_seed(42, Purpose::evaluation, r)];
  }
  REQUIRE(knowledge.size() == 3);
  REQUIRE(evaluation.size() == 2);
  // Binomial counts: within 5 standard deviations of n/m.
  for (const auto& [s, c] : knowledge) CHECK(std::abs(c - n / 3.0) < 5 * std::sqrt(n * (1.0 / 3) * (2.0 / 3)));
  for (const auto& [s, c] : evaluation) CHECK(std::abs(c - n / 2.0) < 5 * std::sqrt(n * 0.25));
  // Deterministic, and another scenario seed gives another sequence.
  int differ = 0;
  for (std::uint32_t r = 0; r < 200; ++r) {
    CHECK(gt.profile_seed(42, Purpose::evaluation, r) == gt.profile_seed(42, Purpose::evaluation, r));
    const auto a = gt.trajectory(42, Purpose::evaluation, r, 8000, single(1, 6));
    const auto b = gt.trajectory(42, Purpose::evaluation, r, 8000, single(1, 6));
    CHECK(a.test == b.test);
    CHECK(a.validation == b.validation);
    if (gt.profile_seed(42, Purpose::knowledge, r) != gt.profile_seed(43, Purpose::knowledge, r)) ++differ;
  }
  CHECK(differ > 50);
}

TEST_CASE("the same replication uses the same profile seed whatever the schedule", "[trace]") {
  const TraceLearning gt(load_trace_profile(profile_path("valid.csv"), kVersions), 8000, 3);
  const TraceProfile& p = gt.profile();
  for (const Purpose purpose : {Purpose::knowledge, Purpose::evaluation}) {
    for (std::uint32_t r = 0; r < 100; ++r) {
      const auto full = gt.trajectory(9, purpose, r, 8000, single(0, 8));
      const auto p75 = gt.trajectory(9, purpose, r, 8000, single(1, 5));
      const auto sw = gt.trajectory(9, purpose, r, 8000, switched(0, 4, 1, 7));
      const auto scarce = gt.trajectory(9, purpose, r, 2000, single(0, 8));
      const std::uint32_t s = seed_of(*p.find("full", 1.0), full.test);
      CHECK(seed_of(*p.find("p75", 1.0), p75.test) == s);
      CHECK(seed_of(*p.find("full>p75@4", 1.0), sw.test) == s);
      CHECK(seed_of(*p.find("full", 0.25), scarce.test) == s);
      CHECK(s == gt.profile_seed(9, purpose, r));
    }
  }
}

TEST_CASE("trajectories are the measured losses of the schedule's length", "[trace]") {
  const TraceLearning gt(load_trace_profile(profile_path("valid.csv"), kVersions), 8000, 3);
  const MeasuredRun& sw = *gt.profile().find("full>p75@4", 1.0);
  const auto t = gt.trajectory(1, Purpose::evaluation, 3, 8000, switched(0, 4, 1, 6));
  const auto& m = sw.by_seed.at(gt.profile_seed(1, Purpose::evaluation, 3));
  REQUIRE(t.test.size() == 6);
  REQUIRE(t.validation.size() == 6);
  CHECK(t.clean == t.test);
  CHECK(std::equal(t.test.begin(), t.test.end(), m.test.begin()));
  CHECK(std::equal(t.validation.begin(), t.validation.end(), m.validation.begin()));
  CHECK(gt.final_test_loss(1, Purpose::evaluation, 3, 8000, switched(0, 4, 1, 6)) == t.test.back());
  // Consecutive parts of the same version merge; empty parts are ignored.
  const Schedule split{{{0, 2}, {0, 2}, {1, 0}, {1, 2}}};
  CHECK(gt.trajectory(1, Purpose::evaluation, 3, 8000, split).test == t.test);
}

TEST_CASE("identity depends on the content, q_total and the split, not on the file", "[trace]") {
  const TraceProfile p = load_trace_profile(profile_path("valid.csv"), kVersions);
  const TraceLearning a(p, 8000, 3);
  CHECK_THAT(a.identity(), Catch::StartsWith("trace-v"));
  CHECK(a.identity() == TraceLearning(p, 8000, 3).identity());
  CHECK(a.identity() != TraceLearning(p, 8000, 2).identity());
  CHECK(a.identity() != TraceLearning(p, 9000, 3).identity());
  TraceProfile q = p;
  q.path = "elsewhere.csv";
  CHECK(a.identity() == TraceLearning(q, 8000, 3).identity());
  q.runs[0].by_seed.at(1).test[3] += 1e-12;
  CHECK(a.identity() != TraceLearning(q, 8000, 3).identity());
}

TEST_CASE("a data quantity maps to the measured fraction at or below it", "[trace]") {
  const TraceLearning gt(load_trace_profile(profile_path("valid.csv"), kVersions), 8000, 3);
  CHECK(gt.data_fraction_for(8000) == 1.0);
  CHECK(gt.data_fraction_for(1e9) == 1.0);
  CHECK(gt.data_fraction_for(7999) == 0.25);
  CHECK(gt.data_fraction_for(2000) == 0.25);
  CHECK(gt.data_fraction_for(8000 * 0.25) == 0.25);
  CHECK_THROWS_AS(gt.data_fraction_for(1999), std::out_of_range);
  CHECK_THROWS_WITH(gt.data_fraction_for(1999), Contains("below the smallest measured data fraction 0.25"));
  CHECK_THROWS_AS(gt.trajectory(1, Purpose::evaluation, 0, 1000, single(0, 3)), std::out_of_range);
  // 5000 samples use the 0.25 bucket: the 25% trajectories, not the full-data ones.
  const auto t = gt.trajectory(1, Purpose::evaluation, 0, 5000, single(0, 8));
  CHECK(seed_of(*gt.profile().find("full", 0.25), t.test) == gt.profile_seed(1, Purpose::evaluation, 0));
  CHECK(&gt.run_for(5000, single(0, 8)) == gt.profile().find("full", 0.25));
}

TEST_CASE("unmeasured schedules are rejected, naming the schedule and the measured runs", "[trace]") {
  const TraceLearning gt(load_trace_profile(profile_path("valid.csv"), kVersions), 8000, 3);
  // The reverse switch was never measured.
  CHECK_THROWS_WITH(gt.trajectory(1, Purpose::evaluation, 0, 8000, switched(1, 4, 0, 8)),
                    Contains("schedule 'p75>full@4' for 8 epochs") && Contains("not measured") &&
                        Contains("full (8 epochs), full>p75@4 (8 epochs), p75 (8 epochs)"));
  // A switch epoch the profile did not measure.
  CHECK_THROWS_AS(gt.trajectory(1, Purpose::evaluation, 0, 8000, switched(0, 3, 1, 8)), std::invalid_argument);
  // The switch run exists only with full data.
  CHECK_THROWS_WITH(gt.trajectory(1, Purpose::evaluation, 0, 4000, switched(0, 4, 1, 8)),
                    Contains("data fraction 0.25") && Contains("measured there: full (8 epochs), p75 (8 epochs)"));
  // Longer than measured.
  CHECK_THROWS_WITH(gt.trajectory(1, Purpose::evaluation, 0, 8000, single(0, 9)), Contains("longer than measured"));
  CHECK_THROWS_AS(gt.trajectory(1, Purpose::evaluation, 0, 8000, Schedule{}), std::invalid_argument);
  CHECK_THROWS_AS(gt.trajectory(1, Purpose::evaluation, 0, 8000, single(2, 3)), std::invalid_argument);
}

TEST_CASE("profile text details: CRLF, byte-order mark, large numbers, many errors", "[trace]") {
  const std::filesystem::path dir = std::filesystem::temp_directory_path() / "deplsim_test_trace_profile";
  std::filesystem::create_directories(dir);
  auto write = [&](const std::string& name, const std::string& text) {
    const std::string path = (dir / name).string();
    std::ofstream(path, std::ios::binary) << text;
    return path;
  };
  const std::string header = "version,data_fraction,seed,epoch,val_loss,test_loss,run";
  // Windows line endings and a UTF-8 byte-order mark are accepted.
  const std::string crlf = write("crlf.csv", "\xEF\xBB\xBF" + header + "\r\nfull,1,1,1,1.0,1.1,full\r\nfull,1,2,1,1.2,1.3,full\r\n");
  const TraceProfile p = load_trace_profile(crlf, kVersions);
  REQUIRE(p.runs.size() == 1);
  CHECK(p.runs[0].by_seed.at(2).test == std::vector<double>{1.3});
  // A huge epoch is a gap, not an allocation; a seed beyond 32 bits is refused.
  const std::string huge = write("huge.csv", header + "\nfull,1,1,1,1.0,1.1,full\nfull,1,1,2000000000,1.0,1.1,full\n");
  CHECK_THROWS_WITH(load_trace_profile(huge, kVersions), Contains("epochs 2..1999999999 missing"));
  const std::string seed = write("seed.csv", header + "\nfull,1,4294967296,1,1.0,1.1,full\n");
  CHECK_THROWS_WITH(load_trace_profile(seed, kVersions), Contains("seed: expected a whole number in [0, 4294967295]"));
  const std::string header_only = write("header.csv", header + "\n\n");
  CHECK_THROWS_WITH(load_trace_profile(header_only, kVersions), Contains("no data rows"));
  // Many bad lines: the first 20 are reported, then a note.
  std::string many = header + "\n";
  for (int i = 0; i < 50; ++i) many += "full,1,1,x,1.0,1.1,full\n";
  try {
    (void)load_trace_profile(write("many.csv", many), kVersions);
    FAIL("expected an InputError");
  } catch (const InputError& e) {
    REQUIRE(e.issues().size() == 21);
    CHECK(e.issues()[19].line == 21);
    CHECK_THAT(e.issues()[20].message, Contains("more errors not shown"));
  }
  std::filesystem::remove_all(dir);
}

TEST_CASE("a batch column: the rows at the scenario's batch are the profile", "[trace]") {
  // valid-batches.csv holds valid.csv at batch 32 and valid-b64.csv (the same runs, losses x 1.05) at batch 64.
  const TraceProfile p32 = load_trace_profile(profile_path("valid-batches.csv"), kVersions, kMaxProfileBytes, 32);
  const TraceProfile p64 = load_trace_profile(profile_path("valid-batches.csv"), kVersions, kMaxProfileBytes, 64);
  CHECK(p32.batches == std::vector<int>{32, 64});
  CHECK(p32.batch == 32);
  CHECK(p64.batch == 64);
  const auto same = [](const TraceProfile& a, const TraceProfile& b) {
    REQUIRE(a.runs.size() == b.runs.size());
    for (std::size_t i = 0; i < a.runs.size(); ++i) {
      CHECK(a.runs[i].name == b.runs[i].name);
      CHECK(a.runs[i].data_fraction == b.runs[i].data_fraction);
      REQUIRE(a.runs[i].by_seed.size() == b.runs[i].by_seed.size());
      for (const auto& [s, t] : a.runs[i].by_seed) {
        CHECK(t.test == b.runs[i].by_seed.at(s).test);
        CHECK(t.validation == b.runs[i].by_seed.at(s).validation);
      }
    }
  };
  same(p32, load_trace_profile(profile_path("valid.csv"), kVersions));
  same(p64, load_trace_profile(profile_path("valid-b64.csv"), kVersions));
  // The two batches differ, and so do their ground truths' identities.
  CHECK(p64.runs[0].by_seed.at(1).test != p32.runs[0].by_seed.at(1).test);
  CHECK(TraceLearning(p32, 8000, 3).identity() != TraceLearning(p64, 8000, 3).identity());
  // Without a batch column the requested batch is not checked (the file is one batch's).
  CHECK(load_trace_profile(profile_path("valid.csv"), kVersions, kMaxProfileBytes, 128).batches.empty());

  try {
    (void)load_trace_profile(profile_path("valid-batches.csv"), kVersions, kMaxProfileBytes, 128);
    FAIL("expected an InputError for an unmeasured batch");
  } catch (const InputError& e) {
    CHECK(e.issues().front().key == "batch");
    CHECK_THAT(e.issues().front().message, Contains("no rows at global batch 128") && Contains("measures batches 32, 64"));
  }
  CHECK_THROWS_WITH(load_trace_profile(profile_path("valid-batches.csv"), kVersions), Contains("say which (model.batch_size)"));
  const InputIssue bad = first_issue("bad-batch.csv");
  CHECK(bad.line == 3);
  CHECK(bad.key == "batch");
  CHECK_THAT(bad.message, Contains("expected a global batch size") && Contains("got '0'"));
}
