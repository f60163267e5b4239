// Planner knowledge as kernels over a loss grid (docs/model.md 3), counted from trajectories of the knowledge
// stream. Per-epoch kernels reproduce the training trajectories' marginal at every epoch exactly (law of total
// probability); what remains is estimation noise, the grid's midpoints for E[L] (refined with per-level means)
// and, after a second switch, the use of single-switch kernels.
#include "learning/knowledge/kernel_knowledge.hpp"

#include "deplsim/orchestrator.hpp"
#include "support/hash.hpp"

#ifndef DEPLSIM_VERSION
#define DEPLSIM_VERSION "unknown"
#endif
#ifndef DEPLSIM_KNOWLEDGE_CODE
#define DEPLSIM_KNOWLEDGE_CODE "unknown"
#endif

#include <fmt/format.h>
#include <openssl/evp.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <cstring>
#include <map>
#include <memory>
#include <optional>
#include <stdexcept>
#include <tuple>

namespace deplsim {

namespace {

using Counts = std::vector<std::vector<std::pair<std::uint32_t, std::uint32_t>>>;

void count(Counts& c, int from, int to) {
  auto& row = c[static_cast<std::size_t>(from)];
  for (auto& [j, n] : row)
    if (j == static_cast<std::uint32_t>(to)) {
      ++n;
      return;
    }
  row.emplace_back(static_cast<std::uint32_t>(to), 1U);
}

// ---- On-disk cache of chains, keyed by a hash of everything that determines them. ----

constexpr std::uint32_t kCacheMagic = 0x4B4C5044U;  // "DPLK"
constexpr std::uint32_t kCacheFormat = 1;

/// The cache folder: $DEPLSIM_CACHE_DIR, else $XDG_CACHE_HOME/deplsim, else ~/.cache/deplsim; "" (no cache)
/// when DEPLSIM_CACHE_DIR is set to "off" or no folder can be found.
std::filesystem::path cache_dir() {
  if (const char* d = std::getenv("DEPLSIM_CACHE_DIR")) return std::string(d) == "off" ? "" : d;
  if (const char* x = std::getenv("XDG_CACHE_HOME"); x != nullptr && *x != '\0') return std::filesystem::path(x) / "deplsim";
  if (const char* h = std::getenv("HOME"); h != nullptr && *h != '\0') return std::filesystem::path(h) / ".cache" / "deplsim";
  return "";
}

template <class T>
void put(std::string& out, const T& v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}

class Reader {
public:
  explicit Reader(const std::string& data) : data_(data) {}
  template <class T>
  bool get(T& v) {
    if (pos_ + sizeof v > data_.size()) return false;
    std::memcpy(&v, data_.data() + pos_, sizeof v);
    pos_ += sizeof v;
    return true;
  }
  [[nodiscard]] bool done() const { return pos_ == data_.size(); }
  [[nodiscard]] std::size_t position() const { return pos_; }
  [[nodiscard]] const char* here() const { return data_.data() + pos_; }
  void seek(std::size_t pos) { pos_ = pos; }
  bool skip(std::size_t bytes) {
    if (bytes > data_.size() - pos_) return false;
    pos_ += bytes;
    return true;
  }

private:
  const std::string& data_;
  std::size_t pos_ = 0;
};

void put_kernel(std::string& out, const TransitionKernel& k) {
  put(out, static_cast<std::uint32_t>(k.levels()));
  for (int i = 0; i < k.levels(); ++i) {
    put(out, static_cast<std::uint32_t>(k.row(i).size()));
    for (const auto& [j, p] : k.row(i)) {
      put(out, j);
      put(out, p);
    }
  }
}

bool get_kernel(Reader& in, TransitionKernel& k, std::uint32_t levels, std::vector<TransitionKernel::Entry>& row) {
  std::uint32_t n = 0;
  if (!in.get(n) || (n != levels && n != 0)) return false;
  constexpr std::size_t entry_bytes = sizeof(std::uint32_t) + sizeof(double);  // on disk: (j, p), unpadded
  // A first pass counts the entries, so that the kernel's one array is allocated once.
  const std::size_t rows_at = in.position();
  std::size_t entries = 0;
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint32_t size = 0;
    if (!in.get(size) || size > levels || !in.skip(size * entry_bytes)) return false;
    entries += size;
  }
  in.seek(rows_at);
  k = TransitionKernel::appending(static_cast<int>(n), entries);
  for (std::uint32_t i = 0; i < n; ++i) {
    std::uint32_t size = 0;
    if (!in.get(size)) return false;
    const char* at = in.here();
    if (!in.skip(size * entry_bytes)) return false;  // (checked above too: the row lies within the data)
    row.resize(size);
    for (std::uint32_t e = 0; e < size; ++e, at += entry_bytes) {
      std::memcpy(&row[e].first, at, sizeof(std::uint32_t));
      std::memcpy(&row[e].second, at + sizeof(std::uint32_t), sizeof(double));
      if (row[e].first >= levels) return false;
    }
    k.append_row(row);
  }
  return true;
}

std::string serialise(const KnowledgeChain& c, std::uint32_t levels) {
  std::string out;
  put(out, kCacheMagic);
  put(out, kCacheFormat);
  put(out, levels);
  put(out, static_cast<std::int32_t>(c.trajectories));
  put(out, static_cast<std::uint32_t>(c.initial.size()));
  for (double p : c.initial) put(out, p);
  put_kernel(out, c.across);
  put(out, static_cast<std::uint32_t>(c.kernels.size()));
  for (const auto& k : c.kernels) put_kernel(out, k);
  put(out, static_cast<std::uint32_t>(c.level_mean.size()));
  for (const auto& m : c.level_mean)
    for (double v : m) put(out, v);
  return out;
}

bool deserialise(const std::string& data, std::uint32_t levels, KnowledgeChain& c) {
  Reader in(data);
  std::uint32_t magic = 0, format = 0, b = 0, n = 0;
  std::int32_t traj = 0;
  if (!in.get(magic) || magic != kCacheMagic || !in.get(format) || format != kCacheFormat || !in.get(b) || b != levels) return false;
  if (!in.get(traj)) return false;
  c.trajectories = traj;
  if (!in.get(n) || (n != 0 && n != levels)) return false;
  c.initial.assign(n, 0.0);
  for (auto& p : c.initial)
    if (!in.get(p)) return false;
  std::vector<TransitionKernel::Entry> row;
  if (!get_kernel(in, c.across, levels, row)) return false;
  if (!in.get(n) || n > 1000000) return false;
  c.kernels.assign(n, TransitionKernel());
  for (auto& k : c.kernels)
    if (!get_kernel(in, k, levels, row)) return false;
  if (!in.get(n) || n > 1000000) return false;
  c.level_mean.assign(n, std::vector<double>(levels));
  for (auto& m : c.level_mean)
    for (auto& v : m)
      if (!in.get(v)) return false;
  return in.done();
}

/// A cache file's bytes, or nothing when it cannot be read.
std::optional<std::string> read_cache_file(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) return std::nullopt;
  std::string data(static_cast<std::size_t>(std::max<std::streamoff>(0, in.tellg())), '\0');
  in.seekg(0);
  in.read(data.data(), static_cast<std::streamsize>(data.size()));
  if (!in) return std::nullopt;
  return data;
}

/// Stores `data` as `file` in the cache folder `dir`, atomically (a temporary file, then renamed); an unwritable
/// cache is no error: the entry is simply not cached.
void write_cache_file(const std::filesystem::path& dir, const std::filesystem::path& file, const std::string& data) {
  std::error_code ec;
  // Said once, when the default folder is first made: where the cache lives and how to move or turn it off (a
  // folder named in DEPLSIM_CACHE_DIR was chosen by the user, who knows).
  const bool chosen = std::getenv("DEPLSIM_CACHE_DIR") != nullptr;
  if (!std::filesystem::exists(dir, ec) && std::filesystem::create_directories(dir, ec) && !chosen)
    fmt::print(stderr, "note: planner knowledge is cached in {} (DEPLSIM_CACHE_DIR=FOLDER to move it, "
                       "DEPLSIM_CACHE_DIR=off to turn it off; safe to delete)\n", dir.string());
  const std::filesystem::path tmp = file.string() + fmt::format(".tmp-{}", getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out.write(data.data(), static_cast<std::streamsize>(data.size()));
    out.close();
    if (!out) {
      std::filesystem::remove(tmp, ec);
      return;
    }
  }
  std::filesystem::rename(tmp, file, ec);
  if (ec) std::filesystem::remove(tmp, ec);
}

// Certification counts on disk: magic, format, the number of epochs, then the runs meeting L* after each.
constexpr std::uint32_t kCountsMagic = 0x43435044U;  // "DPCC"

std::string serialise_counts(const std::vector<long long>& met) {
  std::string out;
  put(out, kCountsMagic);
  put(out, kCacheFormat);
  put(out, static_cast<std::uint32_t>(met.size()));
  for (long long m : met) put(out, static_cast<std::int64_t>(m));
  return out;
}

bool deserialise_counts(const std::string& data, std::size_t epochs, std::size_t runs, std::vector<long long>& met) {
  Reader in(data);
  std::uint32_t magic = 0, format = 0, n = 0;
  if (!in.get(magic) || magic != kCountsMagic || !in.get(format) || format != kCacheFormat || !in.get(n) || n != epochs) return false;
  met.assign(n, 0);
  for (auto& m : met) {
    std::int64_t v = 0;
    if (!in.get(v) || v < 0 || static_cast<std::uint64_t>(v) > runs) return false;
    m = v;
  }
  return in.done();
}

} // namespace

struct KernelKnowledge::Impl {
  Impl(const Scenario& sc, const LearningSpec& l, const GroundTruth& t, std::uint64_t s)
      : scenario(sc), learning(l), truth(t), seed(s), measured(t.independent_runs(Purpose::knowledge).has_value()) {
    // The runs the planners know: a measured profile's knowledge seeds, or knowledge_trajectories draws of the
    // knowledge stream; of them, the certification runs are kept apart (the profile's last knowledge seeds, or the
    // draws of the certification stream) and the kernels are counted from the others.
    const std::size_t total = measured ? *t.independent_runs(Purpose::knowledge) : static_cast<std::size_t>(l.knowledge_trajectories);
    certification = static_cast<std::size_t>(static_cast<double>(total) * l.certification_share);
    selection = total - certification;
  }
  const Scenario& scenario;
  const LearningSpec& learning;
  const GroundTruth& truth;
  std::uint64_t seed;
  bool measured = false;
  bool cache = true;              ///< chains from and to the on-disk cache
  std::size_t selection = 0;      ///< runs the kernels and trajectories come from
  std::size_t certification = 0;  ///< runs kept to certify claims

  /// The test (and validation) losses of selection run `r` under `schedule` with `samples` samples per epoch.
  [[nodiscard]] Trajectory selection_trajectory(std::size_t r, double samples, const Schedule& schedule) const {
    return measured ? truth.indexed_trajectory(Purpose::knowledge, r, samples, schedule)
                    : truth.trajectory(seed, Purpose::knowledge, static_cast<std::uint32_t>(r), samples, schedule);
  }
  /// The test (and validation) losses of certification run `i` under `schedule` with `samples` samples per epoch.
  [[nodiscard]] Trajectory certification_trajectory(std::size_t i, double samples, const Schedule& schedule) const {
    return measured ? truth.indexed_trajectory(Purpose::knowledge, selection + i, samples, schedule)
                    : truth.trajectory(seed, Purpose::certification, static_cast<std::uint32_t>(i), samples, schedule);
  }
  /// Only the test losses of those runs: what certification counts (a generator skips the validation curve).
  [[nodiscard]] std::vector<double> selection_tests(std::size_t r, double samples, const Schedule& schedule) const {
    return measured ? truth.indexed_trajectory(Purpose::knowledge, r, samples, schedule).test
                    : truth.test_losses(seed, Purpose::knowledge, static_cast<std::uint32_t>(r), samples, schedule);
  }
  [[nodiscard]] std::vector<double> certification_tests(std::size_t i, double samples, const Schedule& schedule) const {
    return measured ? truth.indexed_trajectory(Purpose::knowledge, selection + i, samples, schedule).test
                    : truth.test_losses(seed, Purpose::certification, static_cast<std::uint32_t>(i), samples, schedule);
  }
  mutable std::mutex mutex;
  mutable std::map<std::pair<std::size_t, std::size_t>, KnowledgeChain> singles;
  mutable std::map<std::tuple<std::size_t, std::size_t, std::size_t, int>, KnowledgeChain> switches;
  /// certify_epochs' counts (runs meeting L* after each epoch) per (samples, schedule, runs counted): planners test
  /// the same schedule as several candidates (their own plan, a baseline's, the version alone). Small: one count per
  /// epoch.
  mutable std::map<std::tuple<double, std::vector<std::pair<std::size_t, int>>, bool>, std::vector<long long>> met_counts;
  /// each_epoch's answers per (bucket, merged schedule): the planners' searches propagate the same schedules (the
  /// margin sweep and the shared search, the same 243 on a paper scenario). Bounded: emptied when it would pass
  /// kPropagationMemoDoubles.
  using Propagation = std::vector<std::pair<LossDistribution, double>>;
  mutable std::map<std::pair<std::size_t, std::vector<std::pair<std::size_t, int>>>, Propagation> propagations;
  mutable std::size_t propagation_doubles = 0;
  std::atomic<bool> remember{true};  ///< each_epoch remembers its answers
  static constexpr std::size_t kPropagationMemoDoubles = std::size_t{4} << 20;  // 32 MiB

  // Counts a chain from trajectories of `schedule`, starting at epoch `first` (1-based): the initial
  // distribution at `first` (if `first` == 1) or the transition into `first` from `first` - 1, then kernels.
  // Everything that determines a chain, hashed: the cache key.
  [[nodiscard]] std::string chain_key(const LossGrid& grid, double samples, const Schedule& schedule, int first) const {
    std::string k = fmt::format("deplsim-knowledge {} {} code {}|truth {}|seed {}|n {}|q {}|first {}|{}|bounds", kCacheFormat,
                                DEPLSIM_VERSION, DEPLSIM_KNOWLEDGE_CODE, truth.identity(), seed, selection, samples, first,
                                learning_text());
    for (double b : grid.bounds()) k += fmt::format(" {}", b);
    return sha256_text(k + schedule_text(schedule));
  }
  /// The same for certify_epochs' counts: the runs counted (the certification runs, and the selection runs when
  /// `all`), the target, the schedule.
  [[nodiscard]] std::string counts_key(double samples, const Schedule& schedule, bool all) const {
    const std::string k = fmt::format("deplsim-certification-counts {} {} code {}|truth {}|seed {}|n {}|certify {}|all {}|q {}|target {}|{}",
                                      kCacheFormat, DEPLSIM_VERSION, DEPLSIM_KNOWLEDGE_CODE, truth.identity(), seed, selection,
                                      certification, all, samples, scenario.target.loss, learning_text());
    return sha256_text(k + schedule_text(schedule));
  }
  /// The learning settings every run depends on, written out for a cache key.
  [[nodiscard]] std::string learning_text() const {
    const LearningSpec& lm = learning;
    return fmt::format("L0 {} qref {} a {} g {} z {} sr {} se {} sv {}", lm.initial_loss, lm.reference_samples,
                       lm.floor_data_exponent, lm.spread_data_exponent, lm.overfit_data_exponent, lm.rate_spread,
                       lm.epoch_noise, lm.eval_noise);
  }
  /// The schedule with its versions' learning, the switches and the batch-size law, written out for a cache key.
  [[nodiscard]] std::string schedule_text(const Schedule& schedule) const {
    const LearningSpec& lm = learning;
    std::string k;
    for (const auto& p : schedule.parts) {
      const ModelVersion& v = scenario.model.versions[p.version];
      const VersionLearning& l = learning.versions[p.version];
      k += fmt::format("|{} x{}: {} {} {} {} {} {}", v.name, p.epochs, l.floor, l.rate, l.shape, l.spread, l.overfit_slope, l.overfit_start);
    }
    for (const auto& s : lm.switches) k += fmt::format("|sw {} {} {} {}", s.from_index, s.to_index, s.jump, s.floor);
    if (lm.batch_noise_scale > 0)  // the batch-size law (absent: the keys of before it)
      k += fmt::format("|batch {} ref {} noise {}", scenario.model.batch_size, lm.reference_batch, lm.batch_noise_scale);
    return k;
  }
  /// The cache folder for this knowledge, or "" when it caches nothing (turned off, or a truth without identity).
  [[nodiscard]] std::filesystem::path cache_folder() const {
    return truth.identity().empty() || !cache ? std::filesystem::path() : cache_dir();
  }

  // A chain from the cache, or built and stored (atomically: written to a temporary file, then renamed).
  KnowledgeChain cached(const LossGrid& grid, double samples, const Schedule& schedule, int first) const {
    const std::filesystem::path dir = cache_folder();
    const auto levels = static_cast<std::uint32_t>(grid.levels());
    std::filesystem::path file;
    if (!dir.empty()) {
      file = dir / (chain_key(grid, samples, schedule, first) + ".chain");
      KnowledgeChain c;
      if (const auto data = read_cache_file(file); data && deserialise(*data, levels, c)) return c;
    }
    KnowledgeChain c = build(grid, samples, schedule, first);
    if (!dir.empty()) write_cache_file(dir, file, serialise(c, levels));
    return c;
  }

  KnowledgeChain build(const LossGrid& grid, double samples, const Schedule& schedule, int first) const {
    // A measured profile's knowledge is counted from each of its selection seeds exactly once (docs/model.md 0.6 and
    // 1.4: the empirical distribution of the n runs, which the finite-sample claim of LossDistribution::p_target
    // needs); a generator's from the selection draws of the knowledge stream.
    const bool runs = measured;
    const int n = static_cast<int>(selection);
    const int total = schedule.total_epochs();
    const int len = total - first + 1;  // epochs in the chain
    const int b = grid.levels();
    KnowledgeChain c;
    c.trajectories = n;
    std::vector<double> initial(static_cast<std::size_t>(b), 0.0);
    Counts across(static_cast<std::size_t>(b));
    std::vector<Counts> kernels(static_cast<std::size_t>(std::max(0, len - 1)), Counts(static_cast<std::size_t>(b)));
    std::vector<std::vector<double>> sum(static_cast<std::size_t>(len), std::vector<double>(static_cast<std::size_t>(b), 0.0));
    std::vector<std::vector<int>> hits(static_cast<std::size_t>(len), std::vector<int>(static_cast<std::size_t>(b), 0));
    std::vector<int> level(static_cast<std::size_t>(total));
    for (int r = 0; r < n; ++r) {
      const Trajectory t = runs ? truth.indexed_trajectory(Purpose::knowledge, static_cast<std::size_t>(r), samples, schedule)
                                : truth.trajectory(seed, Purpose::knowledge, static_cast<std::uint32_t>(r), samples, schedule);
      for (int k = 0; k < total; ++k) level[static_cast<std::size_t>(k)] = grid.level_of(t.test[static_cast<std::size_t>(k)]);
      if (first == 1) initial[static_cast<std::size_t>(level[0])] += 1.0;
      else count(across, level[static_cast<std::size_t>(first - 2)], level[static_cast<std::size_t>(first - 1)]);
      for (int i = 0; i < len; ++i) {
        const int k = first - 1 + i;  // 0-based epoch index
        const auto lv = static_cast<std::size_t>(level[static_cast<std::size_t>(k)]);
        sum[static_cast<std::size_t>(i)][lv] += t.test[static_cast<std::size_t>(k)];
        hits[static_cast<std::size_t>(i)][lv] += 1;
        if (i + 1 < len) count(kernels[static_cast<std::size_t>(i)], level[static_cast<std::size_t>(k)], level[static_cast<std::size_t>(k + 1)]);
      }
    }
    if (first == 1) {
      for (auto& p : initial) p /= n;
      c.initial = std::move(initial);
    } else {
      c.across = TransitionKernel::from_counts(across);
    }
    for (auto& k : kernels) c.kernels.push_back(TransitionKernel::from_counts(k));
    for (int i = 0; i < len; ++i) {
      std::vector<double> m(static_cast<std::size_t>(b));
      for (int j = 0; j < b; ++j) {
        const int h = hits[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)];
        m[static_cast<std::size_t>(j)] = h > 0 ? sum[static_cast<std::size_t>(i)][static_cast<std::size_t>(j)] / h : grid.value(j);
      }
      c.level_mean.push_back(std::move(m));
    }
    return c;
  }
};

KernelKnowledge::KernelKnowledge(const Scenario& scenario, const LearningSpec& learning, const GroundTruth& truth,
                                 std::uint64_t seed, bool cache)
    : impl_(std::make_unique<Impl>(scenario, learning, truth, seed)) {
  impl_->cache = cache;
  const LearningSpec& lm = learning;
  double total = 0;
  for (const auto& d : scenario.data_sources) total += static_cast<double>(d.samples);
  for (double f : lm.data_buckets) buckets_.push_back(f * total);
  std::sort(buckets_.begin(), buckets_.end());
  const double hi = std::max(1.5 * lm.initial_loss, 1.5 * scenario.target.loss);
  grid_ = std::make_shared<LossGrid>(0.0, scenario.target.loss, hi, lm.levels);
}

KernelKnowledge::~KernelKnowledge() = default;

const KnowledgeChain& KernelKnowledge::single(std::size_t version, std::size_t bucket) const {
  if (version >= impl_->scenario.model.versions.size()) throw std::out_of_range("no such version");
  if (bucket >= buckets_.size()) throw std::out_of_range("no such data bucket");
  std::lock_guard lock(impl_->mutex);
  auto it = impl_->singles.find({version, bucket});
  if (it != impl_->singles.end()) return it->second;
  const Schedule s{{{version, impl_->scenario.target.max_epochs}}};
  return impl_->singles.emplace(std::make_pair(version, bucket), impl_->cached(*grid_, buckets_[bucket], s, 1)).first->second;
}

const KnowledgeChain& KernelKnowledge::switched(std::size_t from, std::size_t to, std::size_t bucket, int at) const {
  const auto& versions = impl_->scenario.model.versions;
  if (from >= versions.size() || to >= versions.size()) throw std::out_of_range("no such version");
  if (bucket >= buckets_.size()) throw std::out_of_range("no such data bucket");
  if (at < 1 || at >= impl_->scenario.target.max_epochs)
    throw std::out_of_range(fmt::format("switch epoch {} outside 1..{}", at, impl_->scenario.target.max_epochs - 1));
  if (impl_->scenario.switch_declared(from, to) == nullptr)
    throw std::invalid_argument(fmt::format("switch {} -> {} is not declared", impl_->scenario.model.versions[from].name,
                                            impl_->scenario.model.versions[to].name));
  std::lock_guard lock(impl_->mutex);
  const auto key = std::make_tuple(from, to, bucket, at);
  auto it = impl_->switches.find(key);
  if (it != impl_->switches.end()) return it->second;
  const int k_max = impl_->scenario.target.max_epochs;
  const Schedule s{{{from, at}, {to, k_max - at}}};
  return impl_->switches.emplace(key, impl_->cached(*grid_, buckets_[bucket], s, at + 1)).first->second;
}

std::vector<std::pair<LossDistribution, double>> KernelKnowledge::each_epoch(double samples, const Schedule& schedule_in) const {
  const Schedule schedule = schedule_in.merged();
  if (schedule.parts.empty()) throw std::invalid_argument("empty schedule");
  if (schedule.total_epochs() > impl_->scenario.target.max_epochs)
    throw std::invalid_argument("schedule longer than target.max_epochs");
  const std::size_t b = bucket_of(samples);
  std::vector<std::pair<std::size_t, int>> parts;
  for (const auto& p : schedule.parts) parts.emplace_back(p.version, p.epochs);
  auto key = std::make_pair(b, std::move(parts));
  if (impl_->remember) {
    std::lock_guard lock(impl_->mutex);
    if (auto it = impl_->propagations.find(key); it != impl_->propagations.end()) return it->second;
  }
  std::vector<std::pair<LossDistribution, double>> out;
  std::vector<double> pi;
  std::vector<double> next;
  auto record = [&](const std::vector<double>& means) {
    double e = 0;
    for (std::size_t j = 0; j < pi.size(); ++j) e += pi[j] * means[j];
    LossDistribution d(grid_, pi);
    if (impl_->measured) d.set_runs(impl_->selection);
    out.emplace_back(std::move(d), e);
  };
  int epoch = 0;
  for (std::size_t p = 0; p < schedule.parts.size(); ++p) {
    const auto& part = schedule.parts[p];
    const KnowledgeChain& c = p == 0 ? single(part.version, b) : switched(schedule.parts[p - 1].version, part.version, b, epoch);
    if (p == 0) pi = c.initial;
    else {
      c.across.apply(pi, next);
      pi.swap(next);
    }
    record(c.level_mean[0]);
    for (int j = 1; j < part.epochs; ++j) {
      c.kernels[static_cast<std::size_t>(j - 1)].apply(pi, next);
      pi.swap(next);
      record(c.level_mean[static_cast<std::size_t>(j)]);
    }
    epoch += part.epochs;
  }
  if (!impl_->remember) return out;
  const std::size_t doubles = out.size() * (grid_->levels() + 1);
  std::lock_guard lock(impl_->mutex);
  if (impl_->propagation_doubles + doubles > Impl::kPropagationMemoDoubles) {
    impl_->propagations.clear();
    impl_->propagation_doubles = 0;
  }
  if (doubles <= Impl::kPropagationMemoDoubles && impl_->propagations.emplace(std::move(key), out).second)
    impl_->propagation_doubles += doubles;
  return out;
}

void KernelKnowledge::remember_propagations(bool on) {
  std::lock_guard lock(impl_->mutex);
  impl_->remember = on;
  if (!on) {
    impl_->propagations.clear();
    impl_->propagation_doubles = 0;
  }
}

std::vector<Trajectory> KernelKnowledge::trajectories(double samples, const Schedule& schedule) const {
  const double q = buckets_[bucket_of(samples)];
  std::vector<Trajectory> out;
  out.reserve(impl_->selection);
  for (std::size_t r = 0; r < impl_->selection; ++r) out.push_back(impl_->selection_trajectory(r, q, schedule));
  return out;
}

std::size_t KernelKnowledge::independent_runs() const { return impl_->selection; }

std::size_t KernelKnowledge::certification_runs() const { return impl_->certification; }

double KernelKnowledge::confidence() const { return impl_->learning.confidence; }

int KernelKnowledge::certification_candidates() const { return impl_->learning.certification_candidates; }

namespace {

// Fixed-sequence testing (see Certification): the candidates' successes, asked for in order, until one's bound
// falls below p*.
Certification fixed_sequence(std::size_t runs, std::size_t candidates, double confidence, int family, double p_star,
                             const std::function<long long(std::size_t)>& successes_of) {
  Certification c;
  c.runs = static_cast<long long>(runs);
  const double alpha = (1.0 - confidence) / std::max(1, family);
  c.level = 1.0 - alpha;
  if (runs == 0) return c;
  for (std::size_t i = 0; i < candidates; ++i) {
    const long long m = successes_of(i);
    const double bound = clopper_pearson_lower(static_cast<std::size_t>(m), runs, alpha);
    c.successes.push_back(m);
    c.bounds.push_back(bound);
    if (!reaches(bound, p_star)) break;
    ++c.certified;
  }
  return c;
}

} // namespace

Certification KernelKnowledge::certify_epochs(double samples, const Schedule& schedule, const std::vector<int>& epochs,
                                              double p_star, int family, CertifyOn on) const {
  const double target = impl_->scenario.target.loss;
  const bool all = on == CertifyOn::all_runs && impl_->certification > 0;
  const std::size_t runs = impl_->certification + (all ? impl_->selection : 0);
  // Each run's test loss after every epoch of the schedule: counted once per schedule, then read per candidate.
  std::vector<std::pair<std::size_t, int>> parts;
  for (const auto& p : schedule.parts) parts.emplace_back(p.version, p.epochs);
  const auto key = std::make_tuple(samples, std::move(parts), all);
  std::vector<long long> met;
  {
    std::lock_guard lock(impl_->mutex);
    if (auto it = impl_->met_counts.find(key); it != impl_->met_counts.end()) met = it->second;
  }
  if (met.empty()) {
    // Then the on-disk cache (counts of a generated truth: a measured profile's few runs are counted in no time),
    // then the runs themselves.
    const std::filesystem::path dir = impl_->measured ? std::filesystem::path() : impl_->cache_folder();
    const std::filesystem::path file = dir.empty() ? dir : dir / (impl_->counts_key(samples, schedule, all) + ".counts");
    const auto epochs_in = static_cast<std::size_t>(std::max(0, schedule.total_epochs()));
    const auto data = dir.empty() ? std::nullopt : read_cache_file(file);
    if (!data || !deserialise_counts(*data, epochs_in, runs, met)) {
      met.assign(epochs_in, 0);
      auto count = [&](const std::vector<double>& test) {
        for (std::size_t k = 0; k < test.size() && k < met.size(); ++k) met[k] += test[k] <= target ? 1 : 0;
      };
      for (std::size_t i = 0; i < impl_->certification; ++i) count(impl_->certification_tests(i, samples, schedule));
      if (all)
        for (std::size_t r = 0; r < impl_->selection; ++r) count(impl_->selection_tests(r, samples, schedule));
      if (!dir.empty()) write_cache_file(dir, file, serialise_counts(met));
    }
    std::lock_guard lock(impl_->mutex);
    impl_->met_counts.emplace(key, met);
  }
  return fixed_sequence(runs, epochs.size(), confidence(), family, p_star, [&](std::size_t i) {
    const int e = epochs[i];
    if (e < 1 || e > static_cast<int>(met.size())) throw std::out_of_range(fmt::format("no epoch {} in the schedule", e));
    return met[static_cast<std::size_t>(e - 1)];
  });
}

Certification KernelKnowledge::certify_policies(double samples, const std::vector<Segment>& initial,
                                                const std::vector<std::function<std::unique_ptr<ReplicationPolicy>()>>& policies,
                                                double p_star, int family) const {
  const Scenario& sc = impl_->scenario;
  // One certification run with a fresh policy: success when the test loss of what it delivers meets L*.
  auto replay = [&](std::size_t run, ReplicationPolicy& policy) {
    const auto [schedule, t] = replay_policy(sc, policy, initial, [&](const Schedule& s) {
      return impl_->certification_trajectory(run, samples, s);
    });
    return !t.test.empty() && t.test.back() <= sc.target.loss;
  };
  return fixed_sequence(impl_->certification, policies.size(), confidence(), family, p_star, [&](std::size_t j) {
    long long m = 0;
    for (std::size_t i = 0; i < impl_->certification; ++i) {
      std::unique_ptr<ReplicationPolicy> policy = policies[j]();
      m += policy && replay(i, *policy) ? 1 : 0;
    }
    return m;
  });
}

KnowledgeKind KernelKnowledge::kind() const { return impl_->measured ? KnowledgeKind::measured : KnowledgeKind::generated; }

int KernelKnowledge::trajectories_per_chain() const { return static_cast<int>(impl_->selection); }

std::string KernelKnowledge::describe() const {
  std::string buckets;
  for (double b : buckets_) buckets += (buckets.empty() ? "" : ", ") + fmt::format("{}", b);
  const std::string certified =
      impl_->certification > 0
          ? fmt::format("; {} more kept to certify claims at {:g}% confidence", impl_->certification, 100 * confidence())
          : std::string("; claims not certified (no run kept apart)");
  return fmt::format("kernels over {} loss levels (boundary at L* = {}), {} training {} from the {} (seed {}){}, data "
                     "buckets [{}] samples",
                     grid_->levels(), grid_->target(), impl_->selection, impl_->measured ? "seeds" : "trajectories per chain",
                     impl_->measured ? "measured profile" : "knowledge stream", impl_->seed, certified, buckets);
}

} // namespace deplsim
