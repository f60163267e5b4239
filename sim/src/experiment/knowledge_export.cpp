// Exporting the planner knowledge as files (see knowledge_export.hpp and docs/knowledge.md).
#include "experiment/knowledge_export.hpp"

#include "support/csv.hpp"
#include "support/files.hpp"

#include <fmt/format.h>

#include <fstream>
#include <set>
#include <stdexcept>

#ifndef DEPLSIM_VERSION
#define DEPLSIM_VERSION "unknown"
#endif

namespace deplsim {
namespace fs = std::filesystem;

namespace {

constexpr int kKnowledgeFormatVersion = 1;

// Whole and fsynced, or a WriteError (exit 2) naming the file and the reason (support/files.hpp).
void write_file(const fs::path& path, const std::string& text) { write_atomically(path, text); }

double total_samples(const Scenario& sc) {
  double q = 0;
  for (const auto& d : sc.data_sources) q += static_cast<double>(d.samples);
  return q;
}

std::string file_safe(const std::string& s) {
  std::string out;
  for (char c : s) out += (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '.') ? c : '_';
  return out.empty() ? "_" : out;
}

struct ExportChain {
  std::string id;
  bool is_switch = false;
  std::size_t from = 0, to = 0, bucket = 0;
  int at = 0;  ///< switch epoch
};

using ojson = nlohmann::ordered_json;  // keys in the order written

// The chains to export, per data bucket: every version alone, then every declared switch at every declared switch
// epoch inside the horizon; their ids unique and safe as file names.
std::vector<ExportChain> chain_list(const Scenario& sc, const PlannerKnowledge& kk, int k_max) {
  std::vector<ExportChain> chains;
  std::set<std::string> used;
  auto unique = [&](std::string id) {
    std::string u = id;
    for (int i = 2; used.count(u) != 0; ++i) u = fmt::format("{}-{}", id, i);
    used.insert(u);
    return u;
  };
  for (std::size_t b = 0; b < kk.buckets().size(); ++b) {
    for (std::size_t v = 0; v < sc.model.versions.size(); ++v)
      chains.push_back({unique(fmt::format("single_{}_b{}", file_safe(sc.model.versions[v].name), b)), false, v, v, b, 0});
    for (const auto& sw : sc.model.switches)
      for (int s : sc.model.switch_epochs) {
        if (s <= 0 || s >= k_max) continue;
        chains.push_back({unique(fmt::format("switch_{}_{}_s{}_b{}", file_safe(sw.from), file_safe(sw.to), s, b)), true, sw.from_index,
                          sw.to_index, b, s});
      }
  }
  return chains;
}

// knowledge.json but its chains: the format, the scenario, the loss grid, the data buckets, versions and switches.
ojson header_json(const Context& ctx, int k_max) {
  const Scenario& sc = ctx.scenario();
  const PlannerKnowledge& kk = *ctx.knowledge;
  const LossGrid& grid = *kk.grid();
  ojson j;
  j["format"] = "deplsim-knowledge";
  j["format_version"] = kKnowledgeFormatVersion;
  j["deplsim_version"] = DEPLSIM_VERSION;
  j["scenario"] = sc.name;
  j["seed"] = ctx.seed;
  j["description"] = kk.describe();
  j["target"] = ojson{{"loss", sc.target.loss}, {"probability", sc.target.probability}, {"max_epochs", k_max}};
  ojson g;
  g["levels"] = grid.levels();
  g["target_levels"] = grid.target_levels();
  g["bounds"] = grid.bounds();
  std::vector<double> values;
  for (int l = 0; l < grid.levels(); ++l) values.push_back(grid.value(l));
  g["values"] = values;
  j["grid"] = g;
  j["total_samples"] = total_samples(sc);
  ojson buckets = ojson::array();
  for (std::size_t b = 0; b < kk.buckets().size(); ++b)
    buckets.push_back(ojson{{"index", b}, {"fraction", ctx.loaded.learning.data_buckets[b]}, {"samples", kk.buckets()[b]}});
  j["data_buckets"] = buckets;
  ojson versions = ojson::array();
  for (std::size_t v = 0; v < sc.model.versions.size(); ++v) versions.push_back(ojson{{"index", v}, {"name", sc.model.versions[v].name}});
  j["versions"] = versions;
  ojson switches = ojson::array();
  for (const auto& sw : sc.model.switches) switches.push_back(ojson{{"from", sw.from}, {"to", sw.to}});
  j["switches"] = switches;
  j["switch_epochs"] = sc.model.switch_epochs;
  j["max_switches"] = sc.model.max_switches;
  j["trajectories_per_chain"] = kk.trajectories_per_chain();
  j["knowledge_runs"] = kk.independent_runs() + kk.certification_runs();
  j["certification_runs"] = kk.certification_runs();
  j["confidence"] = kk.confidence();
  j["certification_candidates"] = kk.certification_candidates();
  j["mean_curves"] = "mean_curves.csv";
  return j;
}

// The knowledge's chain for `c`, or nullptr with the reason added to `unavailable`.
const KnowledgeChain* find_chain(const PlannerKnowledge& kk, const ExportChain& c, ojson& unavailable) {
  try {
    return c.is_switch ? &kk.switched(c.from, c.to, c.bucket, c.at) : &kk.single(c.from, c.bucket);
  } catch (const std::invalid_argument& e) {
    // A measured profile need not cover every (schedule, data bucket): say which chains it lacks.
    unavailable.push_back(ojson{{"id", c.id}, {"reason", e.what()}});
  } catch (const std::out_of_range& e) {
    unavailable.push_back(ojson{{"id", c.id}, {"reason", e.what()}});
  }
  return nullptr;
}

// One chain's files in `dir` (its kernels, its initial levels for a single version, its level means) and its lines
// of mean_curves.csv (appended to `curves`); returns its entry of knowledge.json.
ojson export_chain(const fs::path& dir, const Context& ctx, int k_max, const ExportChain& c, const KnowledgeChain& chain,
                  std::string& curves) {
  const Scenario& sc = ctx.scenario();
  const PlannerKnowledge& kk = *ctx.knowledge;
  const LossGrid& grid = *kk.grid();
  const int first = c.is_switch ? c.at + 1 : 1;
  ojson o;
  o["id"] = c.id;
  o["kind"] = c.is_switch ? "switch" : "single";
  if (c.is_switch) {
    o["from"] = sc.model.versions[c.from].name;
    o["to"] = sc.model.versions[c.to].name;
    o["switch_epoch"] = c.at;
  } else {
    o["version"] = sc.model.versions[c.from].name;
  }
  o["bucket"] = c.bucket;
  o["samples"] = kk.buckets()[c.bucket];
  o["first_epoch"] = first;
  o["last_epoch"] = k_max;
  o["trajectories"] = chain.trajectories;

  std::string kernels = "epoch,from_level,to_level,probability\n";
  auto put_kernel = [&](int epoch, const TransitionKernel& k) {
    for (int i = 0; i < k.levels(); ++i)
      for (const auto& [to, p] : k.row(i))
        if (p != 0) kernels += fmt::format("{},{},{},{}\n", epoch, i, to, csv_number(p));
  };
  if (c.is_switch) put_kernel(c.at, chain.across);
  for (std::size_t i = 0; i < chain.kernels.size(); ++i) put_kernel(first + static_cast<int>(i), chain.kernels[i]);
  o["kernels"] = c.id + ".csv";
  write_file(dir / (c.id + ".csv"), kernels);
  if (!c.is_switch) {
    std::string initial = "level,probability\n";
    for (std::size_t l = 0; l < chain.initial.size(); ++l)
      if (chain.initial[l] != 0) initial += fmt::format("{},{}\n", l, csv_number(chain.initial[l]));
    o["initial"] = c.id + "_initial.csv";
    write_file(dir / (c.id + "_initial.csv"), initial);
  } else {
    o["initial"] = nullptr;
  }
  std::string means = "epoch,level,mean_loss\n";
  for (std::size_t i = 0; i < chain.level_mean.size(); ++i)
    for (int l = 0; l < grid.levels(); ++l) {
      const double m = chain.level_mean[i][static_cast<std::size_t>(l)];
      if (m != grid.value(l)) means += fmt::format("{},{},{}\n", first + static_cast<int>(i), l, csv_number(m));
    }
  o["level_means"] = c.id + "_level_means.csv";
  write_file(dir / (c.id + "_level_means.csv"), means);

  Schedule s;
  if (c.is_switch) s.parts = {{c.from, c.at}, {c.to, k_max - c.at}};
  else s.parts = {{c.from, k_max}};
  const auto curve = kk.each_epoch(kk.buckets()[c.bucket], s);
  for (int e = first; e <= k_max; ++e) {
    const auto& [d, mean] = curve[static_cast<std::size_t>(e - 1)];
    curves += fmt::format("{},{},{},{}\n", c.id, e, csv_number(mean), csv_number(d.p_estimate()));
  }
  return o;
}

} // namespace

void export_knowledge(const fs::path& dir, const Context& ctx) {
  const Scenario& sc = ctx.scenario();
  const PlannerKnowledge& kk = *ctx.knowledge;
  const int k_max = sc.target.max_epochs;
  fs::create_directories(dir);

  const std::vector<ExportChain> chains = chain_list(sc, kk, k_max);
  ojson j = header_json(ctx, k_max);

  std::string curves = "chain,epoch,expected_loss,p_target\n";
  ojson list = ojson::array();
  ojson unavailable = ojson::array();
  for (const auto& c : chains) {
    const KnowledgeChain* found = find_chain(kk, c, unavailable);
    if (found == nullptr) continue;
    list.push_back(export_chain(dir, ctx, k_max, c, *found, curves));
  }
  j["chains"] = list;
  j["unavailable_chains"] = unavailable;
  write_file(dir / "mean_curves.csv", curves);
  write_file(dir / "knowledge.json", j.dump(2) + "\n");
}

} // namespace deplsim
